import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from '@picket/shared';
import type { Alert } from '../store/store.ts';
import { emitters } from './index.ts';
import { EmitterRouter } from './router.ts';

const alert: Alert = {
  id: 7, ruleId: 'syslog.sshd.brute-force', dedupKey: 'web1/203.0.113.7', dataset: 'syslog', severity: 'high', title: 'T',
  status: 'open', count: 5, firstSeen: 1, lastSeen: 2, createdAt: 3, sample: '{"message":"m"}',
};
const logger = createLogger('test', 'silent');

for (const definition of emitters) {
  test(`emitter ${definition.type}: created from defaults, emits, stops twice`, async () => {
    const stdout = new PassThrough();
    const emitter = definition.create(definition.schema.parse({ type: definition.type }) as never, { logger, stdout });
    await emitter.emit(alert);
    await emitter.stop();
    await emitter.stop();
  });
}

test('stdout writes one JSON line per alert', async () => {
  const stdout = new PassThrough();
  const stdoutEmitter = emitters.find((e) => e.type === 'stdout')!;
  await stdoutEmitter.create(stdoutEmitter.schema.parse({ type: 'stdout' }), { logger, stdout }).emit(alert);
  const line = JSON.parse(String(stdout.read()));
  assert.equal(line.type, 'alert');
  assert.equal(line.ruleId, 'syslog.sshd.brute-force');
  assert.deepEqual(line.sample, { message: 'm' });
});

test('routing by dataset pattern and minimum severity; a failing emitter does not stop the others', async () => {
  const received: string[] = [];
  const failures: string[] = [];
  const recorder = (name: string) => ({ emit: async () => void received.push(name), stop: async () => {} });
  const router = new EmitterRouter([
    { name: 'aws', routing: { datasets: ['aws.**'], min_severity: 'info' }, emitter: recorder('aws') },
    { name: 'critical', routing: { datasets: ['**'], min_severity: 'critical' }, emitter: recorder('critical') },
    { name: 'broken', routing: { datasets: ['**'], min_severity: 'info' }, emitter: { emit: async () => { throw new Error('down'); }, stop: async () => {} } },
    { name: 'all', routing: { datasets: ['**'], min_severity: 'info' }, emitter: recorder('all') },
  ], logger, (name) => failures.push(name));
  await router.emit(alert);
  assert.deepEqual(received, ['all']);
  assert.deepEqual(failures, ['broken']);
});
