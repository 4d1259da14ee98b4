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
   * Reads the state. Runs on a worker thread (see worker-pool.ts), so it must
   * be self-contained: all it needs comes from `config`; file reads use async
   * APIs and honour `signal`.
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

/** A configured generator entry, validated: the schedule plus the generator's own options. */
export interface GeneratorConfig extends GeneratorSchedule {
  [option: string]: unknown;
}

/** What a run needs of a generator, whether built in or made from a custom entry. */
export type RunnableGenerator = Pick<GeneratorDefinition, 'name' | 'key' | 'collect' | 'ignoredFields'>;

/**
 * A generator type the user instantiates (`command`, `module`): each
 * configured entry is a generator of its own, with its own dataset `name`.
 */
export interface CustomGeneratorType<Schema extends z.ZodType = z.ZodType> {
  type: string;
  schema: Schema;
  /**
   * The generator an entry runs. Called at start-up, where it fails fast with
   * a message naming what is wrong, and on the worker thread for each run.
   */
  generatorFor(config: z.output<Schema>): RunnableGenerator | Promise<RunnableGenerator>;
}

export function defineCustomGeneratorType<Schema extends z.ZodType>(type: CustomGeneratorType<Schema>): CustomGeneratorType<Schema> {
  return type;
}

/** The dataset name of a custom generator, e.g. "aws.iam.users". */
export const datasetName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/, 'expected a dotted lowercase name such as aws.iam.users');

/** The `root` option of generators that read the host's files: tests point it at fixture trees. */
export const rootOption = z.string().default('/').describe('Directory the host\'s files are read under; "/" for the host itself.');
