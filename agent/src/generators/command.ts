/**
 * The `command` generator type: runs a program and takes the items it prints
 * as JSON (an array, or an object holding one at `items_path`) or NDJSON
 * (one item per line), e.g. a cloud CLI listing IAM users. Each configured
 * entry is its own generator, named by its `name`.
 *
 * The program runs without a shell, with stdin closed, and is killed
 * (SIGKILL) at the timeout or when the agent stops. A run fails, keeping the
 * previous snapshot, when the program exits non-zero, prints more than
 * `max_output`, prints something that is not the expected JSON, or prints
 * an item without the key field.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { z } from 'zod';
import { size } from '@picket/shared';
import { datasetName, defineCustomGeneratorType, generatorSchema, type RunnableGenerator } from './define-generator.ts';

const STDERR_LINES = 5;
const STDERR_LINE_CHARS = 200;

export const commandSchema = generatorSchema('command', { interval: '5m' }, {
  name: datasetName.describe('Dataset name of the items, e.g. aws.iam.users; unique among the generators.'),
  command: z.string().min(1).describe('Program to run: a path, or a name looked up on PATH. No shell is involved.'),
  args: z.array(z.string()).default([]).describe('Its arguments.'),
  format: z.enum(['json', 'ndjson']).default('json').describe('json: one array, or an object holding it at items_path; ndjson: one item per line.'),
  items_path: z.string().min(1).optional().describe('With json: dotted path of the array within the printed object, e.g. Users.'),
  key: z.string().min(1).describe('Dotted path of the field that identifies an item, e.g. UserName.'),
  env: z.record(z.string(), z.string()).default({}).describe("Variables set for the program, on top of the agent's environment."),
  max_output: size.prefault('64MiB').describe('A program printing more than this fails the run.'),
}).refine((config) => config.format === 'json' || config.items_path === undefined, { message: 'items_path applies to format json only', path: ['items_path'] });

export type CommandConfig = z.output<typeof commandSchema>;

export const commandType = defineCustomGeneratorType({
  type: 'command',
  schema: commandSchema,
  generatorFor: (config): RunnableGenerator => ({
    name: config.name,
    key: (item: unknown) => String(valueAt(item, config.key)),
    async collect(_config, { signal }) {
      const items = parseItems((await runProgram(config, signal)).toString('utf8'), config);
      items.forEach((item, index) => {
        const key = valueAt(item, config.key);
        if (typeof key !== 'string' && typeof key !== 'number') {
          throw new Error(`item ${index} (counting from 0) has no key field "${config.key}" (a string or a number)`);
        }
      });
      return items;
    },
  }),
});

/** The program's standard output; rejects with what went wrong, including the start of its stderr. */
function runProgram(config: CommandConfig, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(config.command, config.args, {
      encoding: 'buffer',
      env: { ...process.env, ...config.env },
      maxBuffer: config.max_output,
      killSignal: 'SIGKILL',
      signal,
      windowsHide: true,
    }, (err, stdout, stderr) => {
      if (!err) resolve(stdout);
      else reject(err.name === 'AbortError' ? signal.reason : new Error(describeFailure(config, err, stderr)));
    });
    child.stdin?.end(); // a program that reads stdin sees its end instead of waiting for the agent
  });
}

function describeFailure(config: CommandConfig, err: ExecFileException, stderr: Buffer): string {
  const program = config.command;
  if (err.code === 'ENOENT') return `cannot run ${program}: not found (a name is looked up on the agent's PATH)`;
  if (err.code === 'EACCES') return `cannot run ${program}: permission denied`;
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `${program} printed more than max_output (${config.max_output} bytes) and was killed`;
  const how = typeof err.code === 'number' ? `exited with code ${err.code}` : err.signal ? `was killed by ${err.signal}` : err.message;
  return `${program} ${how}${stderrExcerpt(stderr)}`;
}

/** The first lines of stderr, shortened, as they appear in the run's error. */
function stderrExcerpt(stderr: Buffer): string {
  const lines = stderr.toString('utf8').split('\n').map((line) => line.trim()).filter(Boolean);
  if (lines.length === 0) return ' (no stderr)';
  const shown = lines.slice(0, STDERR_LINES).map((line) => (line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS)}…` : line));
  const more = lines.length > STDERR_LINES ? ` (${lines.length - STDERR_LINES} more lines)` : '';
  return `; stderr: ${shown.join(' | ')}${more}`;
}

/** The items in the program's output. */
export function parseItems(output: string, config: Pick<CommandConfig, 'format' | 'items_path'>): unknown[] {
  if (config.format === 'ndjson') {
    const items: unknown[] = [];
    output.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        items.push(JSON.parse(line));
      } catch (err) {
        throw new Error(`output line ${index + 1} is not JSON: ${(err as Error).message}`, { cause: err });
      }
    });
    return items;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch (err) {
    throw new Error(`output is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const items = config.items_path === undefined ? parsed : valueAt(parsed, config.items_path);
  if (!Array.isArray(items)) {
    throw new Error(config.items_path === undefined ? 'output is not a JSON array (set items_path to the array inside an object)' : `output has no array at "${config.items_path}"`);
  }
  return items;
}

/** The value at a dotted path ("Users", "metadata.id"); undefined when any step is missing. */
function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
