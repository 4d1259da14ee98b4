/**
 * The outbox: every record the agent accepts, durable in LevelDB until the
 * server acknowledges it.
 *
 * Key layout (in the shared state database):
 *
 *   c!<first seq>!<last seq>  ->  chunk: consecutive records in `Batch.records`
 *                                 wire form; seqs as 16 hex digits, so keys sort
 *                                 in seq order
 *   m!next-seq                ->  the next seq to assign (decimal text)
 *   m!acked-seq               ->  highest seq the server acknowledged
 *
 *   sources ──append──> RecordWriter (memory, pending)
 *                          │ group commit: one write in flight; whatever
 *                          v arrives meanwhile becomes the next chunk
 *                 batch { put c!first!last, put m!next-seq, ...caller's ops }
 *                          │
 *   shipper <──readChunks──┘      ack(seq) ──> delete chunks with last ≤ seq
 *
 * Many records per key, because one key per record tops out below 200,000
 * records/s on the project's machine even in batches of 10,000. A seq is
 * assigned in memory; after a crash, seqs of records that never reached disk
 * are assigned again, which is harmless because nobody ever saw them.
 */
import { EventEmitter, once } from 'node:events';
import { create, toBinary } from '@bufbuild/protobuf';
import { RecordSchema, RecordWriter, type Record as WireRecord } from '@picket/shared';
import { nowMicros } from '@picket/shared';
import type { StateDb, StateOp } from './state-db.ts';

const CHUNK_PREFIX = 'c!';
const CHUNK_END = 'c"'; // the first key after every chunk key
const NEXT_SEQ_KEY = 'm!next-seq';
const ACKED_SEQ_KEY = 'm!acked-seq';

export interface OutboxOptions {
  /** Wait this long for more records before writing a chunk (0: write at once). */
  flushIntervalMs: number;
  /** Pending bytes in memory above which `full` is true and sources should pause. */
  maxPendingBytes: number;
  /** fsync every chunk: survives power loss, not only a process crash. */
  sync: boolean;
}

export interface Chunk {
  key: string;
  firstSeq: number;
  lastSeq: number;
  bytes: Buffer;
}

export type RecordBody = WireRecord['body'];

