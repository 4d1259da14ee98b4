/**
 * Every registered unit, created from its defaults: start, stop, stop again.
 * Every source must count what it receives (the compliance check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@picket/shared';
import { agentConfigSchema } from './config.ts';
import { generators } from './generators/index.ts';
import { Outbox } from './outbox.ts';
import { sources } from './sources/index.ts';
import { openStateDb } from './state-db.ts';

const logger = createLogger('test', 'silent');

async function send(endpoint: string, message: string): Promise<void> {
  const [scheme, rest] = endpoint.split('://') as [string, string];
  const colon = rest.lastIndexOf(':');
  const host = rest.slice(0, colon);
  const port = Number(rest.slice(colon + 1));
  if (scheme === 'tcp') {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => socket.once('error', reject).end(`${message}\n`, () => resolve()));
  } else {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => socket.send(message, port, host, (err) => (err ? reject(err) : resolve())));
    socket.close();
  }
}

for (const source of sources) {
  test(`source ${source.type}: starts from defaults, counts what it receives, stops twice`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'picket-unit-'));
    const db = await openStateDb(dir);
    try {
      const outbox = await Outbox.open(db, { flushIntervalMs: 0, maxPendingBytes: 1 << 20, sync: false });
      const config = source.schema.parse({ type: source.type, listen: '127.0.0.1:0' });
      const running = source.create(config as never, { outbox, logger });
      await running.start();
      assert.match(running.endpoint, /^\w+:\/\/127\.0\.0\.1:\d+$/);
      await send(running.endpoint, '<13>compliance check');
      const deadline = Date.now() + 5000;
      while (running.stats.received === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(Object.keys(running.stats).sort(), ['dropped', 'errors', 'received', 'truncated']);
      assert.equal(running.stats.received, 1);
      await running.stop();
      await running.stop();
      await outbox.flush();
      assert.equal((await outbox.readChunks(undefined, Infinity)).length, 1);
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('every generator has defaults that validate', () => {
  for (const generator of generators) {
    assert.doesNotThrow(() => generator.schema.parse({ type: generator.name }), generator.name);
  }
});

test('the default agent configuration is complete', () => {
  const config = agentConfigSchema.parse({});
  assert.deepEqual(config.sources.map((s) => [s.type, (s as { listen: string }).listen]), [['syslog-tcp', '127.0.0.1:5514'], ['syslog-udp', '127.0.0.1:5514']]);
  assert.deepEqual(config.generators.map((g) => g.type), generators.map((g) => g.name), 'every generator runs by default');
  assert.equal(config.server.address, '127.0.0.1:50051');
});
