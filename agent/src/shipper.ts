/**
 * The shipper: streams outbox chunks to the server over `Ingest.Ship` and
 * deletes them only once the server acknowledged a seq at or above them.
 *
 * Several batches may be in flight; acknowledgements come back in order on
 * the stream. After any disconnection it starts over from the oldest
 * unacknowledged chunk: the server drops records it already holds, so
 * retransmission is harmless. Reconnection waits with exponential backoff and
 * full jitter.
 */
import { credentials, Metadata, status as grpcStatus, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { Ingest, encodeAgentIdField, grpcClientConstructor, type Ack, type Logger } from '@picket/shared';
import type { Outbox } from './outbox.ts';
import type { Lifecycle } from './units.ts';

export interface ShipperOptions {
  address: string;
  agentId: string;
  /** The server asks for full snapshots of these generators (its copy did not verify). */
  onResync?(generators: string[]): void;
  maxBatchBytes: number;
  maxInFlight: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

type ShipStream = ClientDuplexStream<Uint8Array, Ack>;

const IngestClient = grpcClientConstructor(Ingest);
// The server repeats a resync request in every Ack until the snapshot reaches it; pass it on once a minute at most.
const RESYNC_REPEAT_MS = 60_000;
const PERMANENT = new Set([grpcStatus.INVALID_ARGUMENT, grpcStatus.PERMISSION_DENIED, grpcStatus.UNAUTHENTICATED, grpcStatus.UNIMPLEMENTED]);

export class Shipper implements Lifecycle {
  readonly #outbox: Outbox;
  readonly #options: ShipperOptions;
  readonly #logger: Logger;
  readonly #agentIdField: Buffer;
  #client: Client | undefined;
  #stream: ShipStream | undefined;
  /** Key of the last chunk sent on the current stream. */
  #cursor: string | undefined;
  /** Last seq of each batch in flight, oldest first. */
  #inFlight: number[] = [];
  #pumping = false;
  #pumpAgain = false;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #acking: Promise<void> = Promise.resolve();
  #connected = false;
  /** When each generator's resync was last passed on: every Ack repeats the request until the snapshot arrives. */
  #resyncPassedOn = new Map<string, number>();
  #onFlushed = () => this.#pump();

  constructor(outbox: Outbox, options: ShipperOptions, logger: Logger) {
    this.#outbox = outbox;
    this.#options = options;
    this.#logger = logger;
    this.#agentIdField = encodeAgentIdField(options.agentId);
  }

  /** True while a stream is open and the server has answered on it. */
  get connected(): boolean {
    return this.#connected;
  }

  async start(): Promise<void> {
    this.#client = new IngestClient(this.#options.address, credentials.createInsecure(), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    });
    this.#outbox.on('flushed', this.#onFlushed);
    this.#connect();
  }

  /**
   * Sends what the outbox holds and waits up to `graceMs` for it to be
   * acknowledged, then closes. What is not acknowledged by then stays in the
   * outbox for the next start.
   */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    this.#outbox.off('flushed', this.#onFlushed);
    this.#pump();
    const deadline = Date.now() + graceMs;
    while (this.#stream && (this.#pumping || this.#inFlight.length > 0) && Date.now() < deadline) await sleep(20);
    await this.#acking;
    this.#stream?.cancel();
    this.#stream = undefined;
    this.#client?.close();
  }

  #connect(): void {
    if (this.#stopped || !this.#client) return;
    const metadata = new Metadata();
    metadata.set('picket-agent-id', this.#options.agentId);
    const stream = (this.#client as unknown as { ship(metadata: Metadata): ShipStream }).ship(metadata);
    this.#stream = stream;
    this.#cursor = undefined;
    this.#inFlight = [];
    stream.on('data', (ack: Ack) => {
      this.#acknowledge(stream, Number(ack.seq));
      if (ack.resync.length > 0) this.#requestResync(ack.resync);
    });
    stream.on('error', (err: ServiceError) => this.#disconnected(stream, err));
    stream.on('end', () => this.#disconnected(stream, undefined));
  }

  #acknowledge(stream: ShipStream, seq: number): void {
    if (stream !== this.#stream) return;
    if (!this.#connected) {
      this.#connected = true;
      if (this.#attempt > 0) this.#logger.info({ server: this.#options.address }, 'connected to server');
      this.#attempt = 0;
    }
    while (this.#inFlight.length > 0 && this.#inFlight[0]! <= seq) this.#inFlight.shift();
    this.#acking = this.#acking
      .then(() => this.#outbox.acknowledge(seq))
      .catch((err) => this.#logger.error({ err, code: 'STORE_FAILED' }, 'could not delete acknowledged records'));
    this.#pump();
  }

  #requestResync(generators: string[]): void {
    const now = Date.now();
    const due = generators.filter((g) => now - (this.#resyncPassedOn.get(g) ?? 0) > RESYNC_REPEAT_MS);
    for (const g of due) this.#resyncPassedOn.set(g, now);
    if (due.length > 0) this.#options.onResync?.(due);
  }

  #disconnected(stream: ShipStream, err: ServiceError | undefined): void {
    if (stream !== this.#stream) return;
    this.#stream = undefined;
    const wasConnected = this.#connected;
    this.#connected = false;
    if (this.#stopped) return;
    const permanent = err !== undefined && PERMANENT.has(err.code);
    const delay = Math.round(Math.random() * Math.min(this.#options.backoffMaxMs, this.#options.backoffMinMs * 2 ** this.#attempt));
    if (wasConnected || this.#attempt === 0 || permanent) {
      const fields = { server: this.#options.address, code: permanent ? 'SERVER_REJECTED' : 'SERVER_UNAVAILABLE', detail: err?.details ?? 'stream ended', retryInMs: delay };
      if (permanent) this.#logger.error(fields, 'server rejected the stream; retrying');
      else this.#logger.warn(fields, 'server unavailable; buffering and retrying');
    }
    this.#attempt++;
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    void this.#fill()
      .catch((err) => this.#logger.error({ err, code: 'STORE_FAILED' }, 'could not read the outbox'))
      .finally(() => {
        this.#pumping = false;
        if (this.#pumpAgain) {
          this.#pumpAgain = false;
          this.#pump();
        }
      });
  }

  /** Sends batches until the window is full or the outbox has nothing more. */
  async #fill(): Promise<void> {
    // Start sending only once the server answered the stream with its watermark.
    while (this.#stream && this.#connected && this.#inFlight.length < this.#options.maxInFlight) {
      const stream = this.#stream;
      const chunks = await this.#outbox.readChunks(this.#cursor, this.#options.maxBatchBytes);
      if (chunks.length === 0 || stream !== this.#stream) return;
      const last = chunks[chunks.length - 1]!;
      const batch = Buffer.concat([...chunks.map((c) => c.bytes), this.#agentIdField]);
      this.#cursor = last.key;
      this.#inFlight.push(last.lastSeq);
      if (!stream.write(batch)) await new Promise((resolve) => stream.once('drain', resolve));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
