/**
 * Routes each applied delta to the analyzers subscribed to its generator,
 * with views of the previous and current state, and isolates an analyzer
 * that throws: it is counted and reported, the others go on.
 */
import { compileNamespacePatterns, describeError } from '@picket/shared';
import type { InventoryItem } from '../store/store.ts';
import type { Analyzer, Finding, Item, StateChange, StateView } from './define-analyzer.ts';

export interface AnalyzerFailure {
  analyzer: Analyzer;
  error: string;
}

export class AnalyzerEngine {
  readonly #analyzers: { analyzer: Analyzer; subscribes: (generator: string) => boolean }[];

  constructor(analyzers: readonly Analyzer[]) {
    const ids = new Set<string>();
    for (const analyzer of analyzers) {
      if (ids.has(analyzer.id)) throw new Error(`two analyzers have the id "${analyzer.id}"`);
      ids.add(analyzer.id);
    }
    this.#analyzers = analyzers.map((analyzer) => ({ analyzer, subscribes: compileNamespacePatterns(analyzer.generators) }));
  }

  analyze(
    change: StateChange,
    previous: ReadonlyMap<string, InventoryItem>,
    current: ReadonlyMap<string, InventoryItem>,
    onFailure: (failure: AnalyzerFailure) => void,
  ): { analyzer: Analyzer; finding: Finding }[] {
    const results: { analyzer: Analyzer; finding: Finding }[] = [];
    const ctx = { previous: view(previous), current: view(current) };
    for (const { analyzer, subscribes } of this.#analyzers) {
      if (!subscribes(change.generator)) continue;
      try {
        for (const finding of analyzer.analyze(change, ctx)) results.push({ analyzer, finding });
      } catch (err) {
        onFailure({ analyzer, error: describeError(err) });
      }
    }
    return results;
  }
}

/** Parses items on demand: most analyzers look at a few, states can hold 100,000. */
export function view(items: ReadonlyMap<string, InventoryItem>): StateView {
  return {
    get: (key) => {
      const item = items.get(key);
      return item ? (JSON.parse(item.value) as Item) : undefined;
    },
    get size() {
      return items.size;
    },
  };
}
