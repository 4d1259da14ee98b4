/**
 * Sends each alert to the emitters whose routing accepts it. A failing
 * emitter is logged and counted; it never keeps the others from delivering.
 */
import { compileNamespacePatterns, describeError, type Logger } from '@picket/shared';
import { SEVERITIES } from '../detect/define-rule.ts';
import type { Alert } from '../store/store.ts';
import type { EmitterRouting, RunningEmitter } from './define-emitter.ts';

export interface RoutedEmitter {
  name: string;
  routing: EmitterRouting;
  emitter: RunningEmitter;
}

export class EmitterRouter {
  readonly #routes: { name: string; accepts: (alert: Alert) => boolean; emitter: RunningEmitter }[];
  readonly #logger: Logger;
  readonly #onFailure: (emitter: string) => void;

  constructor(emitters: readonly RoutedEmitter[], logger: Logger, onFailure: (emitter: string) => void) {
    this.#logger = logger;
    this.#onFailure = onFailure;
    this.#routes = emitters.map(({ name, routing, emitter }) => {
      const datasetMatches = compileNamespacePatterns(routing.datasets);
      const minimum = SEVERITIES.indexOf(routing.min_severity);
      return { name, emitter, accepts: (alert: Alert) => datasetMatches(alert.dataset) && SEVERITIES.indexOf(alert.severity) >= minimum };
    });
  }

  async emit(alert: Alert): Promise<void> {
    await Promise.all(
      this.#routes
        .filter((route) => route.accepts(alert))
        .map((route) =>
          route.emitter.emit(alert).catch((err) => {
            this.#onFailure(route.name);
            this.#logger.error({ code: 'EMIT_FAILED', emitter: route.name, alertId: alert.id, detail: describeError(err) }, 'emitter failed');
          }),
        ),
    );
  }

  async stop(): Promise<void> {
    for (const route of this.#routes) await route.emitter.stop();
  }
}
