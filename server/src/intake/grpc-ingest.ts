/**
 * gRPC intake: the `Ingest.Ship` stream. On open, the server tells the agent
 * the highest seq it already holds; then it journals each batch (dropping
 * records at or below the agent's watermark) and acknowledges only once the
 * journal write is durable. Batches of one stream are handled in order.
 */
import { Server, ServerCredentials, status, type ServerDuplexStream } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { AckSchema, describeError, grpcServiceDefinition, Ingest, listenFailed, PicketError, type Ack, type Logger } from '@picket/shared';
import type { ServerMetrics } from '../metrics.ts';
import type { IntakeJournal } from '../store/store.ts';
import { scanBatch } from './batch-scan.ts';

export interface GrpcIntakeOptions {
  address: string;
  journal: IntakeJournal;
  /** Generators of the agent whose inventory needs a resync: sent with every acknowledgement until it arrives. */
  pendingResyncs(agentId: string): Promise<string[]>;
  metrics: ServerMetrics;
  logger: Logger;
  /** Called after each durable append, to wake processing. */
  onAppended(): void;
  maxMessageBytes: number;
}

export interface RunningIntake {
  /** The bound address, e.g. "127.0.0.1:50051". */
  address: string;
  /** Sends the agent's open streams an Ack now, carrying its pending resync requests. */
  nudge(agentId: string): void;
  stop(): Promise<void>;
}

type ShipCall = ServerDuplexStream<Buffer, Ack>;

export async function startGrpcIntake(options: GrpcIntakeOptions): Promise<RunningIntake> {
  const { journal, metrics, logger } = options;
  const definition = grpcServiceDefinition(Ingest);
  // Intake scans batches itself and journals their bytes as received, so it
  // takes the request undecoded.
  const ship = { ...definition.ship!, requestDeserialize: (bytes: Buffer) => bytes };
  const server = new Server({ 'grpc.max_receive_message_length': options.maxMessageBytes });
  const calls = new Map<ShipCall, { agentId: string; acknowledge(): Promise<void> }>();

  server.addService({ ship }, {
    ship: (call: ShipCall) => {
      const agentId = String(call.metadata.get('picket-agent-id')[0] ?? '');
      if (!/^[\w.-]{1,128}$/.test(agentId)) {
        call.emit('error', { code: status.INVALID_ARGUMENT, details: new PicketError('AGENT_ID_MISSING').message });
        return;
      }
      metrics.intakeStreams.inc();
      const log = logger.child({ agentId, peer: call.getPeer() });
      const acknowledge = async (seq: number) => {
        call.write(ack(seq, await options.pendingResyncs(agentId)));
      };
      let queue: Promise<unknown> = journal.watermark(agentId).then(acknowledge);
      // A nudge goes through the same queue, so acknowledgements keep their order.
      calls.set(call, { agentId, acknowledge: () => (queue = queue.then(async () => acknowledge(await journal.watermark(agentId)))) as Promise<void> });
      call.on('data', (bytes: Buffer) => {
        queue = queue.then(async () => {
          if (call.destroyed) return;
          let scanned;
          try {
            scanned = scanBatch(bytes);
          } catch (err) {
            metrics.intakeBatches.inc({ result: 'invalid' });
            log.warn({ code: 'BATCH_DECODE_FAILED', detail: describeError(err), bytes: bytes.length }, 'rejected a malformed batch');
            call.emit('error', { code: status.INVALID_ARGUMENT, details: new PicketError('BATCH_DECODE_FAILED', { detail: describeError(err) }).message });
            return;
          }
          if (scanned.agentId !== agentId) {
            metrics.intakeBatches.inc({ result: 'invalid' });
            call.emit('error', { code: status.PERMISSION_DENIED, details: new PicketError('AGENT_ID_MISMATCH', { got: scanned.agentId, expected: agentId }).message });
            return;
          }
          const result = await journal.append(agentId, bytes, scanned.records);
          metrics.intakeBatches.inc({ result: 'accepted' });
          metrics.intakeRecords.inc({ result: 'accepted' }, result.accepted);
          if (result.duplicates > 0) metrics.intakeRecords.inc({ result: 'duplicate' }, result.duplicates);
          if (result.accepted > 0) options.onAppended();
          await acknowledge(result.watermark);
        }).catch((err) => {
          log.error({ err, code: 'STORE_FAILED' }, 'could not journal a batch');
          call.emit('error', { code: status.UNAVAILABLE, details: `server could not store the batch: ${describeError(err)}` });
        });
      });
      call.on('end', () => void queue.finally(() => call.end()));
      call.on('close', () => {
        calls.delete(call);
        metrics.intakeStreams.dec();
      });
      call.on('error', () => {}); // the client went away; its records stay in its outbox
    },
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(options.address, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(listenFailed(options.address, err)) : resolve(bound))),
  );
  const host = options.address.slice(0, options.address.lastIndexOf(':'));
  return {
    address: `${host}:${port}`,
    nudge(agentId) {
      for (const stream of calls.values()) {
        if (stream.agentId === agentId) void stream.acknowledge().catch((err) => logger.warn({ err, agentId }, 'could not send a resync request'));
      }
    },
    async stop() {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 3000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
        for (const call of calls.keys()) call.end();
      });
    },
  };
}

function ack(seq: number, resync: string[]): Ack {
  return create(AckSchema, { seq: BigInt(seq), resync });
}
