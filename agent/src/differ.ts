/**
 * The differ: turns a generator's items into a snapshot and compares it with
 * the previous one. Pure functions; the runner stores the results.
 *
 * Each item is kept as canonical JSON (object keys sorted, no whitespace), so
 * key order in the source never shows up as a change, and with a hash over
 * its comparable form: the canonical JSON without the generator's ignored
 * (volatile) fields. Items compare by hash; an item whose canonical JSON is
 * unchanged reuses its previous hash, so a run with little churn hashes
 * little. The checksum is SHA-256 over the sorted (key, hash) pairs; deltas
 * carry item hashes, so the server can check its copy against it.
 */
import { createHash, hash } from 'node:crypto';

export interface SnapshotItem {
  /** Canonical JSON of the whole item. */
  json: string;
  /** SHA-256 (base64) of the comparable form. */
  hash: string;
}

export interface Snapshot {
  /** key -> item, sorted by key. */
  items: Map<string, SnapshotItem>;
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

export const EMPTY_SNAPSHOT: Snapshot = { items: new Map(), checksum: checksumOf([]) };

/**
 * Builds a snapshot. Items with the same key keep their order of appearance
 * and are told apart by a suffix ("root", "root#2"): a duplicate account
 * name is exactly what a rule may want to see.
 */
export function buildSnapshot(items: readonly unknown[], keyOf: (item: never) => string, ignoredFields: readonly string[] = [], previous: Snapshot = EMPTY_SNAPSHOT): Snapshot {
  const entries: [string, SnapshotItem][] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const base = keyOf(item as never);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const key = count === 1 ? base : `${base}#${count}`;
    const json = canonicalJson(item);
    const before = previous.items.get(key);
    entries.push([key, { json, hash: before?.json === json ? before.hash : itemHash(item, json, ignoredFields) }]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { items: new Map(entries), checksum: checksumOf(entries) };
}

export function diffSnapshots(previous: Snapshot, next: Snapshot, ignoredFields: readonly string[] = []): Diff {
  const diff: Diff = { added: [], removed: [], modified: [] };
  for (const [key, item] of next.items) {
    const old = previous.items.get(key);
    if (old === undefined) diff.added.push({ key, item });
    else if (old.hash !== item.hash) {
      const paths = changedPaths(JSON.parse(old.json), JSON.parse(item.json)).filter((path) => !isIgnored(path, ignoredFields));
      diff.modified.push({ key, old, new: item, changedPaths: paths });
    }
  }
  for (const [key, item] of previous.items) {
    if (!next.items.has(key)) diff.removed.push({ key, item });
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
function itemHash(item: unknown, json: string, ignoredFields: readonly string[]): string {
  const comparable = ignoredFields.length === 0 ? json : canonicalJson(withoutPaths(item, ignoredFields));
  return hash('sha256', comparable, 'base64');
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

/** SHA-256 (hex) over the sorted (key, hash) pairs. The server computes the same from its inventory. */
export function checksumOf(entries: Iterable<readonly [string, { hash: string }]>): string {
  const digest = createHash('sha256');
  for (const [key, item] of entries) digest.update(key).update('\0').update(item.hash).update('\n');
  return digest.digest('hex');
}

/** Serialized form kept in the snapshot store: the checksum and [key, hash, json] per item. */
export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const items = [...snapshot.items].map(([key, item]) => [key, item.hash, item.json]);
  return Buffer.from(JSON.stringify({ checksum: snapshot.checksum, items }));
}

export function decodeSnapshot(bytes: Buffer): Snapshot {
  const parsed = JSON.parse(bytes.toString('utf8')) as { checksum: string; items: [string, string, string][] };
  return { checksum: parsed.checksum, items: new Map(parsed.items.map(([key, hash, json]) => [key, { hash, json }])) };
}
