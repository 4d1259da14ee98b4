/**
 * Worker threads that run generators (worker.ts), so that collecting and
 * building snapshots (serializing, sorting, hashing: about 0.5 s for 100,000
 * items on a small VM) never stall the agent's event loop and its syslog
 * listeners. The workers live as long as the pool; jobs queue for a free
 * one. Each worker runs one job at a time, so that killing a worker never
 * takes other jobs with it.
 *
 * A job's timeout runs from when a worker, started and ready, takes it. At
 * the timeout (or when the caller's signal aborts) the job fails at once and
 * its worker is asked to abort: a generator that honours its signal stops,
 * killing any program it started, and the worker is kept. One that does not
 * (a busy loop, a blocking call) gets `graceMs` more, then its worker is
 * terminated and a new one starts for the next job.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { SnapshotJob, SnapshotResult } from './collect-snapshot.ts';
import type { FromWorker, ToWorker } from './worker.ts';
import { startGeneratorWorker } from './worker-script.ts';

export interface WorkerPoolOptions {
  /** Threads. Default: 2 (1 on one CPU): generators mostly wait on files and programs, and one slow run should not hold up the rest. */
  size?: number;
  /** How long a worker whose job timed out or was stopped may take to answer before it is terminated. */
  graceMs?: number;
}

interface Task {
  id: number;
  job: SnapshotJob;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  resolve(result: SnapshotResult): void;
  reject(error: Error): void;
  settled: boolean;
}

interface Slot {
  worker: Worker;
  /** Its imports are done: the time a job takes is the job's own. */
  ready: boolean;
  /** The job it runs (or will once ready), or ran and abandoned (settled) and has not answered yet. */
  task: Task | undefined;
  /** The limit on starting, then the job's timeout, then the grace period. */
  timer: NodeJS.Timeout | undefined;
  /** Called once it has no job any more: it answered, died or was terminated (see close). */
  onFree: (() => void) | undefined;
}

// setTimeout fires at once for delays that do not fit in 32 bits.
const MAX_TIMER_MS = 2 ** 31 - 1;
// A worker starts in about 0.4 s; one that takes this long never will.
const START_LIMIT_MS = 30_000;

