import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSnapshot, canonicalJson, changedPaths, decodeSnapshot, diffSnapshots, encodeSnapshot } from './differ.ts';

const byName = (item: { name: string }) => item.name;

test('canonical JSON sorts keys at every level', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
});

test('added, removed and modified with old, new and changed paths', () => {
  const before = buildSnapshot([{ name: 'alice', uid: 1000, shell: '/bin/bash' }, { name: 'bob', uid: 1001, shell: '/bin/sh' }], byName);
  const after = buildSnapshot([{ shell: '/bin/zsh', uid: 1000, name: 'alice' }, { name: 'carol', uid: 0, shell: '/bin/sh' }], byName);
  const diff = diffSnapshots(before, after);
  assert.deepEqual(diff.added.map((c) => c.key), ['carol']);
  assert.deepEqual(diff.removed.map((c) => [c.key, JSON.parse(c.value).uid]), [['bob', 1001]]);
  assert.equal(diff.modified.length, 1);
  assert.deepEqual(diff.modified[0]!.changedPaths, ['shell']);
  assert.equal(JSON.parse(diff.modified[0]!.old).shell, '/bin/bash');
  assert.equal(JSON.parse(diff.modified[0]!.new).shell, '/bin/zsh');
});

test('key order and item order are not changes; the checksum is stable', () => {
  const a = buildSnapshot([{ name: 'x', uid: 1 }, { name: 'y', uid: 2 }], byName);
  const b = buildSnapshot([{ uid: 2, name: 'y' }, { uid: 1, name: 'x' }], byName);
  assert.equal(a.checksum, b.checksum);
  assert.deepEqual(diffSnapshots(a, b), { added: [], removed: [], modified: [] });
  assert.notEqual(a.checksum, buildSnapshot([{ name: 'x', uid: 1 }], byName).checksum);
});

test('duplicate keys are kept apart by a suffix', () => {
  const snapshot = buildSnapshot([{ name: 'root', uid: 0 }, { name: 'root', uid: 1000 }], byName);
  assert.deepEqual([...snapshot.items.keys()], ['root', 'root#2']);
});

test('changed paths reach into arrays and nested objects', () => {
  assert.deepEqual(changedPaths({ groups: ['a', 'b'], x: { y: 1 } }, { groups: ['a', 'c', 'd'], x: { y: 1 } }), ['groups.1', 'groups.2']);
  assert.deepEqual(changedPaths({ a: 1 }, { a: { b: 1 } }), ['a']);
});

test('snapshots survive encoding', () => {
  const snapshot = buildSnapshot([{ name: 'x', uid: 1 }], byName);
  assert.deepEqual(decodeSnapshot(encodeSnapshot(snapshot)), snapshot);
});
