/**
 * Runs one configured generator on its schedule: collect, snapshot, diff
 * against the stored snapshot, and commit the new snapshot together with the
 * delta record in one LevelDB batch, so a crash never loses or repeats a
 * delta. A failed or timed-out run reports a problem and keeps the previous
 * snapshot: a failure never produces a diff.
 */
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { DeltaSchema, describeError, type Logger } from '@picket/shared';
import { buildSnapshot, decodeSnapshot, diffSnapshots, EMPTY_SNAPSHOT, encodeSnapshot, isEmptyDiff, type Diff, type Snapshot } from '../differ.ts';
import type { Outbox } from '../outbox.ts';
import type { StateDb } from '../state-db.ts';
import type { Lifecycle } from '../units.ts';
import type { GeneratorDefinition, GeneratorSchedule } from './define-generator.ts';

export interface RunnerContext {
  db: StateDb;
  outbox: Outbox;
  logger: Logger;
  reportProblem(component: string, code: 'GENERATOR_FAILED', message: string): void;
}

export type RunOutcome = { status: 'baseline' | 'changed'; diff: Diff } | { status: 'unchanged' } | { status: 'failed'; error: string };

export const snapshotKey = (name: string) => `s!${name}`;

export class GeneratorRunner implements Lifecycle {
  readonly #definition: GeneratorDefinition;
  readonly #config: GeneratorSchedule;
  readonly #ctx: RunnerContext;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RunOutcome> | undefined;
  #stopping = new AbortController();

  constructor(definition: GeneratorDefinition, config: GeneratorSchedule, ctx: RunnerContext) {
    this.#definition = definition;
    this.#config = config;
    this.#ctx = ctx;
  }

  get name(): string {
    return this.#definition.name;
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

  /** One collection; resolves when its result is durable. */
  async runOnce(): Promise<RunOutcome> {
    const { db, outbox, logger } = this.#ctx;
    const name = this.#definition.name;
    let items: unknown[];
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(this.#config.timeout), this.#stopping.signal]);
      items = await abortable(this.#definition.collect(this.#config, { signal }), signal);
    } catch (err) {
      const error = describeError(err);
      logger.warn({ code: 'GENERATOR_FAILED', generator: name, error }, 'generator failed; keeping its last snapshot');
      this.#ctx.reportProblem(name, 'GENERATOR_FAILED', error);
      return { status: 'failed', error };
    }

    const ignored = [...(this.#definition.ignoredFields ?? []), ...this.#config.ignore_fields];
    const stored = await db.get(snapshotKey(name));
    const previous = stored ? decodeSnapshot(stored) : undefined;
    const next = buildSnapshot(items, this.#definition.key, ignored, previous);
    const limitError = checkLimits(next, this.#config);
    if (limitError) {
      logger.warn({ code: 'GENERATOR_FAILED', generator: name, error: limitError }, 'snapshot over its limit; keeping the last one');
      this.#ctx.reportProblem(name, 'GENERATOR_FAILED', limitError);
      return { status: 'failed', error: limitError };
    }
    if (previous && previous.checksum === next.checksum) return { status: 'unchanged' };

    const diff = diffSnapshots(previous ?? EMPTY_SNAPSHOT, next, ignored);
    if (previous && isEmptyDiff(diff)) return { status: 'unchanged' };
    const utf8 = (text: string) => Buffer.from(text, 'utf8');
    const delta = create(DeltaSchema, {
      generator: name,
      runId: randomUUID(),
      baseline: previous === undefined,
      added: diff.added.map((c) => ({ key: c.key, value: utf8(c.item.json), hash: c.item.hash })),
      removed: diff.removed.map((c) => ({ key: c.key, value: utf8(c.item.json), hash: c.item.hash })),
      modified: diff.modified.map((m) => ({ key: m.key, old: utf8(m.old.json), new: utf8(m.new.json), changedPaths: m.changedPaths, hash: m.new.hash })),
      checksum: next.checksum,
      itemCount: next.items.size,
    });
    await outbox.commit([{ case: 'delta', value: delta }], [{ type: 'put', key: snapshotKey(name), value: encodeSnapshot(next) }]);
    logger.debug({ generator: name, added: diff.added.length, removed: diff.removed.length, modified: diff.modified.length }, 'generator delta');
    return { status: previous ? 'changed' : 'baseline', diff };
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce();
      void this.#running.finally(() => {
        this.#running = undefined;
        if (!this.#stopping.signal.aborted) this.#schedule(jittered(this.#config.interval));
      });
    }, delayMs);
  }
}

/** Why a snapshot is over the generator's limits, or undefined. */
function checkLimits(snapshot: Snapshot, config: GeneratorSchedule): string | undefined {
  if (snapshot.items.size > config.max_items) return `${snapshot.items.size} items, more than max_items (${config.max_items})`;
  let bytes = 0;
  for (const item of snapshot.items.values()) bytes += item.json.length;
  if (bytes > config.max_bytes) return `${bytes} bytes, more than max_bytes (${config.max_bytes})`;
  return undefined;
}

/** The interval ±10%, so a fleet of agents does not collect in step. */
function jittered(intervalMs: number): number {
  return Math.round(intervalMs * (0.9 + Math.random() * 0.2));
}

/** Rejects when the signal aborts, even if the work ignores it. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
