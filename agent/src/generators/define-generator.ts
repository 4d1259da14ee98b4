/**
 * A generator takes a snapshot of some state on a schedule: `collect` returns
 * the items, `key` names each one. The runner diffs snapshots and ships only
 * what changed.
 */
import { z } from 'zod';
import { duration } from '@picket/shared';

export interface CollectContext {
  /** Aborted when the generator's timeout passes or the agent stops. */
  signal: AbortSignal;
}

export interface GeneratorDefinition<Schema extends z.ZodType = z.ZodType, Item = unknown> {
  /** Dotted namespace of the generator and its records, e.g. "host.users". */
  name: string;
  schema: Schema;
  key(item: Item): string;
  collect(config: z.output<Schema>, ctx: CollectContext): Promise<Item[]>;
}

export function defineGenerator<Schema extends z.ZodType, Item>(definition: GeneratorDefinition<Schema, Item>): GeneratorDefinition<Schema, Item> {
  return definition;
}

/** The options every generator has, plus its own. */
export function generatorSchema<Shape extends z.ZodRawShape>(name: string, defaults: { interval: string }, shape: Shape) {
  return z.strictObject({
    type: z.literal(name),
    interval: duration.prefault(defaults.interval).describe('How often to take a snapshot (a jitter of ±10% is added).'),
    timeout: duration.prefault('60s').describe('A run taking longer fails and keeps the previous snapshot.'),
    ...shape,
  });
}

/** Config fields the runner reads, whatever the generator. */
export interface GeneratorSchedule {
  type: string;
  interval: number;
  timeout: number;
}
