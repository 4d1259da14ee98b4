/**
 * The differ: turns a generator's items into a snapshot and compares it with
 * the previous one. Pure functions; the runner stores the results.
 *
 * Each item is kept as JSON and with a hash over its comparable form: its
 * canonical JSON (object keys sorted, no whitespace) without the generator's
 * ignored (volatile) fields. Items compare by hash, so neither key order nor
 * a volatile field shows up as a change. An item whose JSON is exactly as
 * before reuses its previous hash: only new and changed items are made
 * canonical and hashed, which keeps a run with little churn cheap (the
 * canonical form costs about twice plain JSON.stringify). The checksum is
 * SHA-256 over the sorted (key, hash) pairs; deltas carry item hashes, so
 * the server can check its copy against it.
 */
import { hash } from 'node:crypto';
import { snapshotChecksum } from '@picket/shared';

export interface SnapshotItem {
  key: string;
  /** The whole item as JSON. */
  json: string;
  /** SHA-256 (base64) of the comparable form. */
  hash: string;
}

export interface Snapshot {
  /** Sorted by key; keys are unique. */
  items: readonly SnapshotItem[];
  checksum: string;
}

export interface Change {
  key: string;
  item: SnapshotItem;
}

export interface Modification {
  key: string;
  old: SnapshotItem;
  new: SnapshotItem;
  changedPaths: string[];
}

export interface Diff {
  added: Change[];
  removed: Change[];
  modified: Modification[];
}

export const EMPTY_SNAPSHOT: Snapshot = { items: [], checksum: snapshotChecksum([]) };

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Builds a snapshot. Items with the same key keep their order of appearance
 * and are told apart by a suffix ("root", "root#2"): a duplicate account
 * name is exactly what a rule may want to see.
 *
 * Both snapshots are sorted by key, so one merge walk finds each item's
 * previous version: no map is built (for 100,000 items, building and
 * probing maps cost more than serializing them).
 */
export function buildSnapshot(items: readonly unknown[], keyOf: (item: never) => string, ignoredFields: readonly string[] = [], previous: Snapshot = EMPTY_SNAPSHOT): Snapshot {
  const entries: (SnapshotItem & { value: unknown })[] = items.map((value) => ({ key: keyOf(value as never), json: JSON.stringify(value), hash: '', value }));
  entries.sort(byKey); // stable: equal keys stay in order of appearance
  if (suffixDuplicateKeys(entries)) entries.sort(byKey);

  const old = previous.items;
  let j = 0;
  for (const entry of entries) {
    while (j < old.length && old[j]!.key < entry.key) j++;
    const before = old[j];
    entry.hash = before !== undefined && before.key === entry.key && before.json === entry.json ? before.hash : itemHash(entry.value, ignoredFields);
  }
  const snapshot = entries.map(({ key, json, hash }) => ({ key, json, hash }));
  return { items: snapshot, checksum: snapshotChecksum(snapshot) };
}

/** Renames the second and later items of a key (adjacent once sorted) to "key#2", "key#3"…; true when any was renamed. */
function suffixDuplicateKeys(sorted: { key: string }[]): boolean {
  let renamed = false;
  let runKey = '';
  let count = 0;
  for (const entry of sorted) {
    if (count > 0 && entry.key === runKey) {
      entry.key = `${runKey}#${++count}`;
      renamed = true;
    } else {
      runKey = entry.key;
      count = 1;
    }
  }
  return renamed;
}

/** Walks both sorted snapshots once. */
export function diffSnapshots(previous: Snapshot, next: Snapshot, ignoredFields: readonly string[] = []): Diff {
  const diff: Diff = { added: [], removed: [], modified: [] };
  const a = previous.items;
  const b = next.items;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const old = a[i];
    const item = b[j];
    if (item === undefined || (old !== undefined && old.key < item.key)) {
      diff.removed.push({ key: old!.key, item: old! });
      i++;
    } else if (old === undefined || item.key < old.key) {
      diff.added.push({ key: item.key, item });
      j++;
    } else {
      if (old.hash !== item.hash) {
        const paths = changedPaths(JSON.parse(old.json), JSON.parse(item.json)).filter((path) => !isIgnored(path, ignoredFields));
        diff.modified.push({ key: item.key, old, new: item, changedPaths: paths });
      }
      i++;
      j++;
    }
  }
  return diff;
}

export function isEmptyDiff(diff: Diff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.modified.length === 0;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/** Hash of the item's comparable form: its canonical JSON without the ignored fields. */
function itemHash(item: unknown, ignoredFields: readonly string[]): string {
  return hash('sha256', canonicalJson(ignoredFields.length === 0 ? item : withoutPaths(item, ignoredFields)), 'base64');
}

function withoutPaths(item: unknown, paths: readonly string[]): unknown {
  const copy = structuredClone(item) as Record<string, unknown>;
  for (const path of paths) {
    const parts = path.split('.');
    let parent: unknown = copy;
    for (const part of parts.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[part] : undefined;
    if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[parts.at(-1)!];
  }
  return copy;
}

function isIgnored(path: string, ignoredFields: readonly string[]): boolean {
  return ignoredFields.some((ignored) => path === ignored || path.startsWith(`${ignored}.`));
}

/** Dotted paths of the leaves that differ ("shell", "groups.2"); "" when the roots differ in type. */
export function changedPaths(old: unknown, next: unknown, prefix = ''): string[] {
  const bothObjects = old !== null && next !== null && typeof old === 'object' && typeof next === 'object' && Array.isArray(old) === Array.isArray(next);
  if (!bothObjects) return JSON.stringify(old) === JSON.stringify(next) ? [] : [prefix];
  const paths: string[] = [];
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]);
  for (const key of [...keys].sort()) {
    const path = prefix ? `${prefix}.${key}` : key;
    paths.push(...changedPaths((old as Record<string, unknown>)[key], (next as Record<string, unknown>)[key], path));
  }
  return paths;
}


const SNAPSHOT_FORMAT = 1;

/** Serialized form kept in the snapshot store: format, checksum, and [key, hash, json] per item. */
export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const items = snapshot.items.map((item) => [item.key, item.hash, item.json]);
  return Buffer.from(JSON.stringify({ format: SNAPSHOT_FORMAT, checksum: snapshot.checksum, items }));
}

/** The stored snapshot, or undefined when it is not one this version can read (then the next run is a baseline). */
export function decodeSnapshot(bytes: Buffer): Snapshot | undefined {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { format?: number; checksum: string; items: [string, string, string][] };
    if (parsed.format !== SNAPSHOT_FORMAT) return undefined;
    return { checksum: parsed.checksum, items: parsed.items.map(([key, hash, json]) => ({ key, hash, json })) };
  } catch {
    return undefined;
  }
}
