/**
 * The executable's way of starting a generator worker thread, bundled in
 * place of agent/src/generators/worker-script.ts (see build.ts).
 *
 * `new Worker(file)` needs the worker's script on disk, and the executable
 * has none. So the worker (agent/src/generators/worker.ts) is bundled on
 * its own, like the agent, carried as an asset, and started with
 * `eval: true`. Such a worker runs its code as a CommonJS script: require()
 * of built-ins works, which is all the bundle uses, and import() of users'
 * module generators works as in the main thread.
 */
import { getAsset } from 'node:sea';
import { Worker } from 'node:worker_threads';

export const GENERATOR_WORKER_ASSET = 'generator-worker.cjs';

let source: string | undefined;

export function startGeneratorWorker(): Worker {
  source ??= getAsset(GENERATOR_WORKER_ASSET, 'utf8');
  return new Worker(source, { eval: true, name: 'generator' });
}