export class Outbox extends EventEmitter<{ flushed: []; drain: []; error: [Error] }> {
  readonly #db: StateDb;
  readonly #options: OutboxOptions;
  #pending = new RecordWriter();
  #pendingOps: StateOp[] = [];
  #pendingFirstSeq: number;
  #nextSeq: number;
  #ackedSeq: number;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  private constructor(db: StateDb, options: OutboxOptions, nextSeq: number, ackedSeq: number) {
    super();
    this.setMaxListeners(0); // every paused socket waits for 'drain'
    this.#db = db;
    this.#options = options;
    this.#nextSeq = nextSeq;
    this.#pendingFirstSeq = nextSeq;
    this.#ackedSeq = ackedSeq;
  }

  static async open(db: StateDb, options: OutboxOptions): Promise<Outbox> {
    const next = await db.get(NEXT_SEQ_KEY);
    const acked = await db.get(ACKED_SEQ_KEY);
    return new Outbox(db, options, next ? Number(next.toString()) : 1, acked ? Number(acked.toString()) : 0);
  }

  /** The seq the next record gets. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  get ackedSeq(): number {
    return this.#ackedSeq;
  }

  /** True while pending records exceed the memory bound: sources should pause until 'drain'. */
  get full(): boolean {
    return this.#pending.length >= this.#options.maxPendingBytes;
  }

  /**
   * Appends a raw event from a source (the hot path: no allocation per
   * record). Durable after the next flush.
   */
  appendRaw(sourceField: Buffer, format: number, data: Buffer, start: number, end: number, peerField: Buffer, truncated: boolean): void {
    this.#pending.appendRaw(this.#nextSeq++, nowMicros(), sourceField, format, data, start, end, peerField, truncated);
    this.#scheduleFlush();
  }

  /** Appends one record of any kind. Durable after the next flush. */
  append(body: RecordBody): void {
    const seq = this.#nextSeq++;
    this.#pending.appendEncoded(toBinary(RecordSchema, create(RecordSchema, { seq: BigInt(seq), observedAtMicros: BigInt(nowMicros()), body })));
    this.#scheduleFlush();
  }

  /**
   * Appends records and writes them at once, in the same LevelDB batch as
   * `ops`: resolves when both are durable, so a crash keeps both or neither.
   */
  async commit(bodies: readonly RecordBody[], ops: readonly StateOp[]): Promise<void> {
    for (const body of bodies) this.append(body);
    this.#pendingOps.push(...ops);
    await this.flush();
  }

  /** Writes everything appended so far; resolves when it is durable. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (!this.#writing) this.#writing = this.#writeLoop();
    return done;
  }

  /** Chunks after `afterKey` (from the first when undefined), up to about `maxBytes`. */
  async readChunks(afterKey: string | undefined, maxBytes: number): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    let bytes = 0;
    for await (const [key, value] of this.#db.iterator({ gt: afterKey ?? CHUNK_PREFIX, lt: CHUNK_END })) {
      const [firstSeq, lastSeq] = parseChunkKey(key);
      chunks.push({ key, firstSeq, lastSeq, bytes: value });
      bytes += value.length;
      if (bytes >= maxBytes) break;
    }
    return chunks;
  }

  /** The server holds every record up to `seq`: delete the chunks it covers. */
  async acknowledge(seq: number): Promise<void> {
    if (seq <= this.#ackedSeq) return;
    this.#ackedSeq = seq;
    const ops: StateOp[] = [{ type: 'put', key: ACKED_SEQ_KEY, value: Buffer.from(String(seq)) }];
    for await (const key of this.#db.keys({ gt: CHUNK_PREFIX, lt: CHUNK_END })) {
      if (parseChunkKey(key)[1] > seq) break;
      ops.push({ type: 'del', key });
    }
    await this.#db.batch(ops);
  }

  /** Records and bytes held on disk that the server has not acknowledged. */
  async backlog(): Promise<{ records: number; bytes: number }> {
    let records = 0;
    let first: string | undefined;
    let last: string | undefined;
    for await (const key of this.#db.keys({ gt: CHUNK_PREFIX, lt: CHUNK_END })) {
      const [firstSeq, lastSeq] = parseChunkKey(key);
      records += lastSeq - Math.max(firstSeq, this.#ackedSeq + 1) + 1;
      first ??= key;
      last = key;
    }
    const bytes = first && last ? await this.#db.approximateSize(first, `${last}\xff`) : 0;
    return { records, bytes };
  }

  /** Writes what is pending and stops the timer; the database stays open. */
  async close(): Promise<void> {
    await this.flush();
  }

  #scheduleFlush(): void {
    if (this.#writing || this.#timer) return;
    if (this.#options.flushIntervalMs === 0) {
      void this.flush().catch(() => {}); // errors reach the 'error' event
    } else {
      this.#timer = setTimeout(() => void this.flush().catch(() => {}), this.#options.flushIntervalMs).unref();
    }
  }

  async #writeLoop(): Promise<void> {
    try {
      while (this.#waiters.length > 0 || this.#pending.count > 0) {
        const waiters = this.#waiters;
        this.#waiters = [];
        const wasFull = this.full;
        try {
          await this.#writePending();
          for (const waiter of waiters) waiter.resolve();
        } catch (err) {
          for (const waiter of waiters) waiter.reject(err as Error);
          this.emit('error', err as Error);
        }
        if (wasFull && !this.full) this.emit('drain');
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #writePending(): Promise<void> {
    const count = this.#pending.count;
    const ops = this.#pendingOps;
    if (count === 0 && ops.length === 0) return;
    this.#pendingOps = [];
    const batch: StateOp[] = [];
    if (count > 0) {
      const firstSeq = this.#pendingFirstSeq;
      const lastSeq = firstSeq + count - 1;
      batch.push(
        { type: 'put', key: chunkKey(firstSeq, lastSeq), value: this.#pending.take() },
        { type: 'put', key: NEXT_SEQ_KEY, value: Buffer.from(String(lastSeq + 1)) },
      );
      this.#pendingFirstSeq = lastSeq + 1;
    }
    batch.push(...ops);
    await this.#db.batch(batch, { sync: this.#options.sync });
    if (count > 0) this.emit('flushed');
  }
}

export function chunkKey(firstSeq: number, lastSeq: number): string {
  return `${CHUNK_PREFIX}${firstSeq.toString(16).padStart(16, '0')}!${lastSeq.toString(16).padStart(16, '0')}`;
}

export function parseChunkKey(key: string): [firstSeq: number, lastSeq: number] {
  return [parseInt(key.slice(2, 18), 16), parseInt(key.slice(19, 35), 16)];
}

/** Resolves on the next 'drain' (for sources that paused because the outbox was full). */
export function whenDrained(outbox: Outbox): Promise<unknown> {
  return once(outbox, 'drain');
}
