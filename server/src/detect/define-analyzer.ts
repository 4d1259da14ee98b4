/**
 * Analyzers see what changed in a generator's state: the delta's added,
 * removed and modified items (old and new), with the server's previous and
 * current copy of that state. They raise findings, which become alerts
 * through the same deduplication as rules. Like rules they are pure and
 * carry their own tests (analyzers.test.ts runs them).
 */
import type { Severity } from './define-rule.ts';

export type Item = Record<string, unknown>;

export interface StateChange {
  agentId: string;
  generator: string;
  /** The first snapshot: `added` is the whole state. */
  baseline: boolean;
  /** A full snapshot sent to repair the server's copy: not a change. */
  resync: boolean;
  added: { key: string; item: Item }[];
  removed: { key: string; item: Item }[];
  modified: { key: string; old: Item; new: Item; changedPaths: string[] }[];
}

export interface StateView {
  /** The item with this key, parsed; undefined when absent. */
  get(key: string): Item | undefined;
  readonly size: number;
}

export interface AnalyzerContext {
  previous: StateView;
  current: StateView;
}

export interface Finding {
  /** Findings with the same key share one alert. */
  dedupKey: string;
  title: string;
  severity?: Severity;
  /** What the alert shows as its sample. */
  subject: unknown;
}

export interface AnalyzerTest {
  name: string;
  change: Partial<StateChange>;
  /** Titles of the expected findings, in order. */
  findings: string[];
}

export interface Analyzer {
  /** Stable id, dotted: the id of its alerts. */
  id: string;
  /** Generator patterns it subscribes to ("host.*", "host.users"). */
  generators: string[];
  severity: Severity;
  analyze(change: StateChange, ctx: AnalyzerContext): Finding[];
  tests: AnalyzerTest[];
}

export function defineAnalyzer(analyzer: Analyzer): Analyzer {
  return analyzer;
}

/** Most analyzers report changes only: a baseline or resync is the state as it is, not news. */
export function isChange(change: StateChange): boolean {
  return !change.baseline && !change.resync;
}
