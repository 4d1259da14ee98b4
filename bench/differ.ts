/**
 * Benchmark: the differ on 100,000 items (package-like records) with 1%
 * churn, and what a run ships. Time is the comparison itself (canonical
 * JSON, hashes of changed items, diff); decoding the stored snapshot is
 * shown apart. Bytes are of the Delta record that would go to the outbox.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { DeltaSchema } from '@picket/shared';
import { buildSnapshot, decodeSnapshot, diffSnapshots, encodeSnapshot, type Diff, type Snapshot } from '../agent/src/differ.ts';

export interface DifferResult {
  items: number;
  diffMs: number;
  decodeMs: number;
  peakHeapMiB: number;
  snapshotBytes: number;
  churnDeltaBytes: number;
  unchangedDeltaBytes: number;
}

const packageItem = (i: number, build = 1) => ({ name: `package-${i}`, version: `2.${i % 40}.${i % 7}-${build}`, arch: i % 3 ? 'amd64' : 'all', manager: 'dpkg', source: `source-${i % 9000}` });
const key = (item: { name: string }) => item.name;

function deltaBytes(diff: Diff, snapshot: Snapshot): number {
  const utf8 = (text: string) => Buffer.from(text);
  return toBinary(DeltaSchema, create(DeltaSchema, {
    generator: 'host.packages', runId: '00000000-0000-0000-0000-000000000000', baseline: false,
    added: diff.added.map((c) => ({ key: c.key, value: utf8(c.item.json), hash: c.item.hash })),
    removed: diff.removed.map((c) => ({ key: c.key, value: utf8(c.item.json), hash: c.item.hash })),
    modified: diff.modified.map((m) => ({ key: m.key, old: utf8(m.old.json), new: utf8(m.new.json), changedPaths: m.changedPaths, hash: m.new.hash })),
    checksum: snapshot.checksum, itemCount: snapshot.items.length,
  })).length;
}

export function benchDiffer(items = 100_000, runs = 5): DifferResult {
  const before = Array.from({ length: items }, (_, i) => packageItem(i));
  // 1% churn: 0.5% upgraded, 0.25% removed, 0.25% added.
  const after = before.flatMap((item, i) => (i % 400 === 0 ? [] : i % 200 === 1 ? [packageItem(i, 2)] : [item]));
  for (let i = 0; i < items / 400; i++) after.push(packageItem(items + i));
  const stored = encodeSnapshot(buildSnapshot(before, key));

  const times: number[] = [];
  const decodes: number[] = [];
  let peak = 0;
  let result: { snapshot: Snapshot; diff: Diff } | undefined;
  for (let run = 0; run < runs; run++) {
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let started = performance.now();
    const previous = decodeSnapshot(stored)!;
    decodes.push(performance.now() - started);
    started = performance.now();
    const snapshot = buildSnapshot(after, key, [], previous);
    const diff = diffSnapshots(previous, snapshot);
    times.push(performance.now() - started);
    peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
    result = { snapshot, diff };
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const { snapshot, diff } = result!;
  const unchanged = diffSnapshots(snapshot, buildSnapshot(after, key, [], snapshot));
  return {
    items,
    diffMs: Math.round(median(times)),
    decodeMs: Math.round(median(decodes)),
    peakHeapMiB: Math.round(peak / 2 ** 20),
    snapshotBytes: stored.length,
    churnDeltaBytes: deltaBytes(diff, snapshot),
    // An unchanged run writes no record at all; this is what it would weigh if it did.
    unchangedDeltaBytes: unchanged.added.length + unchanged.removed.length + unchanged.modified.length === 0 ? 0 : deltaBytes(unchanged, snapshot),
  };
}
