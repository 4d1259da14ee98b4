/**
 * Runs one configured generator on its schedule: a worker thread collects,
 * builds the snapshot and diffs it against the stored one (worker-pool.ts);
 * this thread makes the delta record and commits it together with the new
 * snapshot in one LevelDB batch, so a crash never loses or repeats a delta.
 * A failed or timed-out run reports a problem and keeps the previous
 * snapshot: a failure never produces a diff.
 */
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { DeltaSchema, describeError, type Logger } from '@picket/shared';
import type { Diff } from '../differ.ts';
import type { Outbox } from '../outbox.ts';
import type { StateDb } from '../state-db.ts';
import type { Lifecycle } from '../units.ts';
import { bufferOf, type SnapshotResult } from './collect-snapshot.ts';
import type { ConfiguredGenerator } from './definitions.ts';
import type { WorkerPool } from './worker-pool.ts';

export interface RunnerContext {
  db: StateDb;
  outbox: Outbox;
  logger: Logger;
  /** Where runs happen; shared by the agent's runners. */
  pool: WorkerPool;
  reportProblem(component: string, code: 'GENERATOR_FAILED', message: string): void;
}

export type RunOutcome = { status: 'baseline' | 'changed'; diff: Diff } | { status: 'unchanged' } | { status: 'failed'; error: string };

export const snapshotKey = (name: string) => `s!${name}`;

export class GeneratorRunner implements Lifecycle {
  readonly #generator: ConfiguredGenerator;
  readonly #ctx: RunnerContext;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RunOutcome> | undefined;
  #resyncRequested = false;
  #stopping = new AbortController();

  constructor(generator: ConfiguredGenerator, ctx: RunnerContext) {
    this.#generator = generator;
    this.#ctx = ctx;
  }

  get name(): string {
    return this.#generator.name;
  }

  async start(): Promise<void> {
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopping.abort();
    await this.#running;
  }

  /**
   * The server's copy of this state did not verify: the next run (now, if
   * none is running) sends the whole snapshot, marked resync. Runs stay one
   * at a time, so a resync never interleaves with a scheduled delta.
   */
  requestResync(): void {
    this.#resyncRequested = true;
    if (!this.#running && this.#timer && !this.#stopping.signal.aborted) {
      clearTimeout(this.#timer);
      this.#schedule(0);
    }
  }

  /** One collection; resolves when its result is durable. With `resync`, ships the whole snapshot. */
  async runOnce(options: { resync?: boolean } = {}): Promise<RunOutcome> {
    const { db, outbox, logger, pool } = this.#ctx;
    const { name, config } = this.#generator;
    // Without a previous snapshot the diff holds every item.
    const previous = options.resync ? undefined : await db.get(snapshotKey(name));
    let result: SnapshotResult;
    try {
      result = await pool.run({ config, previous }, this.#stopping.signal);
    } catch (err) {
      const error = describeError(err);
      if (this.#stopping.signal.aborted) return { status: 'failed', error }; // stopped, not a problem
      logger.warn({ code: 'GENERATOR_FAILED', generator: name, error }, 'generator failed; keeping its last snapshot');
      this.#ctx.reportProblem(name, 'GENERATOR_FAILED', error);
      return { status: 'failed', error };
    }
    if (result.status === 'unchanged') return { status: 'unchanged' };
    if (result.unreadablePrevious) logger.warn({ generator: name }, 'stored snapshot unreadable (older format?): the next delta is a new baseline');

    const { diff } = result;
    const utf8 = (text: string) => Buffer.from(text, 'utf8');
    const delta = create(DeltaSchema, {
      generator: name,
      runId: randomUUID(),
      baseline: result.status === 'baseline' && !options.resync,
      resync: options.resync === true,
      added: diff.added.map((c) => ({ key: c.key, value: utf8(c.item.json), hash: c.item.hash })),
      removed: diff.removed.map((c) => ({ key: c.key, value: utf8(c.item.json), hash: c.item.hash })),
      modified: diff.modified.map((m) => ({ key: m.key, old: utf8(m.old.json), new: utf8(m.new.json), changedPaths: m.changedPaths, hash: m.new.hash })),
      checksum: result.checksum,
      itemCount: result.itemCount,
    });
    await outbox.commit([{ case: 'delta', value: delta }], [{ type: 'put', key: snapshotKey(name), value: bufferOf(result.snapshot) }]);
    logger.debug({ generator: name, added: diff.added.length, removed: diff.removed.length, modified: diff.modified.length }, 'generator delta');
    return { status: result.status, diff };
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      const resync = this.#resyncRequested;
      this.#resyncRequested = false;
      // A storage failure must not crash the agent: report it, and try again next time.
      this.#running = this.runOnce({ resync }).catch((err: unknown): RunOutcome => {
        const error = describeError(err);
        this.#ctx.logger.error({ code: 'STORE_FAILED', generator: this.#generator.name, error }, 'could not store a generator run; will try again');
        return { status: 'failed', error };
      });
      void this.#running.finally(() => {
        this.#running = undefined;
        if (!this.#stopping.signal.aborted) this.#schedule(jittered(this.#generator.config.interval));
      });
    }, delayMs);
  }
}

/** The interval ±10%, so a fleet of agents does not collect in step. */
function jittered(intervalMs: number): number {
  return Math.round(intervalMs * (0.9 + Math.random() * 0.2));
}
