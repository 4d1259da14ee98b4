/**
 * Emitters deliver alerts to people and systems. Each has a config schema
 * with the routing every emitter shares (alert datasets, minimum severity)
 * and `create(config, ctx)` returning what runs.
 */
import { z } from 'zod';
import type { Logger } from '@picket/shared';
import { SEVERITIES } from '../detect/define-rule.ts';
import type { Alert } from '../store/store.ts';

export interface RunningEmitter {
  emit(alert: Alert): Promise<void>;
  stop(): Promise<void>;
}

export interface EmitterContext {
  logger: Logger;
  /** Where stdout-like emitters write (the process's stdout unless a test says otherwise). */
  stdout: NodeJS.WritableStream;
}

export interface EmitterDefinition<Schema extends z.ZodType = z.ZodType> {
  type: string;
  schema: Schema;
  create(config: z.output<Schema>, ctx: EmitterContext): RunningEmitter;
}

export function defineEmitter<Schema extends z.ZodType>(definition: EmitterDefinition<Schema>): EmitterDefinition<Schema> {
  return definition;
}

/** The routing options every emitter has, plus its own. */
export function emitterSchema<Shape extends z.ZodRawShape>(type: string, shape: Shape) {
  return z.strictObject({
    type: z.literal(type),
    datasets: z.array(z.string()).default(['**']).describe('Alert dataset patterns this emitter receives, e.g. ["aws.**", "host.*"].'),
    min_severity: z.enum(SEVERITIES).default('info').describe('Alerts below this severity are not sent here.'),
    ...shape,
  });
}

export interface EmitterRouting {
  datasets: string[];
  min_severity: (typeof SEVERITIES)[number];
}
