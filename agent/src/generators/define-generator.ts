/**
 * A generator takes a snapshot of some state on a schedule: `collect` returns
 * the items, `key` names each one. The runner diffs snapshots and ships only
 * what changed.
 */
import { z } from 'zod';
import { duration, size } from '@picket/shared';

export interface CollectContext {
  /** Aborted when the generator's timeout passes or the agent stops. */
  signal: AbortSignal;
}

export interface GeneratorDefinition<Schema extends z.ZodType = z.ZodType, Item = unknown> {
  /** Dotted namespace of the generator and its records, e.g. "host.users". */
  name: string;
  schema: Schema;
  /** The item's identity: stable across runs, unique within a snapshot. */
  key(item: Item): string;
  /**
   * Reads the state. Self-contained (it may run on a worker thread): all it
   * needs comes from `config`; file reads use async APIs and honour `signal`.
   */
  collect(config: z.output<Schema>, ctx: CollectContext): Promise<Item[]>;
  /**
   * Dotted paths of volatile fields left out of comparison (a process id, a
   * counter), so they never show up as changes. Users can add more with the
   * `ignore_fields` option.
   */
  ignoredFields?: string[];
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
    ignore_fields: z.array(z.string()).default([]).describe('Dotted paths of item fields to leave out of comparison, besides the generator\'s own.'),
    max_items: z.number().int().min(1).default(100_000).describe('A snapshot with more items fails (the previous one is kept) rather than shipping a partial one.'),
    max_bytes: size.prefault('64MiB').describe('The same for the total size of a snapshot (canonical JSON).'),
    ...shape,
  });
}

/** Config fields the runner reads, whatever the generator. */
export interface GeneratorSchedule {
  type: string;
  interval: number;
  timeout: number;
  ignore_fields: string[];
  max_items: number;
  max_bytes: number;
}

/** The `root` option of generators that read the host's files: tests point it at fixture trees. */
export const rootOption = z.string().default('/').describe('Directory the host\'s files are read under; "/" for the host itself.');
