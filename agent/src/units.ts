/**
 * The shape every agent unit shares: a type name, a config schema that
 * rejects unknown keys, and `create(config, ctx)` returning what runs.
 * Things with a lifetime have `start()` and an idempotent `stop()` that
 * flushes what they hold.
 */
import type { z } from 'zod';
import type { Logger } from '@picket/shared';
import type { Outbox } from './outbox.ts';

export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Counters every source keeps; the lifecycle test checks each source has them. */
export interface SourceStats {
  received: number;
  errors: number;
  truncated: number;
  dropped: number;
}

export interface RunningSource extends Lifecycle {
  readonly stats: SourceStats;
  /** Where it listens, once started, e.g. "tcp://127.0.0.1:5514". */
  readonly endpoint: string;
}

export interface SourceContext {
  outbox: Outbox;
  logger: Logger;
}

export interface SourceDefinition<Schema extends z.ZodType = z.ZodType> {
  type: string;
  schema: Schema;
  create(config: z.output<Schema>, ctx: SourceContext): RunningSource;
}

export function defineSource<Schema extends z.ZodType>(definition: SourceDefinition<Schema>): SourceDefinition<Schema> {
  return definition;
}

export function newSourceStats(): SourceStats {
  return { received: 0, errors: 0, truncated: 0, dropped: 0 };
}

/** Dotted lowercase namespace names: "syslog", "host.users". */
export const NAMESPACE_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
