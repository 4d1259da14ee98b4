/**
 * The differ: turns a generator's items into a snapshot and compares it with
 * the previous one. Pure functions; the runner stores the results.
 *
 * Items are compared by canonical JSON (keys sorted, no whitespace), so key
 * order in the source never shows up as a change. The checksum is SHA-256
 * over the sorted (key, canonical JSON) pairs: the server applies deltas to
 * its copy and compares checksums to detect drift.
 */
import { createHash } from 'node:crypto';

export interface Snapshot {
  /** key -> canonical JSON of the item, sorted by key. */
  items: Map<string, string>;
  checksum: string;
}

export interface Change {
  key: string;
  value: string;
}

export interface Modification {
  key: string;
  old: string;
  new: string;
  changedPaths: string[];
}

export interface Diff {
  added: Change[];
  removed: Change[];
  modified: Modification[];
}

/**
 * Builds a snapshot. Items with the same key keep their order of appearance
 * and are told apart by a suffix ("root", "root#2"): a duplicate account
 * name is exactly what a rule may want to see.
 */
export function buildSnapshot(items: readonly unknown[], keyOf: (item: never) => string): Snapshot {
  const entries: [string, string][] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const base = keyOf(item as never);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    entries.push([count === 1 ? base : `${base}#${count}`, canonicalJson(item)]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { items: new Map(entries), checksum: checksumOf(entries) };
}

export function diffSnapshots(previous: Snapshot, next: Snapshot): Diff {
  const diff: Diff = { added: [], removed: [], modified: [] };
  for (const [key, value] of next.items) {
    const old = previous.items.get(key);
    if (old === undefined) diff.added.push({ key, value });
    else if (old !== value) diff.modified.push({ key, old, new: value, changedPaths: changedPaths(JSON.parse(old), JSON.parse(value)) });
  }
  for (const [key, value] of previous.items) {
    if (!next.items.has(key)) diff.removed.push({ key, value });
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

function checksumOf(entries: readonly [string, string][]): string {
  const hash = createHash('sha256');
  for (const [key, value] of entries) hash.update(key).update('\0').update(value).update('\n');
  return hash.digest('hex');
}

/** Serialized form kept in the snapshot store. */
export function encodeSnapshot(snapshot: Snapshot): Buffer {
  return Buffer.from(JSON.stringify({ checksum: snapshot.checksum, items: [...snapshot.items] }));
}

export function decodeSnapshot(bytes: Buffer): Snapshot {
  const parsed = JSON.parse(bytes.toString('utf8')) as { checksum: string; items: [string, string][] };
  return { checksum: parsed.checksum, items: new Map(parsed.items) };
}
