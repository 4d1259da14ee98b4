/**
 * The `module` generator type: a user's JavaScript or TypeScript file that
 * exports, as default or as `generator`, what defineGenerator takes:
 * `{ name, key(item), collect(config, ctx), ignoredFields?, schema? }`.
 * The entry's other keys are the module's options: `collect` gets them in
 * its config, after the module's `schema` (anything with zod's `safeParse`)
 * has validated them, if it has one.
 *
 * The file is imported at start-up, where a missing file or a bad export
 * fails with a message naming the file, and again by each worker thread
 * that runs it. Node imports a file once per thread: changes take effect
 * when the agent restarts. TypeScript files run by Node's type stripping
 * (erasable syntax only), in the single executable too.
 */
import { access, constants } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { describeError } from '@picket/shared';
import { datasetName, defineCustomGeneratorType, generatorSchema, type RunnableGenerator } from './define-generator.ts';

export const moduleSchema = generatorSchema('module', { interval: '60s' }, {
  path: z.string().regex(/\.[cm]?[jt]s$/, 'expected a .js, .mjs, .cjs, .ts, .mts or .cts file').describe("The module's file; a relative path is resolved against the agent's working directory."),
  name: datasetName.optional().describe("Dataset name, instead of the one the module exports; unique among the generators."),
}).loose(); // other keys are the module's own options

export type ModuleConfig = z.output<typeof moduleSchema>;

/** Keys the agent reads; the rest of an entry is the module's options. */
const AGENT_KEYS = new Set(Object.keys(moduleSchema.shape));

interface OptionsSchema {
  safeParse(options: unknown): { success: true; data: unknown } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

interface ModuleGenerator extends RunnableGenerator {
  schema?: OptionsSchema;
}

export const moduleType = defineCustomGeneratorType({
  type: 'module',
  schema: moduleSchema,
  async generatorFor(config): Promise<RunnableGenerator> {
    const file = resolve(config.path);
    const exported = await importGenerator(file, config.name !== undefined);
    const name = config.name ?? exported.name;
    const own = ownOptions(config);
    const options = exported.schema ? validOptions(file, exported.schema, own) : own;
    return {
      name,
      key(item) {
        const key: unknown = exported.key(item);
        if (typeof key !== 'string') throw new Error(`module generator ${file}: key returned ${key === null ? 'null' : typeof key}, not a string`);
        return key;
      },
      ignoredFields: exported.ignoredFields,
      // The agent's keys stay as parsed; the module's options as its schema made them.
      collect: (agentConfig, ctx) => exported.collect({ ...(agentConfig as object), ...(options as object) }, ctx),
    };
  },
});

async function importGenerator(file: string, named: boolean): Promise<ModuleGenerator> {
  const fail = (problem: string, cause?: unknown) => new Error(`module generator ${file}: ${problem}`, { cause });
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    throw fail((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read it (${(err as NodeJS.ErrnoException).code})`, err);
  }
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const hint = /\.[cm]?ts$/.test(file) ? ' (TypeScript runs by type stripping: only erasable syntax, no enum or namespace; or compile it to .js)' : '';
    throw fail(`cannot load it: ${describeError(err)}${hint}`, err);
  }
  const candidate = exports.generator ?? exports.default;
  const problem = shapeProblem(candidate, named);
  if (problem) throw fail(problem);
  return candidate as ModuleGenerator;
}

/** What is wrong with an export that should be a generator, or undefined. */
function shapeProblem(candidate: unknown, named: boolean): string | undefined {
  if (candidate === null || typeof candidate !== 'object') return 'exports no generator: export default (or export const generator =) an object with name, key and collect';
  const generator = candidate as Record<string, unknown>;
  if (!named && !datasetName.safeParse(generator.name).success) return `its name ${JSON.stringify(generator.name)} is not a dotted lowercase name such as aws.iam.users`;
  if (typeof generator.key !== 'function') return 'its key is not a function (item => string)';
  if (typeof generator.collect !== 'function') return 'its collect is not a function ((config, { signal }) => Promise<items[]>)';
  const ignored = generator.ignoredFields;
  if (ignored !== undefined && !(Array.isArray(ignored) && ignored.every((field) => typeof field === 'string'))) return 'its ignoredFields is not a list of dotted paths';
  if (generator.schema !== undefined && typeof (generator.schema as OptionsSchema).safeParse !== 'function') return 'its schema has no safeParse (use a zod schema)';
  return undefined;
}

function ownOptions(config: ModuleConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => !AGENT_KEYS.has(key)));
}

function validOptions(file: string, schema: OptionsSchema, options: Record<string, unknown>): unknown {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(options)'}: ${issue.message}`);
  throw new Error(`module generator ${file}: invalid options: ${issues.join('; ')}`);
}
