import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { BatchSchema, RecordSchema } from '@picket/shared';
import { scanBatch } from '../intake/batch-scan.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { ProcessedEntry } from './store.ts';

function batch(agentId: string, seqs: number[]): Uint8Array {
  return toBinary(BatchSchema, create(BatchSchema, {
    agentId,
    records: seqs.map((seq) => create(RecordSchema, { seq: BigInt(seq), body: { case: 'status', value: { version: String(seq) } } })),
  }));
}

async function withStore(fn: (file: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'picket-store-'));
  try {
    await fn(join(dir, 'picket.db'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const empty = (journalId: number): ProcessedEntry => ({ journalId, events: [], quarantined: [], openedAlerts: [], updatedAlerts: [], ruleWindows: [], agentReports: [], inventory: [] });

test('append is idempotent by (agent, seq) and survives a reopen', async () => {
  await withStore(async (file) => {
    let store = new SqliteStore(file);
    const first = batch('a1', [1, 2, 3]);
    assert.deepEqual(await store.append('a1', first, scanBatch(first).records), { watermark: 3, accepted: 3, duplicates: 0 });
    assert.deepEqual(await store.append('a1', first, scanBatch(first).records), { watermark: 3, accepted: 0, duplicates: 3 });
    const overlapping = batch('a1', [2, 3, 4, 5]);
    assert.deepEqual(await store.append('a1', overlapping, scanBatch(overlapping).records), { watermark: 5, accepted: 2, duplicates: 2 });
    const other = batch('a2', [1]);
    assert.equal((await store.append('a2', other, scanBatch(other).records)).watermark, 1);
    store.close();

    store = new SqliteStore(file);
    assert.equal(await store.watermark('a1'), 5);
    const entries = await store.read(0, 10);
    assert.deepEqual(entries.map((e) => [e.agentId, e.firstSeq, e.lastSeq]), [['a1', 1, 3], ['a1', 4, 5], ['a2', 1, 1]]);
    // The overlapping batch was journaled without its duplicates.
    assert.deepEqual(scanBatch(entries[1]!.records).records.map((r) => r.seq), [4, 5]);
    store.close();
  });
});

test('processing commits its changes and its position together, and consumes the journal', async () => {
  await withStore(async (file) => {
    const store = new SqliteStore(file);
    const bytes = batch('a1', [1]);
    await store.append('a1', bytes, scanBatch(bytes).records);
    const [entry] = await store.read(0, 1);
    const ids = await store.commitProcessed({
      ...empty(entry!.id),
      events: [{ agentId: 'a1', seq: 1, dataset: 'syslog', timestamp: 1, doc: '{"x":1}' }],
      openedAlerts: [{ ruleId: 'r', dedupKey: 'k', dataset: 'syslog', severity: 'high', title: 't', status: 'open', count: 1, firstSeen: 1, lastSeen: 1, createdAt: 1, sample: '{}' }],
    });
    assert.equal(ids.length, 1);
    assert.equal(await store.processedUpTo(), entry!.id);
    assert.equal(await store.pending(), 0);
    assert.equal((await store.listEvents({ limit: 10 })).length, 1);
    assert.equal((await store.activeAlert('r', 'k'))?.id, ids[0]);

    // A failure inside the transaction leaves nothing behind.
    await assert.rejects(store.commitProcessed({ ...empty(99), events: [{ agentId: 'a1', seq: 2, dataset: 'syslog', timestamp: 1, doc: null as unknown as string }] }));
    assert.equal(await store.processedUpTo(), entry!.id);
    assert.equal((await store.listEvents({ limit: 10 })).length, 1);
    store.close();
  });
});

test('journal ids keep increasing after processing empties the journal', async () => {
  await withStore(async (file) => {
    const store = new SqliteStore(file);
    const first = batch('a1', [1]);
    await store.append('a1', first, scanBatch(first).records);
    const [entry] = await store.read(await store.processedUpTo(), 10);
    await store.commitProcessed(empty(entry!.id));
    const second = batch('a1', [2]);
    await store.append('a1', second, scanBatch(second).records);
    const next = await store.read(await store.processedUpTo(), 10);
    assert.deepEqual(next.map((e) => e.firstSeq), [2], 'the new batch is not hidden behind the processed position');
    store.close();
  });
});
