/**
 * Starts a generator worker thread from worker.ts. The single executable
 * has no worker.ts on disk and swaps this module for
 * packaging/sea/worker-script.ts, which starts the same code from one of its
 * assets.
 */
import { Worker } from 'node:worker_threads';

export function startGeneratorWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { name: 'generator' });
}
