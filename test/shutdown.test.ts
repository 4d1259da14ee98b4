/**
 * A clean stop ships what the agent holds: a line accepted just before
 * SIGTERM is at the server by the time the agent has exited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, getJson, startAgent, startServer } from './processes.ts';

test('SIGTERM flushes and ships before the agent exits', { timeout: 60_000 }, async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'picket-stop-'));
  const server = await startServer(home);
  // A long flush interval: without the final flush the line would still be in memory.
  const agent = await startAgent(home, server.grpc, 'sources:\n  - type: syslog-tcp\n    listen: 127.0.0.1:0\ngenerators: []\noutbox:\n  flush_interval: 10s\n');
  t.after(async () => {
    await server.stop();
    await rm(home, { recursive: true, force: true });
  });
  const [host, port] = agent.tcp.split(':') as [string, string];
  const socket = connect({ host, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once('error', reject).end('<13>Nov 22 10:00:00 host app: the last words\n', () => resolve()));
  await new Promise((resolve) => socket.once('close', resolve));
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the agent read it

  assert.equal(await agent.stop(), 0);
  // Acknowledged means journaled; processing stores it a moment later.
  await eventually('the line at the server', async () => {
    const { events } = await getJson<{ events: { message?: string }[] }>(`${server.http}/api/v1/events?dataset=syslog`);
    return events.some((e) => e.message === 'the last words') ? true : undefined;
  }, 5_000);
  const { agents } = await getJson<{ agents: { watermark: number }[] }>(`${server.http}/api/v1/agents`);
  assert.ok(agents[0]!.watermark >= 2, 'the status record and the line were acknowledged before exit');
});
