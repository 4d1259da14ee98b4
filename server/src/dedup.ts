/**
 * dedupe: turns rule matches into alerts. Matches with the same (rule id,
 * dedup key) join the open alert while they arrive within its dedup window,
 * so an incident is one alert with a count. A threshold rule opens an alert
 * only once N matches fall within its window; the window keeps the last N
 * match times per key, so its state is bounded.
 *
 * Times are event times, so late data (a bundle imported days later) is
 * judged by when things happened. One AlertBook serves one journal entry:
 * it reads state as needed and hands back the changes, which the pipeline
 * commits atomically with the entry.
 */
import { DEFAULT_DEDUP_WINDOW_MS, type Rule } from './detect/define-rule.ts';
import type { Alert, NewAlert, ProcessedEntry, StateStore } from './store/store.ts';

type PendingAlert = (NewAlert & { id?: undefined }) | Alert;

/** What raises alerts: a rule, or an analyzer (which has no threshold). */
export type AlertSource = Pick<Rule, 'id' | 'severity' | 'threshold' | 'windowMs' | 'dedupWindowMs'>;

export class AlertBook {
  readonly #state: StateStore;
  readonly #alerts = new Map<string, PendingAlert | null>();
  readonly #windows = new Map<string, { ruleId: string; key: string; timestamps: number[] }>();
  readonly #opened: NewAlert[] = [];
  readonly #updated = new Map<number, Alert>();

  constructor(state: StateStore) {
    this.#state = state;
  }

  async record(rule: AlertSource, dedupKey: string, title: string, eventTime: number, sample: string, dataset: string): Promise<void> {
    const id = `${rule.id}\0${dedupKey}`;
    let active = this.#alerts.get(id);
    if (active === undefined) {
      active = (await this.#state.activeAlert(rule.id, dedupKey)) ?? null;
      this.#alerts.set(id, active);
    }
    const dedupWindow = rule.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS;
    if (active && eventTime - active.lastSeen <= dedupWindow) {
      active.count++;
      active.lastSeen = Math.max(active.lastSeen, eventTime);
      if (active.id !== undefined) this.#updated.set(active.id, active);
      return;
    }

    let firstSeen = eventTime;
    let count = 1;
    const threshold = rule.threshold ?? 1;
    if (threshold > 1) {
      let window = this.#windows.get(id);
      if (!window) {
        window = { ruleId: rule.id, key: dedupKey, timestamps: await this.#state.ruleWindow(rule.id, dedupKey) };
        this.#windows.set(id, window);
      }
      const since = eventTime - (rule.windowMs ?? dedupWindow);
      const times = [...window.timestamps.filter((t) => t > since), eventTime].sort((a, b) => a - b).slice(-threshold);
      if (times.length < threshold) {
        window.timestamps = times;
        return;
      }
      window.timestamps = [];
      firstSeen = times[0]!;
      count = threshold;
    }
    const alert: NewAlert = {
      ruleId: rule.id, dedupKey, dataset, severity: rule.severity, title, status: 'open',
      count, firstSeen, lastSeen: eventTime, createdAt: Date.now(), sample,
    };
    this.#opened.push(alert);
    this.#alerts.set(id, alert);
  }

  changes(): Pick<ProcessedEntry, 'openedAlerts' | 'updatedAlerts' | 'ruleWindows'> {
    return {
      openedAlerts: this.#opened,
      updatedAlerts: [...this.#updated.values()].map(({ id, count, lastSeen }) => ({ id, count, lastSeen })),
      ruleWindows: [...this.#windows.values()],
    };
  }
}
