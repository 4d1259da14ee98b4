/**
 * The worker pool: generators run off the agent's event loop, a generator
 * that ignores its abort signal is killed at its timeout without wedging
 * the pool, and stopping fails what waits at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { collectSnapshot, type SnapshotJob } from './collect-snapshot.ts';
import type { GeneratorConfig } from './define-generator.ts';
import { generatorFor } from './definitions.ts';
import { moduleSchema } from './module.ts';
import { WorkerPool } from './worker-pool.ts';

const scripted = fileURLToPath(new URL('testdata/module/scripted.ts', import.meta.url));

/** A job for testdata/module/scripted.ts with these options (and schedule fields). */
function job(options: Record<string, unknown> = {}): SnapshotJob {
  const { timeout, ...own } = options;
  const config = moduleSchema.parse({ type: 'module', path: scripted, ...(timeout === undefined ? {} : { timeout }) }) as GeneratorConfig;
  return { config: { ...config, ...own } };
}

const items = [{ name: 'root', uid: 0 }];

/** The longest gap between ticks of a 10 ms interval on this thread while `work` runs. */
async function longestStall(work: () => Promise<unknown>): Promise<{ stallMs: number; ticks: number }> {
  let last = performance.now();
  let stallMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
    ticks++;
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { stallMs: Math.max(stallMs, performance.now() - last), ticks };
}

test('a generator busy for 500 ms on its worker leaves this event loop ticking at its pace', { timeout: 30_000 }, async (t) => {
  const pool = new WorkerPool({ size: 1 });
  t.after(() => pool.close());
  await pool.run(job()); // the worker is started and ready

  let result;
  const inWorker = await longestStall(async () => (result = await pool.run(job({ busy_ms: 500, items }))));
  assert.equal(result!.status, 'baseline');
  assert.equal(result!.itemCount, 1);
  t.diagnostic(`worker: longest stall ${inWorker.stallMs.toFixed(0)} ms, ${inWorker.ticks} ticks of 10 ms`);
  assert.ok(inWorker.stallMs < 200, `the event loop stalled for ${inWorker.stallMs.toFixed(0)} ms`);
  assert.ok(inWorker.ticks >= 25, `only ${inWorker.ticks} ticks in 500 ms`);

  // The control: the same run on this thread stalls it for the whole time.
  const busy = job({ busy_ms: 500, items });
  const onThisThread = await longestStall(async () => collectSnapshot(await generatorFor(busy.config), busy, AbortSignal.timeout(60_000)));
  t.diagnostic(`this thread: longest stall ${onThisThread.stallMs.toFixed(0)} ms`);
  assert.ok(onThisThread.stallMs >= 490, `the control did not stall: ${onThisThread.stallMs.toFixed(0)} ms`);
});

test('a generator deaf to its abort signal is killed at its timeout, and the next run works', { timeout: 30_000 }, async (t) => {
  const pool = new WorkerPool({ size: 1, graceMs: 200 });
  t.after(() => pool.close());
  await pool.run(job());

  const started = performance.now();
  await assert.rejects(pool.run(job({ busy_ms: 60_000, timeout: '300ms' })), /timed out after 300 ms/);
  const failedAfter = performance.now() - started;
  assert.ok(failedAfter >= 290 && failedAfter < 1000, `failed after ${failedAfter.toFixed(0)} ms`);

  // One worker, spinning for a minute unless it was killed.
  const result = await pool.run(job({ items }));
  assert.equal(result.status, 'baseline');
  t.diagnostic(`timed out after ${failedAfter.toFixed(0)} ms; the next run finished ${(performance.now() - started).toFixed(0)} ms after the first began`);
});

test('a generator that honours its signal fails at its timeout and keeps its worker', { timeout: 10_000 }, async (t) => {
  const pool = new WorkerPool({ size: 1, graceMs: 60_000 }); // were the worker replaced, the next run would wait a minute
  t.after(() => pool.close());
  await assert.rejects(pool.run(job({ hang: true, timeout: '200ms' })), /timed out after 200 ms/);
  assert.equal((await pool.run(job({ items }))).status, 'baseline');
});

test('a worker that dies fails only its own job', async (t) => {
  const pool = new WorkerPool({ size: 1 });
  t.after(() => pool.close());
  await assert.rejects(pool.run(job({ exit: 7 })), /generator worker exited with code 7/);
  await assert.rejects(pool.run(job({ fail: 'etc/passwd: permission denied' })), /^Error: etc\/passwd: permission denied$/);
  assert.equal((await pool.run(job({ items }))).status, 'baseline');
});

test('jobs beyond the pool size wait for a worker; stopping fails running and queued jobs at once', { timeout: 30_000 }, async (t) => {
  const pool = new WorkerPool({ size: 2, graceMs: 100 });
  t.after(() => pool.close());
  const results = await Promise.all([1, 2, 3].map((uid) => pool.run(job({ busy_ms: 100, items: [{ name: 'root', uid }] }))));
  assert.deepEqual(results.map((r) => r.status), ['baseline', 'baseline', 'baseline']);

  const stop = new AbortController();
  const runs = [1, 2, 3].map(() => pool.run(job({ busy_ms: 10_000 }), stop.signal));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const stopped = performance.now();
  stop.abort();
  for (const run of runs) await assert.rejects(run, /stopped/);
  assert.ok(performance.now() - stopped < 100, 'stopping waits for no generator');
  assert.equal((await pool.run(job({ items }))).status, 'baseline', 'the pool recovers');
});
