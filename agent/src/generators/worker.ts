/**
 * A generator worker thread (see worker-pool.ts). For each job the pool
 * sends, it finds the generator from the job's config, runs it and answers
 * with the result (the new snapshot's bytes are transferred, not copied) or
 * with an error message. An abort message aborts the job's signal; a job
 * that ignores it is the pool's to end, by terminating this thread.
 */
import { parentPort } from 'node:worker_threads';
import { describeError } from '@picket/shared';
import { collectSnapshot, type SnapshotJob, type SnapshotResult } from './collect-snapshot.ts';
import { generatorFor } from './definitions.ts';

export type ToWorker = { type: 'run'; id: number; job: SnapshotJob } | { type: 'abort'; id: number };
export type FromWorker = { type: 'ready' } | { type: 'done'; id: number; result: SnapshotResult } | { type: 'failed'; id: number; error: string };

if (!parentPort) throw new Error('worker.ts is the entry of a generator worker thread, not a program');
const port = parentPort;
const running = new Map<number, AbortController>();

port.on('message', (message: ToWorker) => {
  if (message.type === 'abort') running.get(message.id)?.abort(new Error('aborted'));
  else void run(message.id, message.job);
});
port.postMessage({ type: 'ready' } satisfies FromWorker); // imports done: timeouts start from here

async function run(id: number, job: SnapshotJob): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  let answer: FromWorker;
  try {
    const generator = await generatorFor(job.config);
    answer = { type: 'done', id, result: await collectSnapshot(generator, job, controller.signal) };
  } catch (err) {
    answer = { type: 'failed', id, error: describeError(err) };
  } finally {
    running.delete(id);
  }
  const bytes = answer.type === 'done' ? answer.result.snapshot : undefined;
  port.postMessage(answer, bytes ? [bytes.buffer as ArrayBuffer] : []);
}
