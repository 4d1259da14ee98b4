import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary } from '@bufbuild/protobuf';
import { BatchSchema, createLogger, type Delta } from '@picket/shared';
import { Outbox } from '../outbox.ts';
import { openStateDb, type StateDb } from '../state-db.ts';
import type { GeneratorConfig, GeneratorSchedule } from './define-generator.ts';
import { moduleSchema } from './module.ts';
import { GeneratorRunner, snapshotKey } from './runner.ts';
import { WorkerPool } from './worker-pool.ts';

const logger = createLogger('test', 'silent');

/**
 * Runs happen on worker threads, where a generator cannot share the test's
 * variables. So the fake generator is a module generator (testdata/module/scripted.ts)
 * and the test sets its items, or its failure, as options before each run.
 */
const scripted = fileURLToPath(new URL('testdata/module/scripted.ts', import.meta.url));

interface ScriptedState {
  items: { name: string; uid: number; pid?: number }[];
  fail?: Error | undefined;
  hang?: boolean;
}

async function setup(t: { after(fn: () => Promise<void>): void }, overrides: Partial<GeneratorSchedule> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'picket-runner-'));
  let db: StateDb = await openStateDb(dir);
  let outbox = await Outbox.open(db, { flushIntervalMs: 0, maxPendingBytes: 1 << 20, sync: false });
  const problems: string[] = [];
  const state: ScriptedState = { items: [] };
  const pool = new WorkerPool({ size: 1 });
  const config = { ...(moduleSchema.parse({ type: 'module', path: scripted, name: 'test.users' }) as GeneratorConfig), ...overrides };
  const runner = () => {
    const options = { items: state.items, fail: state.fail?.message, hang: state.hang };
    return new GeneratorRunner({ name: 'test.users', config: { ...config, ...options } }, { db, outbox, logger, pool, reportProblem: (_c, code, message) => problems.push(`${code}: ${message}`) });
  };
  const deltas = async (): Promise<Delta[]> => {
    const chunks = await outbox.readChunks(undefined, Infinity);
    return fromBinary(BatchSchema, Buffer.concat(chunks.map((c) => c.bytes))).records.flatMap((r) => (r.body.case === 'delta' ? [r.body.value] : []));
  };
  const reopen = async () => {
    await db.close();
    db = await openStateDb(dir);
    outbox = await Outbox.open(db, { flushIntervalMs: 0, maxPendingBytes: 1 << 20, sync: false });
  };
  t.after(async () => {
    await pool.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { state, runner, deltas, problems, reopen, db: () => db };
}

test('a baseline, then nothing while unchanged, then exactly the change', async (t) => {
  const { state, runner, deltas } = await setup(t);
  state.items = [{ name: 'root', uid: 0 }, { name: 'alice', uid: 1000 }];
  assert.equal((await runner().runOnce()).status, 'baseline');
  assert.equal((await runner().runOnce()).status, 'unchanged');
  state.items[1]!.uid = 1001;
  state.items.push({ name: 'toor', uid: 0 });
  assert.equal((await runner().runOnce()).status, 'changed');
  const [baseline, change, ...rest] = await deltas();
  assert.equal(rest.length, 0);
  assert.equal(baseline!.baseline, true);
  assert.equal(baseline!.added.length, 2);
  assert.equal(change!.baseline, false);
  assert.deepEqual(change!.added.map((i) => i.key), ['toor']);
  assert.deepEqual(change!.modified.map((m) => [m.key, m.changedPaths]), [['alice', ['uid']]]);
  assert.ok(change!.modified[0]!.hash && change!.added[0]!.hash, 'item hashes travel with the delta');
  assert.equal(change!.itemCount, 3);
});

test('a volatile field alone is no change', async (t) => {
  const { state, runner, deltas } = await setup(t);
  state.items = [{ name: 'root', uid: 0, pid: 1 }];
  await runner().runOnce();
  state.items[0]!.pid = 2;
  assert.equal((await runner().runOnce()).status, 'unchanged');
  assert.equal((await deltas()).length, 1);
});

test('a failure or a timeout reports a problem and keeps the last snapshot: no phantom removals', async (t) => {
  const { state, runner, deltas, problems, db } = await setup(t, { timeout: 100 });
  state.items = [{ name: 'root', uid: 0 }];
  await runner().runOnce();
  const snapshot = await db().get(snapshotKey('test.users'));
  state.fail = new Error('etc/passwd: permission denied');
  assert.equal((await runner().runOnce()).status, 'failed');
  state.fail = undefined;
  state.hang = true;
  assert.equal((await runner().runOnce()).status, 'failed');
  assert.deepEqual(problems.map((p) => p.split(':')[0]), ['GENERATOR_FAILED', 'GENERATOR_FAILED']);
  assert.match(problems[0]!, /permission denied/);
  assert.deepEqual(await db().get(snapshotKey('test.users')), snapshot);
  state.hang = false;
  assert.equal((await runner().runOnce()).status, 'unchanged', 'the next good run compares with the kept snapshot');
  assert.equal((await deltas()).length, 1);
});

test('a snapshot over its limits fails instead of shipping part of the state', async (t) => {
  const { state, runner, deltas, problems } = await setup(t, { max_items: 2 });
  state.items = [{ name: 'a', uid: 1 }, { name: 'b', uid: 2 }, { name: 'c', uid: 3 }];
  assert.equal((await runner().runOnce()).status, 'failed');
  assert.match(problems[0]!, /3 items, more than max_items \(2\)/);
  assert.equal((await deltas()).length, 0);
});

test('a crash before the commit repeats the delta once; a crash after it never repeats it', async (t) => {
  const ctx = await setup(t);
  ctx.state.items = [{ name: 'root', uid: 0 }];
  await ctx.runner().runOnce();
  ctx.state.items.push({ name: 'toor', uid: 0 });
  // Crash before the commit: the database goes away under the run.
  const doomed = ctx.runner();
  await ctx.db().close();
  await assert.rejects(doomed.runOnce());
  await ctx.reopen();
  assert.equal((await ctx.runner().runOnce()).status, 'changed', 'the change is found again after the restart');
  // Crash after the commit, before shipping: the delta waits in the outbox and is not made again.
  await ctx.reopen();
  assert.equal((await ctx.runner().runOnce()).status, 'unchanged');
  const deltas = await ctx.deltas();
  assert.deepEqual(deltas.map((d) => d.added.map((i) => i.key)), [['root'], ['toor']]);
});
