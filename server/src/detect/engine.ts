/**
 * Routes each event to the rules whose dataset patterns match its dataset
 * (resolved once per dataset and cached), runs them, and isolates a rule
 * that throws: it is counted and reported, the other rules go on.
 */
import { compileNamespacePatterns, describeError } from '@picket/shared';
import type { NormalizedEvent } from '../normalize/event.ts';
import type { Rule } from './define-rule.ts';

export interface Match {
  rule: Rule;
  dedupKey: string;
  title: string;
}

export interface RuleFailure {
  rule: Rule;
  error: string;
}

export class DetectionEngine {
  readonly #rules: { rule: Rule; reads: (dataset: string) => boolean }[];
  readonly #byDataset = new Map<string, Rule[]>();

  constructor(rules: readonly Rule[]) {
    const ids = new Set<string>();
    for (const rule of rules) {
      if (ids.has(rule.id)) throw new Error(`two rules have the id "${rule.id}"`);
      ids.add(rule.id);
    }
    this.#rules = rules.map((rule) => ({ rule, reads: compileNamespacePatterns(rule.datasets) }));
  }

  evaluate(event: NormalizedEvent, onFailure: (failure: RuleFailure) => void): Match[] {
    const matches: Match[] = [];
    // A baseline or a resync is the state as it is, not a change.
    const baseline = event.delta?.baseline === true || event.delta?.resync === true;
    for (const rule of this.#rulesFor(event.event.dataset)) {
      if (baseline && !rule.includeBaseline) continue;
      try {
        if (!rule.match(event)) continue;
        matches.push({ rule, dedupKey: rule.dedup?.(event) ?? '', title: rule.alertTitle?.(event) ?? rule.title });
      } catch (err) {
        onFailure({ rule, error: describeError(err) });
      }
    }
    return matches;
  }

  #rulesFor(dataset: string): Rule[] {
    let rules = this.#byDataset.get(dataset);
    if (!rules) {
      rules = this.#rules.filter((r) => r.reads(dataset)).map((r) => r.rule);
      this.#byDataset.set(dataset, rules);
    }
    return rules;
  }
}
