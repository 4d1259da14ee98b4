#!/usr/bin/env node
/**
 * picket-agent: the edge collector. `run` (the default) starts it;
 * `validate` checks a configuration file and exits.
 */
import { parseArgs } from 'node:util';
import { createLogger, loadConfig, parseConfig, PicketError, VERSION, waitForStopSignal } from '@picket/shared';
import { startAgent } from './agent.ts';
import { agentConfigSchema } from './config.ts';

const HELP = `picket-agent ${VERSION}: Picket's edge collector

Usage:
  picket-agent [run] [--config FILE] [--server HOST:PORT]   run the agent
  picket-agent validate [--config FILE]                     check the configuration and exit
  picket-agent --version | --help

Options:
  -c, --config FILE   YAML configuration (default: none, every default applies:
                      syslog on 127.0.0.1:5514 TCP and UDP, local accounts,
                      server at 127.0.0.1:50051)
  -s, --server ADDR   the server's gRPC address, overriding the configuration

Environment:
  PICKET_HOME         state lives in $PICKET_HOME/agent (default ./.picket/agent)
  PICKET_LOG_LEVEL    trace, debug, info (default), warn, error
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        server: { type: 'string', short: 's' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (err) {
    process.stderr.write(`picket-agent: ${(err as Error).message}\nTry 'picket-agent --help'.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'run';
  if (positionals.length > 1 || !['run', 'validate'].includes(command)) {
    process.stderr.write(`picket-agent: unknown command '${positionals.join(' ')}'\nTry 'picket-agent --help'.\n`);
    return 2;
  }

  let config;
  try {
    config = loadConfig(agentConfigSchema, values.config);
    if (values.server !== undefined) config.server.address = parseConfig(agentConfigSchema.shape.server, `address: "${values.server}"`, '--server').address;
  } catch (err) {
    if (!(err instanceof PicketError)) throw err;
    process.stderr.write(`picket-agent: ${err.message}\n`);
    return 2;
  }
  if (command === 'validate') {
    process.stdout.write(`${values.config ?? 'default configuration'}: ok\n`);
    return 0;
  }

  const logger = createLogger('picket-agent');
  const agent = await startAgent(config, logger).catch((err: Error) => {
    logger.fatal({ err }, `agent could not start: ${err.message}`);
    return undefined;
  });
  if (!agent) return 1;
  logger.info({ agentId: agent.agentId, home: agent.home, listening: agent.endpoints, server: config.server.address, version: VERSION }, 'agent started');

  await waitForStopSignal((signal) => logger.info({ signal }, 'stopping'));
  await agent.stop();
  logger.info('agent stopped');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
