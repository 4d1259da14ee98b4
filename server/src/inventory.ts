/**
 * The inventory: the current state of each (agent, generator) at the
 * server, kept by applying deltas. After each delta the server computes the
 * snapshot checksum over its copy and compares it with the agent's; on a
 * mismatch (a lost or doubly applied delta, a restored backup) it asks the
 * agent for a resync, whose full snapshot replaces the copy. Drift is
 * repaired, never silently kept.
 *
 * One InventoryBook serves one journal entry, like AlertBook: it loads state
 * on demand, applies the entry's deltas in memory, and hands back the net
 * changes, which the pipeline commits atomically with the entry.
 */
import { snapshotChecksum, type Delta } from '@picket/shared';
import type { InventoryChange, InventoryItem, StateStore } from './store/store.ts';

export interface AppliedDelta {
  generator: string;
  /** The agent's checksum matched the server's copy after applying. */
  verified: boolean;
  previous: ReadonlyMap<string, InventoryItem>;
  current: ReadonlyMap<string, InventoryItem>;
}

interface Tracked {
  items: Map<string, InventoryItem>;
  replace: boolean;
  dirty: Set<string>;
  checksum: string;
  verified: boolean;
}

const utf8 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class InventoryBook {
  readonly #state: StateStore;
  readonly #tracked = new Map<string, Tracked & { agentId: string; generator: string }>();

  constructor(state: StateStore) {
    this.#state = state;
  }

  async apply(agentId: string, delta: Delta): Promise<AppliedDelta> {
    const id = `${agentId}\0${delta.generator}`;
    let tracked = this.#tracked.get(id);
    if (!tracked) {
      const stored = await this.#state.inventoryItems(agentId, delta.generator);
      tracked = { agentId, generator: delta.generator, items: new Map(stored.map((item) => [item.key, item])), replace: false, dirty: new Set(), checksum: '', verified: true };
      this.#tracked.set(id, tracked);
    }
    const previous = new Map(tracked.items);
    if (delta.baseline || delta.resync) {
      tracked.items = new Map();
      tracked.replace = true;
      tracked.dirty.clear();
    }
    for (const item of delta.removed) {
      tracked.items.delete(item.key);
      tracked.dirty.add(item.key);
    }
    for (const item of delta.added) {
      tracked.items.set(item.key, { key: item.key, value: utf8(item.value), hash: item.hash });
      tracked.dirty.add(item.key);
    }
    for (const m of delta.modified) {
      tracked.items.set(m.key, { key: m.key, value: utf8(m.new), hash: m.hash });
      tracked.dirty.add(m.key);
    }
    const sorted = [...tracked.items.keys()].sort(byKey).map((key) => tracked.items.get(key)!);
    tracked.checksum = delta.checksum;
    tracked.verified = snapshotChecksum(sorted) === delta.checksum;
    return { generator: delta.generator, verified: tracked.verified, previous, current: tracked.items };
  }

  changes(): InventoryChange[] {
    return [...this.#tracked.values()].map((t) => ({
      agentId: t.agentId,
      generator: t.generator,
      replace: t.replace,
      upserts: t.replace ? [...t.items.values()] : [...t.dirty].filter((key) => t.items.has(key)).map((key) => t.items.get(key)!),
      deletes: t.replace ? [] : [...t.dirty].filter((key) => !t.items.has(key)),
      checksum: t.checksum,
      itemCount: t.items.size,
      verified: t.verified,
    }));
  }
}
