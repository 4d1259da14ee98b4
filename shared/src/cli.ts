/**
 * What both command lines share: options, --help and --version, the
 * command, and the configuration, loaded and validated before anything else
 * happens. Usage and configuration errors print one clear message and exit
 * 2; `validate` exits 0 once the configuration is valid.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { z } from 'zod';
import { loadConfig } from './config.ts';
import { PicketError } from './errors.ts';
import { VERSION } from './version.ts';

export interface CommandLineSpec<Schema extends z.ZodType> {
  program: string;
  help: string;
  /** The first is the default; 'validate' is handled here. */
  commands: string[];
  /** Positional arguments a command takes after its name, as [least, most]; none when absent. */
  commandArgs?: Record<string, [number, number]>;
  /** Options beyond --config, --help and --version. */
  options: ParseArgsOptionsConfig;
  schema: Schema;
  /** Applies command-line options to the loaded configuration; throws PicketError when they are invalid. */
  override?(config: z.output<Schema>, values: Record<string, string | boolean | undefined>, command: string): void;
}

export type CommandLine<Schema extends z.ZodType> =
  | { exitCode: number }
  | { command: string; args: string[]; values: Record<string, string | boolean | undefined>; config: z.output<Schema> };

export function parseCommandLine<Schema extends z.ZodType>(spec: CommandLineSpec<Schema>, argv: string[]): CommandLine<Schema> {
  const fail = (message: string) => {
    process.stderr.write(`${spec.program}: ${message}\n`);
    return { exitCode: 2 };
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...spec.options,
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (err) {
    return fail(`${(err as Error).message}\nTry '${spec.program} --help'.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(spec.help);
    return { exitCode: 0 };
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return { exitCode: 0 };
  }
  const command = positionals[0] ?? spec.commands[0]!;
  if (!spec.commands.includes(command)) return fail(`unknown command '${command}'\nTry '${spec.program} --help'.`);
  const args = positionals.slice(1);
  const [least, most] = spec.commandArgs?.[command] ?? [0, 0];
  if (args.length < least || args.length > most) {
    return fail(`'${command}' takes ${least === most ? least : `${least} to ${most}`} argument${most === 1 ? '' : 's'}, not ${args.length}\nTry '${spec.program} --help'.`);
  }
  const file = values.config as string | undefined;
  let config;
  try {
    config = loadConfig(spec.schema, file);
    spec.override?.(config, values, command);
  } catch (err) {
    if (!(err instanceof PicketError)) throw err;
    return fail(err.message);
  }
  if (command === 'validate') {
    process.stdout.write(`${file ?? 'default configuration'}: ok\n`);
    return { exitCode: 0 };
  }
  return { command, args, values, config };
}
