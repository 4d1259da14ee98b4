#!/usr/bin/env node
/**
 * picket-agent: the edge collector. `run` (the default) starts it;
 * `validate` checks a configuration file and exits.
 */
import { address, createLogger, parseCommandLine, PicketError, VERSION, waitForStopSignal } from '@picket/shared';
import { startAgent } from './agent.ts';
import { runCollect } from './collect.ts';
import { agentConfigSchema } from './config.ts';

const HELP = `picket-agent ${VERSION}: Picket's edge collector

Usage:
  picket-agent [run] [--config FILE] [--server HOST:PORT]   run the agent
  picket-agent collect [--generator NAME] [--once] [--print] [--config FILE]
                                                            run generators here and print what they
                                                            would ship (JSON lines); ships nothing
  picket-agent validate [--config FILE]                     check the configuration and exit
  picket-agent --version | --help

Options:
  -c, --config FILE   YAML configuration (default: none, every default applies:
                      syslog on 127.0.0.1:5514 TCP and UDP, local accounts,
                      server at 127.0.0.1:50051)
  -s, --server ADDR   the server's gRPC address, overriding the configuration
  -g, --generator N   collect: only this generator (configured or not)
      --once          collect: one run, then exit (1 if a generator failed)
      --print         collect: also print the whole snapshot

Environment:
  PICKET_HOME         state lives in $PICKET_HOME/agent (default ./.picket/agent)
  PICKET_LOG_LEVEL    trace, debug, info (default), warn, error
`;

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine({
    program: 'picket-agent',
    help: HELP,
    commands: ['run', 'collect', 'validate'],
    options: {
      server: { type: 'string', short: 's' },
      generator: { type: 'string', short: 'g' },
      once: { type: 'boolean' },
      print: { type: 'boolean' },
    },
    schema: agentConfigSchema,
    override(config, values) {
      if (typeof values.server !== 'string') return;
      const server = address.safeParse(values.server);
      if (!server.success) throw new PicketError('CONFIG_INVALID', { file: '--server', detail: server.error.issues[0]!.message });
      config.server.address = server.data;
    },
  }, argv);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { command, values, config } = parsed;
  if (command === 'collect') {
    const stop = new AbortController();
    void waitForStopSignal(() => stop.abort());
    return runCollect(config, { generator: values.generator as string | undefined, once: values.once === true, print: values.print === true }, stop.signal);
  }

  const logger = createLogger('picket-agent');
  const agent = await startAgent(config, logger).catch((err: Error) => {
    // One plain line for the person at the terminal; the cause is in the message.
    process.stderr.write(`picket-agent: agent could not start: ${err.message}\n`);
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
