/**
 * One run of a generator as a worker thread does it: collect, build the
 * snapshot, check the limits, diff against the previous snapshot. The stored
 * snapshot comes in encoded and the new one goes out encoded, so the agent's
 * thread neither parses nor serializes snapshots (for 100,000 items that is
 * about 0.3 s); only the diff, usually small, crosses as objects.
 */
import { buildSnapshot, decodeSnapshot, diffSnapshots, EMPTY_SNAPSHOT, encodeSnapshot, isEmptyDiff, type Diff, type Snapshot } from '../differ.ts';
import type { GeneratorConfig, RunnableGenerator } from './define-generator.ts';

export interface SnapshotJob {
  /** The configured entry: enough for the worker to find the generator (see definitions.ts). */
  config: GeneratorConfig;
  /** The stored snapshot as encodeSnapshot wrote it; none for a baseline. */
  previous?: Uint8Array | undefined;
  /** Return the new snapshot even when nothing changed (`collect --print`). */
  includeUnchanged?: boolean;
}

export type SnapshotResult =
  | {
      status: 'baseline' | 'changed';
      diff: Diff;
      /** encodeSnapshot of the new snapshot, to store as it is. */
      snapshot: Uint8Array;
      checksum: string;
      itemCount: number;
      /** The stored snapshot could not be read (older format?), so this is a baseline. */
      unreadablePrevious: boolean;
    }
  | { status: 'unchanged'; snapshot: Uint8Array | undefined; checksum: string; itemCount: number };

/**
 * Throws when collection fails or is aborted, or the snapshot is over its
 * limits. A failure never produces a diff, so the caller keeps the previous
 * snapshot. The timeout is the caller's: `signal` carries it.
 */
export async function collectSnapshot(generator: RunnableGenerator, job: SnapshotJob, signal: AbortSignal): Promise<SnapshotResult> {
  const { config } = job;
  const previous = job.previous ? decodeSnapshot(bufferOf(job.previous)) : undefined;
  const items = await abortable(generator.collect(config, { signal }), signal);
  if (!Array.isArray(items)) throw new Error(`collect returned ${items === null ? 'null' : typeof items}, not a list of items`);
  const ignored = [...(generator.ignoredFields ?? []), ...config.ignore_fields];
  const snapshot = buildSnapshot(items, generator.key, ignored, previous);
  const limitError = checkLimits(snapshot, config);
  if (limitError) throw new Error(`snapshot over its limit: ${limitError}`);

  const summary = { checksum: snapshot.checksum, itemCount: snapshot.items.length };
  const unchanged = () => ({ status: 'unchanged' as const, snapshot: job.includeUnchanged ? encode(snapshot) : undefined, ...summary });
  if (previous && previous.checksum === snapshot.checksum) return unchanged();
  const diff = diffSnapshots(previous ?? EMPTY_SNAPSHOT, snapshot, ignored);
  if (previous && isEmptyDiff(diff)) return unchanged();
  return { status: previous ? 'changed' : 'baseline', diff, snapshot: encode(snapshot), ...summary, unreadablePrevious: job.previous !== undefined && !previous };
}

/** A Buffer over the same memory: what arrives from another thread is a plain Uint8Array. */
export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Encoded, in memory of its own, so it can be transferred to the agent's
 * thread instead of copied (a small Buffer lives in Node's shared pool,
 * which cannot be transferred).
 */
function encode(snapshot: Snapshot): Uint8Array {
  const bytes = encodeSnapshot(snapshot);
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/** Why a snapshot is over the generator's limits, or undefined. */
function checkLimits(snapshot: Snapshot, config: GeneratorConfig): string | undefined {
  if (snapshot.items.length > config.max_items) return `${snapshot.items.length} items, more than max_items (${config.max_items})`;
  let bytes = 0;
  for (const item of snapshot.items) bytes += item.json.length;
  if (bytes > config.max_bytes) return `${bytes} bytes, more than max_bytes (${config.max_bytes})`;
  return undefined;
}

/** Rejects when the signal aborts, even if the work ignores it (as long as the thread is not blocked). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
