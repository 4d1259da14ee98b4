/**
 * Generator deltas become events: one per added, removed or modified item,
 * with `event.kind: state` and the item's old and new values under `delta`.
 * Generators with a natural ECS home also fill those fields (host.users ->
 * user.*).
 */
import type { Delta } from '@picket/shared';
import type { NormalizedEvent } from './event.ts';

type Action = 'added' | 'removed' | 'modified';
const ecsType: Record<Action, string> = { added: 'creation', removed: 'deletion', modified: 'change' };

/** ECS fields per generator, from the item's current (or last) value. */
const ecsMappers: Record<string, (item: Record<string, unknown>) => Partial<NormalizedEvent>> = {
  'host.users': (user) => ({
    user: { name: String(user.name ?? ''), id: String(user.uid ?? ''), full_name: String(user.gecos ?? ''), group: { id: String(user.gid ?? '') } },
    event: { category: ['iam'] } as NormalizedEvent['event'],
  }),
};

export interface DeltaContext {
  agentId: string;
  seq: number;
  observedAt: string;
}

/** Throws when an item is not valid JSON; the caller quarantines the record. */
export function deltaToEvents(delta: Delta, ctx: DeltaContext): NormalizedEvent[] {
  const events: NormalizedEvent[] = [];
  const make = (action: Action, key: string, old: unknown, next: unknown, changedPaths?: string[]) => {
    const current = (next ?? old) as Record<string, unknown>;
    const mapped = ecsMappers[delta.generator]?.(current) ?? {};
    const event: NormalizedEvent = {
      '@timestamp': ctx.observedAt,
      message: `${delta.generator}: ${action} ${key}`,
      ...mapped,
      event: {
        dataset: delta.generator,
        kind: 'state',
        action,
        type: [ecsType[action]],
        ...(mapped.event?.category ? { category: mapped.event.category } : {}),
        created: ctx.observedAt,
      },
      agent: { id: ctx.agentId },
      delta: {
        generator: delta.generator,
        run_id: delta.runId,
        baseline: delta.baseline,
        ...(delta.resync ? { resync: true } : {}),
        key,
        ...(changedPaths ? { changed_paths: changedPaths } : {}),
        ...(old !== undefined ? { old } : {}),
        ...(next !== undefined ? { new: next } : {}),
      },
      picket: { seq: ctx.seq },
    };
    events.push(event);
  };
  for (const item of delta.added) make('added', item.key, undefined, parseItem(item.value, item.key));
  for (const item of delta.removed) make('removed', item.key, parseItem(item.value, item.key), undefined);
  for (const m of delta.modified) make('modified', m.key, parseItem(m.old, m.key), parseItem(m.new, m.key), m.changedPaths);
  return events;
}

function parseItem(bytes: Uint8Array, key: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new Error(`item "${key}" is not valid JSON`);
  }
}
