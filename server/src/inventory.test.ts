import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { DeltaSchema, snapshotChecksum, type Delta } from '@picket/shared';
import { InventoryBook } from './inventory.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import type { ProcessedEntry } from './store/store.ts';

const hashOf = (value: string) => `h(${value})`;
const item = (key: string, value: string) => ({ key, value: Buffer.from(value), hash: hashOf(value) });

/** A delta as the agent would send it, with the checksum of the state it leads to. */
function delta(state: Record<string, string>, init: MessageInitShape<typeof DeltaSchema>): Delta {
  const sorted = Object.keys(state).sort().map((key) => ({ key, hash: hashOf(state[key]!) }));
  return create(DeltaSchema, { generator: 'host.users', checksum: snapshotChecksum(sorted), itemCount: sorted.length, ...init });
}

async function withStore(fn: (store: SqliteStore) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'picket-inventory-'));
  const store = new SqliteStore(join(dir, 'picket.db'));
  try {
    await fn(store);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

let journalId = 0;
async function commit(store: SqliteStore, book: InventoryBook) {
  const entry: ProcessedEntry = { journalId: ++journalId, events: [], quarantined: [], openedAlerts: [], updatedAlerts: [], ruleWindows: [], agentReports: [], inventory: book.changes() };
  await store.commitProcessed(entry);
}

test('deltas keep the inventory, and the checksum proves it', async () => {
  await withStore(async (store) => {
    let book = new InventoryBook(store);
    const baseline = await book.apply('a1', delta({ root: '{"uid":0}', alice: '{"uid":1000}' }, { baseline: true, added: [item('root', '{"uid":0}'), item('alice', '{"uid":1000}')] }));
    assert.equal(baseline.verified, true);
    await commit(store, book);

    book = new InventoryBook(store);
    const change = await book.apply('a1', delta({ root: '{"uid":0}', bob: '{"uid":1001}' }, { removed: [item('alice', '{"uid":1000}')], added: [item('bob', '{"uid":1001}')] }));
    assert.equal(change.verified, true);
    assert.deepEqual([...change.previous.keys()].sort(), ['alice', 'root']);
    assert.deepEqual([...change.current.keys()].sort(), ['bob', 'root']);
    await commit(store, book);

    assert.deepEqual((await store.inventoryItems('a1', 'host.users')).map((i) => [i.key, i.value]), [['bob', '{"uid":1001}'], ['root', '{"uid":0}']]);
    const [state] = await store.inventoryStates('a1');
    assert.deepEqual([state!.itemCount, state!.verified, state!.resyncRequested], [2, true, false]);
  });
});

test('a missed delta is detected, a resync is requested, and the resync repairs the copy', async () => {
  await withStore(async (store) => {
    let book = new InventoryBook(store);
    await book.apply('a1', delta({ root: '{"uid":0}' }, { baseline: true, added: [item('root', '{"uid":0}')] }));
    await commit(store, book);
    // The delta that added alice never arrived; the next one adds bob.
    book = new InventoryBook(store);
    const drifted = await book.apply('a1', delta({ root: '{"uid":0}', alice: '{"uid":1000}', bob: '{"uid":1001}' }, { added: [item('bob', '{"uid":1001}')] }));
    assert.equal(drifted.verified, false);
    await commit(store, book);
    assert.deepEqual(await store.pendingResyncs('a1'), ['host.users']);

    book = new InventoryBook(store);
    const repaired = await book.apply('a1', delta({ root: '{"uid":0}', alice: '{"uid":1000}', bob: '{"uid":1001}' }, {
      resync: true, added: [item('root', '{"uid":0}'), item('alice', '{"uid":1000}'), item('bob', '{"uid":1001}')],
    }));
    assert.equal(repaired.verified, true);
    await commit(store, book);
    assert.deepEqual(await store.pendingResyncs('a1'), []);
    assert.equal((await store.inventoryItems('a1', 'host.users')).length, 3);
  });
});
