import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { snapshotChecksum } from '@picket/shared';
import { buildSnapshot, canonicalJson, changedPaths, decodeSnapshot, diffSnapshots, encodeSnapshot, type Diff, type Snapshot } from './differ.ts';

const byName = (item: { name: string }) => item.name;
const values = (snapshot: Snapshot) => Object.fromEntries(snapshot.items.map((item) => [item.key, JSON.parse(item.json)]));
const find = (snapshot: Snapshot, key: string) => snapshot.items.find((item) => item.key === key)!;

test('canonical JSON sorts keys at every level', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
});

test('added, removed and modified with old, new and changed paths', () => {
  const before = buildSnapshot([{ name: 'alice', uid: 1000, shell: '/bin/bash' }, { name: 'bob', uid: 1001, shell: '/bin/sh' }], byName);
  const after = buildSnapshot([{ shell: '/bin/zsh', uid: 1000, name: 'alice' }, { name: 'carol', uid: 0, shell: '/bin/sh' }], byName);
  const diff = diffSnapshots(before, after);
  assert.deepEqual(diff.added.map((c) => c.key), ['carol']);
  assert.deepEqual(diff.removed.map((c) => [c.key, JSON.parse(c.item.json).uid]), [['bob', 1001]]);
  assert.equal(diff.modified.length, 1);
  assert.deepEqual(diff.modified[0]!.changedPaths, ['shell']);
  assert.equal(JSON.parse(diff.modified[0]!.old.json).shell, '/bin/bash');
  assert.equal(JSON.parse(diff.modified[0]!.new.json).shell, '/bin/zsh');
  assert.equal(diff.modified[0]!.new.hash, find(after, 'alice').hash);
});

test('key order and item order are not changes; the checksum is stable', () => {
  const a = buildSnapshot([{ name: 'x', uid: 1 }, { name: 'y', uid: 2 }], byName);
  const b = buildSnapshot([{ uid: 2, name: 'y' }, { uid: 1, name: 'x' }], byName);
  assert.equal(a.checksum, b.checksum);
  assert.deepEqual(diffSnapshots(a, b), { added: [], removed: [], modified: [] });
  assert.notEqual(a.checksum, buildSnapshot([{ name: 'x', uid: 1 }], byName).checksum);
});

test('ignored fields never show up as changes, but travel with the item', () => {
  const ignored = ['process.pid'];
  const before = buildSnapshot([{ name: 'sshd', port: 22, process: { name: 'sshd', pid: 811 } }], byName, ignored);
  const restarted = buildSnapshot([{ name: 'sshd', port: 22, process: { name: 'sshd', pid: 9120 } }], byName, ignored, before);
  assert.equal(restarted.checksum, before.checksum);
  assert.deepEqual(diffSnapshots(before, restarted, ignored).modified, []);
  assert.equal(JSON.parse(find(restarted, 'sshd').json).process.pid, 9120);
  const moved = buildSnapshot([{ name: 'sshd', port: 2222, process: { name: 'sshd', pid: 9121 } }], byName, ignored, before);
  assert.deepEqual(diffSnapshots(before, moved, ignored).modified[0]!.changedPaths, ['port']);
});

test('duplicate keys are kept apart by a suffix', () => {
  const snapshot = buildSnapshot([{ name: 'root', uid: 0 }, { name: 'root', uid: 1000 }], byName);
  assert.deepEqual(snapshot.items.map((item) => item.key), ['root', 'root#2']);
});

test('changed paths reach into arrays and nested objects', () => {
  assert.deepEqual(changedPaths({ groups: ['a', 'b'], x: { y: 1 } }, { groups: ['a', 'c', 'd'], x: { y: 1 } }), ['groups.1', 'groups.2']);
  assert.deepEqual(changedPaths({ a: 1 }, { a: { b: 1 } }), ['a']);
});

test('snapshots survive encoding; an unreadable one reads as none', () => {
  const snapshot = buildSnapshot([{ name: 'x', uid: 1 }], byName);
  assert.deepEqual(decodeSnapshot(encodeSnapshot(snapshot)), snapshot);
  assert.equal(decodeSnapshot(Buffer.from('{"checksum":"x","items":[["x","{}"]]}')), undefined);
  assert.equal(decodeSnapshot(Buffer.from('not json')), undefined);
});

// Properties over arbitrary snapshots: items keyed by a small name space so
// that runs overlap, with arbitrary JSON values.
const itemsArb = fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), value: fc.jsonValue({ maxDepth: 3 }) }), { maxLength: 12 });

function apply(old: Record<string, unknown>, diff: Diff): Record<string, unknown> {
  const result = { ...old };
  for (const c of diff.removed) delete result[c.key];
  for (const c of diff.added) result[c.key] = JSON.parse(c.item.json);
  for (const m of diff.modified) result[m.key] = JSON.parse(m.new.json);
  return result;
}

test('property: applying the diff to the old snapshot yields the new one', () => {
  fc.assert(fc.property(itemsArb, itemsArb, (oldItems, newItems) => {
    const before = buildSnapshot(oldItems, byName);
    const after = buildSnapshot(newItems, byName, [], before);
    assert.deepEqual(apply(values(before), diffSnapshots(before, after)), values(after));
  }), { numRuns: 500 });
});

test('property: an unchanged snapshot yields an empty diff and the same checksum', () => {
  fc.assert(fc.property(itemsArb, (items) => {
    const before = buildSnapshot(items, byName);
    const again = buildSnapshot(structuredClone(items).reverse().reverse(), byName, [], before);
    assert.equal(again.checksum, before.checksum);
    assert.deepEqual(diffSnapshots(before, again), { added: [], removed: [], modified: [] });
  }), { numRuns: 300 });
});

test('property: the checksum is the one recomputed from keys and hashes alone', () => {
  fc.assert(fc.property(itemsArb, (items) => {
    const snapshot = buildSnapshot(items, byName);
    assert.equal(snapshotChecksum(snapshot.items.map(({ key, hash }) => ({ key, hash }))), snapshot.checksum);
    assert.deepEqual(snapshot.items.map((item) => item.key), snapshot.items.map((item) => item.key).sort(), 'sorted by key');
  }), { numRuns: 200 });
});
