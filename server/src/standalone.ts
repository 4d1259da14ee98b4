/**
 * Standalone mode (`npm start`): the server in this process and a local
 * agent as a child process, both with default configuration, state under
 * $PICKET_HOME (default ./.picket). Ctrl-C stops the agent first, so what it
 * holds is flushed and shipped, then the server.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VERSION, waitForStopSignal, type Logger } from '@picket/shared';
import type { ServerConfig } from './config.ts';
import { startServer } from './server.ts';

const AGENT_STOP_TIMEOUT_MS = 15_000;

export async function runStandalone(config: ServerConfig, agentConfigFile: string | undefined, logger: Logger): Promise<number> {
  const server = await startServer(config, logger).catch((err: Error) => {
    // One plain line for the person at the terminal; the cause is in the message.
    process.stderr.write(`picket-server: server could not start: ${err.message}\n`);
    return undefined;
  });
  if (!server) return 1;

  const agentCli = fileURLToPath(import.meta.resolve('@picket/agent/cli'));
  const args = [agentCli, 'run', '--server', server.grpcAddress, ...(agentConfigFile ? ['--config', agentConfigFile] : [])];
  const agent = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));

  // Pass the agent's log lines through; its start line says where it listens.
  createInterface({ input: agent.stderr! }).on('line', (line) => {
    process.stderr.write(`${line}\n`);
    const entry = parseJson(line);
    if (entry?.msg === 'agent started' && Array.isArray(entry.listening)) printBanner(server.home, entry.listening as string[], server.grpcAddress, server.httpUrl);
  });

  const outcome = await Promise.race([
    waitForStopSignal((signal) => logger.info({ signal }, 'stopping')).then(() => 'signal' as const),
    exited.then(() => 'agent-exited' as const),
  ]);
  let code = 0;
  if (outcome === 'agent-exited') {
    logger.error({ exitCode: agent.exitCode }, 'the local agent exited; stopping the server');
    code = 1;
  } else {
    agent.kill('SIGTERM');
    const timer = setTimeout(() => agent.kill('SIGKILL'), AGENT_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  await server.pipeline.drained();
  await server.stop();
  logger.info('stopped');
  return code;
}

function printBanner(home: string, agentEndpoints: string[], grpc: string, http: string): void {
  const tcp = agentEndpoints.find((e) => e.startsWith('tcp://'));
  const port = tcp ? tcp.slice(tcp.lastIndexOf(':') + 1) : '5514';
  const lines = [
    '',
    `Picket ${VERSION} standalone: server and local agent are running (state in ${home.replace(/\/server$/, '')})`,
    `  agent   syslog      ${agentEndpoints.join('  ')}`,
    `  server  gRPC intake ${grpc}`,
    `          HTTP        ${http}/healthz  ${http}/metrics  ${http}/api/v1/alerts`,
    'Alerts print on stdout as JSON lines. Try five failed SSH logins:',
    `  for i in 1 2 3 4 5; do logger --tcp -n 127.0.0.1 -P ${port} -t sshd "Failed password for root from 203.0.113.7 port 4242 ssh2"; done`,
    'Ctrl-C stops both.',
    '',
  ];
  process.stderr.write(lines.join('\n') + '\n');
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
