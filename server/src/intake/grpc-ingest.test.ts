import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { credentials, Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { BatchSchema, createLogger, grpcClientConstructor, Ingest, RecordSchema, type Ack } from '@picket/shared';
import { ServerMetrics } from '../metrics.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { startGrpcIntake } from './grpc-ingest.ts';

const IngestClient = grpcClientConstructor(Ingest);

function batch(agentId: string, seqs: number[]): Uint8Array {
  return toBinary(BatchSchema, create(BatchSchema, {
    agentId,
    records: seqs.map((seq) => create(RecordSchema, { seq: BigInt(seq), body: { case: 'status', value: { version: 'x' } } })),
  }));
}

/** Opens a Ship stream and collects acknowledgements and the final status. */
function open(address: string, agentId: string | undefined) {
  const client = new IngestClient(address, credentials.createInsecure());
  const metadata = new Metadata();
  if (agentId !== undefined) metadata.set('picket-agent-id', agentId);
  const stream = (client as unknown as { ship(m: Metadata): ClientDuplexStream<Uint8Array, Ack> }).ship(metadata);
  const acks: number[] = [];
  stream.on('data', (ack: Ack) => acks.push(Number(ack.seq)));
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    stream.on('error', (err: ServiceError) => resolve(err));
    stream.on('end', () => resolve(undefined));
  });
  const waitForAcks = async (count: number) => {
    for (let i = 0; i < 500 && acks.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return acks;
  };
  return { stream, acks, ended, waitForAcks, close: () => client.close() };
}

test('Ship: watermark on open, durable acknowledgements, harmless retransmission, clear rejections', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'picket-intake-'));
  const store = new SqliteStore(join(dir, 'picket.db'));
  const intake = await startGrpcIntake({
    address: '127.0.0.1:0', journal: store, pendingResyncs: async () => [], metrics: new ServerMetrics(), logger: createLogger('test', 'silent'), onAppended: () => {}, maxMessageBytes: 1 << 20,
  });
  t.after(async () => {
    await intake.stop();
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  await t.test('batches are acknowledged; a resent batch changes nothing', async () => {
    const s = open(intake.address, 'agent-1');
    s.stream.write(batch('agent-1', [1, 2, 3]));
    s.stream.write(batch('agent-1', [1, 2, 3]));
    s.stream.write(batch('agent-1', [3, 4]));
    assert.deepEqual(await s.waitForAcks(4), [0, 3, 3, 4]);
    s.stream.end();
    assert.equal(await s.ended, undefined);
    s.close();
    const entries = await store.read(0, 10);
    assert.deepEqual(entries.map((e) => [e.firstSeq, e.lastSeq]), [[1, 3], [4, 4]]);
  });

  await t.test('a reconnecting agent learns its watermark first', async () => {
    const s = open(intake.address, 'agent-1');
    assert.deepEqual(await s.waitForAcks(1), [4]);
    s.stream.cancel();
    s.close();
  });

  const rejections: [string, string | undefined, Uint8Array | undefined, number, RegExp][] = [
    ['no agent id', undefined, undefined, status.INVALID_ARGUMENT, /picket-agent-id/],
    ['a batch for another agent', 'agent-2', batch('agent-1', [1]), status.PERMISSION_DENIED, /agent agent-1 on a stream opened for agent agent-2/],
    ['garbage bytes', 'agent-3', Buffer.from('this is not protobuf \xff\xff\xff'), status.INVALID_ARGUMENT, /could not be decoded/],
    ['seqs that go backwards', 'agent-4', batch('agent-4', [5, 4]), status.INVALID_ARGUMENT, /seq 4 follows seq 5/],
  ];
  for (const [name, agentId, bytes, code, message] of rejections) {
    await t.test(`rejected: ${name}`, async () => {
      const s = open(intake.address, agentId);
      if (bytes) s.stream.write(bytes);
      const err = await s.ended;
      assert.equal(err?.code, code);
      assert.match(err!.details, message);
      s.close();
    });
  }

  await t.test('the server keeps serving after every rejection', async () => {
    const s = open(intake.address, 'agent-5');
    s.stream.write(batch('agent-5', [1]));
    assert.deepEqual(await s.waitForAcks(2), [0, 1]);
    s.stream.end();
    s.close();
  });
});
