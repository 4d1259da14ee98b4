/**
 * Malformed syslog never crashes a listener and is never dropped silently:
 * garbage, over-long lines and broken frames reach the server, which
 * quarantines what it cannot parse with the reason; the agent keeps working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, getJson, startAgent, startServer } from './processes.ts';

interface QuarantineEntry { code: string; reason: string; source: string; data: string }

async function sendTcp(target: string, bytes: Buffer): Promise<void> {
  const [host, port] = target.split(':') as [string, string];
  const socket = connect({ host, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once('error', reject).end(bytes, () => resolve()));
}

async function sendUdp(target: string, bytes: Buffer): Promise<void> {
  const [host, port] = target.split(':') as [string, string];
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.send(bytes, Number(port), host, (err) => (err ? reject(err) : resolve())));
  socket.close();
}

test('garbage, over-long and badly framed syslog is quarantined with a reason; the agent keeps working', { timeout: 60_000 }, async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'picket-bad-'));
  const server = await startServer(home);
  const agent = await startAgent(home, server.grpc, `
sources:
  - type: syslog-tcp
    listen: 127.0.0.1:0
  - type: syslog-udp
    listen: 127.0.0.1:0
generators: []
`);
  t.after(async () => {
    await agent.stop();
    await server.stop();
    await rm(home, { recursive: true, force: true });
  });

  const binary = Buffer.alloc(4096);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919 + 13) % 256;
  await sendTcp(agent.tcp, Buffer.concat([Buffer.from('garbage-1 not syslog at all\n'), binary, Buffer.from('\n')]));
  await sendTcp(agent.tcp, Buffer.from(`<13>Nov 22 10:00:00 host app: ${'x'.repeat(100_000)}\n`));
  await sendTcp(agent.tcp, Buffer.from('99999999999 <13>a frame that never ends'));
  await sendTcp(agent.tcp, Buffer.from('12x bad octet count\n<13>Nov 22 10:00:00 host app: after a bad frame\n'));
  await sendUdp(agent.udp, Buffer.from('garbage-2 \u0000\u0001\u0002'));
  await sendUdp(agent.udp, binary.subarray(0, 1000));

  // The agent still accepts good lines on both listeners.
  await sendTcp(agent.tcp, Buffer.from('<13>Nov 22 10:00:00 host app: still alive over tcp\n'));
  await sendUdp(agent.udp, Buffer.from('<13>Nov 22 10:00:00 host app: still alive over udp'));
  const messages = await eventually('the good lines', async () => {
    const { events } = await getJson<{ events: { message?: string; picket: { truncated?: boolean } }[] }>(`${server.http}/api/v1/events?dataset=syslog`);
    const found = events.map((e) => e.message ?? '');
    return found.includes('still alive over tcp') && found.includes('still alive over udp') ? events : undefined;
  });
  assert.ok(messages.some((e) => e.message === 'after a bad frame'), 'framing resynchronised after the bad octet count');
  const long = messages.find((e) => e.message?.startsWith('xxx'));
  assert.ok(long, 'the over-long line arrived');
  assert.equal(long.picket.truncated, true);
  assert.equal(long.message!.length, 64 * 1024 - '<13>Nov 22 10:00:00 host app: '.length, 'cut at the 64 KiB limit');

  const { entries } = await eventually('the quarantine', async () => {
    const page = await getJson<{ entries: QuarantineEntry[] }>(`${server.http}/api/v1/quarantine`);
    return page.entries.length >= 4 ? page : undefined;
  });
  for (const entry of entries) {
    assert.equal(entry.code, 'PARSE_FAILED');
    assert.match(entry.reason, /^syslog: \S/);
    assert.ok(entry.data.length > 0, 'the original bytes are kept');
  }
  const quarantined = entries.map((e) => Buffer.from(e.data, 'base64').toString('latin1'));
  assert.ok(quarantined.some((d) => d.includes('garbage-1')));
  assert.ok(quarantined.some((d) => d.includes('garbage-2')));
  assert.equal(agent.child.exitCode, null, 'the agent is still running');
});
