/**
 * Benchmark: syslog over TCP into the agent's durable outbox, in records/s.
 * The sender is a separate process; the agent runs here so the bench can
 * watch its outbox. Time runs from the sender's start until every line is
 * written to LevelDB (group commit included).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, parseConfig } from '@picket/shared';
import { startAgent } from '../agent/src/agent.ts';
import { agentConfigSchema } from '../agent/src/config.ts';

export async function benchSyslogIntake(lines: number, connections: number): Promise<{ recordsPerSecond: number; seconds: number }> {
  const home = await mkdtemp(join(tmpdir(), 'picket-bench-'));
  const config = parseConfig(agentConfigSchema, `
home: ${JSON.stringify(home)}
server: { address: "127.0.0.1:9" }
sources: [{ type: syslog-tcp, listen: "127.0.0.1:0" }]
generators: []
status_interval: 1h
`, 'bench');
  const agent = await startAgent(config, createLogger('bench', 'silent'));
  try {
    const target = agent.endpoints[0]!.replace('tcp://', '');
    const firstSeq = agent.outbox.nextSeq;
    const started = performance.now();
    const sender = spawn(process.execPath, [fileURLToPath(new URL('send-syslog.ts', import.meta.url)), target, String(lines), String(connections)], { stdio: 'inherit' });
    const senderDone = new Promise<number | null>((resolve) => sender.once('exit', resolve));
    while (agent.outbox.nextSeq - firstSeq < lines) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (sender.exitCode !== null && sender.exitCode !== 0) throw new Error(`sender failed with ${sender.exitCode}`);
    }
    await agent.outbox.flush();
    const seconds = (performance.now() - started) / 1000;
    await senderDone;
    return { recordsPerSecond: Math.round(lines / seconds), seconds };
  } finally {
    await agent.stop();
    await rm(home, { recursive: true, force: true });
  }
}