export class WorkerPool {
  readonly #size: number;
  readonly #graceMs: number;
  readonly #slots = new Set<Slot>();
  readonly #queue: Task[] = [];
  #nextId = 0;
  #closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    this.#size = options.size ?? Math.min(2, availableParallelism());
    this.#graceMs = options.graceMs ?? 1000;
  }

  /** Runs the job on a worker; rejects with the generator's error, a timeout, or "stopped" when `signal` aborts. */
  run(job: SnapshotJob, signal?: AbortSignal): Promise<SnapshotResult> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new Error('stopped: the worker pool is closed'));
      if (signal?.aborted) return reject(new Error('stopped'));
      const task: Task = { id: ++this.#nextId, job, signal, onAbort: () => this.#abort(task), resolve, reject, settled: false };
      signal?.addEventListener('abort', task.onAbort, { once: true });
      this.#queue.push(task);
      this.#dispatch();
    });
  }

  /**
   * Fails what is queued or running, then terminates the workers. Running
   * generators are asked to stop first and have the grace period to do so,
   * so that a program a command generator started is killed, not left behind.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) settle(task, new Error('stopped'));
    for (const slot of this.#slots) if (slot.task && !slot.task.settled) this.#abort(slot.task);
    await Promise.all([...this.#slots].map((slot) => (slot.task ? new Promise<void>((resolve) => (slot.onFree = resolve)) : undefined)));
    await Promise.all([...this.#slots].map((slot) => this.#discard(slot)));
  }

  #dispatch(): void {
    while (!this.#closed && this.#queue.length > 0) {
      const slot = this.#idleSlot() ?? (this.#slots.size < this.#size ? this.#spawn() : undefined);
      if (!slot) return;
      slot.task = this.#queue.shift()!;
      slot.worker.ref(); // a job keeps the process alive; an idle worker does not
      if (slot.ready) this.#start(slot);
    }
  }

  #start(slot: Slot): void {
    const task = slot.task!;
    const timeout = task.job.config.timeout;
    slot.timer = setTimeout(() => this.#abandon(slot, `timed out after ${timeout} ms`), Math.min(timeout, MAX_TIMER_MS));
    slot.worker.postMessage({ type: 'run', id: task.id, job: task.job } satisfies ToWorker);
  }

  #idleSlot(): Slot | undefined {
    for (const slot of this.#slots) if (slot.task === undefined) return slot;
    return undefined;
  }

  #spawn(): Slot {
    const slot: Slot = { worker: startGeneratorWorker(), ready: false, task: undefined, timer: undefined, onFree: undefined };
    slot.worker.on('message', (message: FromWorker) => this.#answered(slot, message));
    // Died on its own: an uncaught error in a generator, out of memory, process.exit(),
    // or it could not start (then the job waiting for it fails with the reason).
    slot.worker.on('error', (err) => this.#died(slot, `generator worker failed: ${err.message}`));
    slot.worker.on('exit', (code) => this.#died(slot, `generator worker exited with code ${code}`));
    slot.timer = setTimeout(() => {
      if (slot.task) settle(slot.task, new Error(`generator worker did not start within ${START_LIMIT_MS} ms`));
      void this.#discard(slot);
      this.#dispatch();
    }, START_LIMIT_MS);
    this.#slots.add(slot);
    return slot;
  }

  #answered(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready') {
      clearTimeout(slot.timer);
      slot.ready = true;
      if (slot.task) this.#start(slot);
      else slot.worker.unref();
      return;
    }
    const task = slot.task;
    if (!task || task.id !== message.id) return;
    clearTimeout(slot.timer);
    slot.task = undefined;
    slot.worker.unref();
    if (message.type === 'done') settle(task, undefined, message.result);
    else settle(task, new Error(message.error));
    slot.onFree?.();
    this.#dispatch();
  }

  /** The caller's signal aborted. */
  #abort(task: Task): void {
    const queued = this.#queue.indexOf(task);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      settle(task, new Error('stopped'));
      return;
    }
    for (const slot of this.#slots) {
      if (slot.task !== task || task.settled) continue;
      if (slot.ready) {
        this.#abandon(slot, 'stopped');
      } else {
        // Not sent yet: the worker, once ready, is free for the next job.
        settle(task, new Error('stopped'));
        slot.task = undefined;
        slot.onFree?.();
        this.#dispatch();
      }
    }
  }

  /** Fails the slot's job now; its worker has the grace period to answer, or is replaced. */
  #abandon(slot: Slot, reason: string): void {
    const task = slot.task!;
    settle(task, new Error(reason));
    slot.worker.postMessage({ type: 'abort', id: task.id } satisfies ToWorker);
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      void this.#discard(slot);
      this.#dispatch();
    }, this.#graceMs);
  }

  #died(slot: Slot, reason: string): void {
    if (!this.#slots.delete(slot)) return; // discarded already, or 'exit' after 'error'
    clearTimeout(slot.timer);
    if (slot.task) settle(slot.task, new Error(reason));
    slot.onFree?.();
    this.#dispatch();
  }

  async #discard(slot: Slot): Promise<void> {
    this.#slots.delete(slot);
    clearTimeout(slot.timer);
    if (slot.task) settle(slot.task, new Error('stopped'));
    slot.onFree?.();
    await slot.worker.terminate();
  }
}

function settle(task: Task, error: Error | undefined, result?: SnapshotResult): void {
  if (task.settled) return;
  task.settled = true;
  task.signal?.removeEventListener('abort', task.onAbort);
  if (error) task.reject(error);
  else task.resolve(result!);
}
