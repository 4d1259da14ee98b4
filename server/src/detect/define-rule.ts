/**
 * Detection as code: a rule names the datasets it reads, says whether an
 * event matches, and may shape the alert (title, dedup key). Rules are pure
 * functions of one event; thresholds, windows and deduplication are applied
 * around them by the engine, once for all rules.
 *
 * Each rule carries its own tests (event -> expected match, title, dedup
 * key), run by rules.test.ts.
 */
import type { NormalizedEvent } from '../normalize/event.ts';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface RuleTest {
  name: string;
  event: NormalizedEvent;
  match: boolean;
  title?: string;
  dedup?: string;
}

export interface Rule {
  /** Stable id, dotted: "host.users.new-root-account". */
  id: string;
  /** Dataset patterns the rule reads ("host.users", "aws.*"). */
  datasets: string[];
  severity: Severity;
  title: string;
  match(event: NormalizedEvent): boolean;
  /** Title of an alert, from the event that opened it. */
  alertTitle?(event: NormalizedEvent): string;
  /** Matches with the same key share one alert; default: one alert per rule. */
  dedup?(event: NormalizedEvent): string;
  /** Alert once this many matches fall within `windowMs` (default 1: every match). */
  threshold?: number;
  windowMs?: number;
  /** Further matches join the open alert for this long after its last match (default 60 min). */
  dedupWindowMs?: number;
  /** Baseline snapshots are ignored unless the rule asks for them. */
  includeBaseline?: boolean;
  tests: RuleTest[];
}

export function defineRule(rule: Rule): Rule {
  return rule;
}

export const DEFAULT_DEDUP_WINDOW_MS = 60 * 60 * 1000;
