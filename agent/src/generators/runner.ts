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
    const stored = await db.get(snapshotKey(name));
    const previous = stored ? decodeSnapshot(stored) : undefined;
    if (stored && !previous) logger.warn({ generator: name }, 'stored snapshot unreadable (older format?): the next delta is a new baseline');
    let result: Collected;
    try {
      result = await collectSnapshot(this.#definition, this.#config, previous, this.#stopping.signal);
    } catch (err) {
      const error = describeError(err);
      logger.warn({ code: 'GENERATOR_FAILED', generator: name, error }, 'generator failed; keeping its last snapshot');
      this.#ctx.reportProblem(name, 'GENERATOR_FAILED', error);
      return { status: 'failed', error };
    }
    if (result.status === 'unchanged') return result;

    const { snapshot, diff } = result;
    const utf8 = (text: string) => Buffer.from(text, 'utf8');
    const delta = create(DeltaSchema, {
      generator: name,
      runId: randomUUID(),
      baseline: result.status === 'baseline',
      added: diff.added.map((c) => ({ key: c.key, value: utf8(c.item.json), hash: c.item.hash })),
      removed: diff.removed.map((c) => ({ key: c.key, value: utf8(c.item.json), hash: c.item.hash })),
      modified: diff.modified.map((m) => ({ key: m.key, old: utf8(m.old.json), new: utf8(m.new.json), changedPaths: m.changedPaths, hash: m.new.hash })),
      checksum: snapshot.checksum,
      itemCount: snapshot.items.length,
    });
    await outbox.commit([{ case: 'delta', value: delta }], [{ type: 'put', key: snapshotKey(name), value: encodeSnapshot(snapshot) }]);
    logger.debug({ generator: name, added: diff.added.length, removed: diff.removed.length, modified: diff.modified.length }, 'generator delta');
    return { status: result.status, diff };
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

export type Collected =
  | { status: 'baseline' | 'changed'; snapshot: Snapshot; diff: Diff }
  | { status: 'unchanged'; snapshot: Snapshot };

/**
 * Collects, checks the limits, and diffs against `previous` (none: a
 * baseline). Writes nothing. Throws when collection fails, times out or the
 * snapshot is over its limits.
 */
export async function collectSnapshot(definition: GeneratorDefinition, config: GeneratorSchedule, previous: Snapshot | undefined, stop: AbortSignal): Promise<Collected> {
  const signal = AbortSignal.any([AbortSignal.timeout(config.timeout), stop]);
  const items = await abortable(definition.collect(config, { signal }), signal);
  const ignored = [...(definition.ignoredFields ?? []), ...config.ignore_fields];
  const snapshot = buildSnapshot(items, definition.key, ignored, previous);
  const limitError = checkLimits(snapshot, config);
  if (limitError) throw new Error(`snapshot over its limit: ${limitError}`);
  if (previous && previous.checksum === snapshot.checksum) return { status: 'unchanged', snapshot };
  const diff = diffSnapshots(previous ?? EMPTY_SNAPSHOT, snapshot, ignored);
  if (previous && isEmptyDiff(diff)) return { status: 'unchanged', snapshot };
  return { status: previous ? 'changed' : 'baseline', snapshot, diff };
}

/** Why a snapshot is over the generator's limits, or undefined. */
function checkLimits(snapshot: Snapshot, config: GeneratorSchedule): string | undefined {
  if (snapshot.items.length > config.max_items) return `${snapshot.items.length} items, more than max_items (${config.max_items})`;
  let bytes = 0;
  for (const item of snapshot.items) bytes += item.json.length;
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
