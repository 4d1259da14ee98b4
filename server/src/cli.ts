#!/usr/bin/env node
/**
 * picket-server: the central ingest server. `run` (the default) starts it;
 * `standalone` also runs a local agent beside it; `validate` checks a
 * configuration file and exits.
 */
import { createLogger, parseCommandLine, PicketError, VERSION, waitForStopSignal } from '@picket/shared';
import { serverConfigSchema } from './config.ts';
import { startServer } from './server.ts';
import { runStandalone } from './standalone.ts';

const HELP = `picket-server ${VERSION}: Picket's central ingest server

Usage:
  picket-server [run] [--config FILE]        run the server
  picket-server standalone [--config FILE] [--agent-config FILE]
                                             run the server and a local agent (npm start)
  picket-server inventory AGENT [GENERATOR] [--url URL]
                                             a running server's inventory: an agent's generators,
                                             or one generator's items (JSON)
  picket-server validate [--config FILE]     check the configuration and exit
  picket-server --version | --help

Options:
  -c, --config FILE         server configuration (YAML; default: every default applies:
                            gRPC 127.0.0.1:50051, HTTP 127.0.0.1:8080, alerts on stdout)
      --agent-config FILE   standalone only: the local agent's configuration
      --url URL             inventory: the server's HTTP address (default: from the configuration)

Environment:
  PICKET_HOME               state lives in $PICKET_HOME/server (default ./.picket/server)
  PICKET_LOG_LEVEL          trace, debug, info (default), warn, error

Alerts are written to stdout as JSON lines; logs go to stderr.
`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine({
    program: 'picket-server',
    help: HELP,
    commands: ['run', 'standalone', 'inventory', 'validate'],
    commandArgs: { inventory: [1, 2] },
    options: { 'agent-config': { type: 'string' }, url: { type: 'string' } },
    schema: serverConfigSchema,
    override(_config, values, command) {
      if (values['agent-config'] !== undefined && command !== 'standalone') {
        throw new PicketError('CONFIG_INVALID', { file: '--agent-config', detail: "applies to 'standalone' only" });
      }
    },
  }, argv);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { command, args, values, config } = parsed;
  if (command === 'inventory') return printInventory(values.url as string | undefined ?? `http://${config.listen.http}`, args[0]!, args[1]);

  const logger = createLogger('picket-server');
  if (command === 'standalone') return runStandalone(config, values['agent-config'] as string | undefined, logger);

  const server = await startServer(config, logger).catch((err: Error) => {
    // One plain line for the person at the terminal; the cause is in the message.
    process.stderr.write(`picket-server: server could not start: ${err.message}\n`);
    return undefined;
  });
  if (!server) return 1;
  logger.info({ home: server.home, grpc: server.grpcAddress, http: server.httpUrl, version: VERSION }, 'server started');
  await waitForStopSignal((signal) => logger.info({ signal }, 'stopping'));
  await server.stop();
  logger.info('server stopped');
  return 0;
}

/** Prints the inventory from a running server's API, all pages of it. */
async function printInventory(url: string, agent: string, generator: string | undefined): Promise<number> {
  const base = `${url.replace(/\/$/, '')}/api/v1/inventory/${encodeURIComponent(agent)}`;
  try {
    if (generator === undefined) {
      const response = await fetch(base);
      process.stdout.write(`${JSON.stringify(await response.json(), null, 2)}\n`);
      return response.ok ? 0 : 1;
    }
    for (let after: string | null = ''; after !== null;) {
      const response = await fetch(`${base}/${encodeURIComponent(generator)}?after=${encodeURIComponent(after)}`);
      const page = (await response.json()) as { items?: { key: string; value: unknown }[]; next?: string | null; message?: string };
      if (!response.ok) {
        process.stderr.write(`picket-server: ${page.message ?? response.statusText}\n`);
        return 1;
      }
      for (const item of page.items ?? []) process.stdout.write(`${JSON.stringify(item)}\n`);
      after = page.items?.length ? (page.next ?? null) : null;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`picket-server: cannot reach ${url}: ${(err as Error).message} (is the server running? use --url)\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
