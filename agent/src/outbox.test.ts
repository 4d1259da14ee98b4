import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { BatchSchema, encodePeerField, encodeSourceField, Format } from '@picket/shared';
import { Outbox, type OutboxOptions } from './outbox.ts';
import { openStateDb, type StateDb } from './state-db.ts';

const options: OutboxOptions = { flushIntervalMs: 5, maxPendingBytes: 1 << 20, sync: false };
const source = encodeSourceField('syslog');
const peer = encodePeerField('127.0.0.1:1');

async function withDb(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'picket-outbox-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function appendLines(outbox: Outbox, from: number, to: number) {
  for (let i = from; i <= to; i++) {
    const line = Buffer.from(`line ${i}`);
    outbox.appendRaw(source, Format.SYSLOG, line, 0, line.length, peer, false);
  }
}

async function readAll(outbox: Outbox): Promise<string[]> {
  const chunks = await outbox.readChunks(undefined, Infinity);
  const batch = fromBinary(BatchSchema, Buffer.concat(chunks.map((c) => c.bytes)));
  return batch.records.map((r) => `${r.seq}:${r.body.case === 'raw' ? Buffer.from(r.body.value.data).toString() : r.body.case}`);
}

async function open(dir: string, flushIntervalMs = options.flushIntervalMs): Promise<[StateDb, Outbox]> {
  const db = await openStateDb(dir);
  return [db, await Outbox.open(db, { ...options, flushIntervalMs })];
}

test('records get increasing seqs and come back in order, chunked', async () => {
  await withDb(async (dir) => {
    const [db, outbox] = await open(dir);
    appendLines(outbox, 1, 500);
    await outbox.flush();
    appendLines(outbox, 501, 1000);
    await outbox.flush();
    const chunks = await outbox.readChunks(undefined, Infinity);
    assert.equal(chunks.length, 2);
    assert.deepEqual(chunks.map((c) => [c.firstSeq, c.lastSeq]), [[1, 500], [501, 1000]]);
    const records = await readAll(outbox);
    assert.equal(records.length, 1000);
    assert.equal(records[0], '1:line 1');
    assert.equal(records[999], '1000:line 1000');
    assert.deepEqual(await outbox.backlog().then((b) => b.records), 1000);
    await db.close();
  });
});

test('acknowledged chunks are deleted, a partly acknowledged one is kept', async () => {
  await withDb(async (dir) => {
    const [db, outbox] = await open(dir);
    for (let i = 0; i < 4; i++) {
      appendLines(outbox, i * 10 + 1, i * 10 + 10);
      await outbox.flush();
    }
    await outbox.acknowledge(25);
    const chunks = await outbox.readChunks(undefined, Infinity);
    assert.deepEqual(chunks.map((c) => c.firstSeq), [21, 31]);
    assert.equal((await outbox.backlog()).records, 15);
    await db.close();
  });
});

test('reopening mid-dispatch keeps seqs, unacknowledged records and the watermark', async () => {
  await withDb(async (dir) => {
    let [db, outbox] = await open(dir, 60_000);
    appendLines(outbox, 1, 100);
    await outbox.flush();
    const inFlight = await outbox.readChunks(undefined, 1); // the shipper has sent this much
    assert.equal(inFlight.length, 1);
    await outbox.acknowledge(60);
    appendLines(outbox, 101, 150); // appended but never flushed: lost with the process
    await db.close();

    [db, outbox] = await open(dir);
    assert.equal(outbox.ackedSeq, 60);
    assert.equal(outbox.nextSeq, 101, 'seqs that never reached disk are assigned again');
    const records = await readAll(outbox);
    assert.equal(records.length, 100, 'the partly acknowledged chunk is still whole');
    appendLines(outbox, 101, 110);
    await outbox.flush();
    const after = await readAll(outbox);
    assert.equal(after.at(-1), '110:line 110');
    await db.close();
  });
});

test('commit writes records and other state in one batch', async () => {
  await withDb(async (dir) => {
    const [db, outbox] = await open(dir);
    appendLines(outbox, 1, 3);
    await outbox.commit(
      [{ case: 'status', value: { $typeName: 'picket.v1.AgentStatus', version: 'x', hostname: 'h', backlogRecords: 0n, backlogBytes: 0n, problems: [] } }],
      [{ type: 'put', key: 's!test', value: Buffer.from('snapshot') }],
    );
    assert.equal((await db.get('s!test'))?.toString(), 'snapshot');
    const records = await readAll(outbox);
    assert.deepEqual(records, ['1:line 1', '2:line 2', '3:line 3', '4:status']);
    await db.close();
  });
});

test('group commit: records appended during a write land in the next chunk', async () => {
  await withDb(async (dir) => {
    const [db, outbox] = await open(dir);
    appendLines(outbox, 1, 10);
    const first = outbox.flush();
    appendLines(outbox, 11, 20);
    const second = outbox.flush();
    await Promise.all([first, second]);
    const chunks = await outbox.readChunks(undefined, Infinity);
    assert.deepEqual(chunks.map((c) => [c.firstSeq, c.lastSeq]), [[1, 10], [11, 20]]);
    await db.close();
  });
});
