/**
 * Benchmark: agent -> server drain. An agent's outbox is filled with N
 * syslog records while no server runs; then a real server process and a
 * real agent process start, and the bench measures how fast the server
 * acknowledges (journaled, durable) and how fast it processes (normalized,
 * run through detection, stored) those records.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePeerField, encodeSourceField, Format } from '@picket/shared';
import { Outbox } from '../agent/src/outbox.ts';
import { openStateDb } from '../agent/src/state-db.ts';
import { getJson, startAgent, startServer } from '../test/processes.ts';

export interface DrainResult {
  ackedPerSecond: number;
  processedPerSecond: number;
}

export async function benchDrain(records: number): Promise<DrainResult> {
  const home = await mkdtemp(join(tmpdir(), 'picket-bench-'));
  try {
    await fillOutbox(join(home, 'agent', 'state'), records);
    const server = await startServer(home);
    const started = performance.now();
    const agent = await startAgent(home, server.grpc, 'sources: []\ngenerators: []\nstatus_interval: 1h\n');
    try {
      let ackedAt = 0;
      for (;;) {
        const { agents } = await getJson<{ agents: { watermark: number }[] }>(`${server.http}/api/v1/agents`);
        if (!ackedAt && (agents[0]?.watermark ?? 0) >= records) ackedAt = performance.now();
        if (ackedAt) {
          const metrics = await (await fetch(`${server.http}/metrics`)).text();
          const pending = Number(/^picket_journal_pending_entries (\d+)/m.exec(metrics)?.[1] ?? '1');
          const events = Number(/^picket_events_total\{dataset="syslog"\} (\d+)/m.exec(metrics)?.[1] ?? '0');
          if (pending === 0 && events >= records) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const processedAt = performance.now();
      return {
        ackedPerSecond: Math.round(records / ((ackedAt - started) / 1000)),
        processedPerSecond: Math.round(records / ((processedAt - started) / 1000)),
      };
    } finally {
      await agent.stop();
      await server.stop();
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

async function fillOutbox(directory: string, records: number): Promise<void> {
  await mkdir(directory, { recursive: true });
  const db = await openStateDb(directory);
  const outbox = await Outbox.open(db, { flushIntervalMs: 0, maxPendingBytes: 1 << 30, sync: false });
  const source = encodeSourceField('syslog');
  const peer = encodePeerField('127.0.0.1:40000');
  for (let n = 1; n <= records; n++) {
    const line = Buffer.from(`<38>Nov 22 10:00:00 web${n % 50} sshd[811]: Failed password for invalid user u${n} from 198.51.100.${n % 250} port 52344 ssh2`);
    outbox.appendRaw(source, Format.SYSLOG, line, 0, line.length, peer, false);
    if (n % 10_000 === 0) await outbox.flush();
  }
  await outbox.flush();
  await db.close();
}
