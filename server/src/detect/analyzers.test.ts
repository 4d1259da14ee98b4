import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalyzerEngine } from './analyzer-engine.ts';
import type { Analyzer, StateChange } from './define-analyzer.ts';
import { builtinAnalyzers } from './analyzers/index.ts';

const none = new Map();

for (const analyzer of builtinAnalyzers) {
  for (const t of analyzer.tests) {
    test(`${analyzer.id}: ${t.name}`, () => {
      const change: StateChange = { agentId: 'a1', generator: analyzer.generators[0]!, baseline: false, resync: false, added: [], removed: [], modified: [], ...t.change };
      const failures: string[] = [];
      const results = new AnalyzerEngine([analyzer]).analyze(change, none, none, (f) => failures.push(f.error));
      assert.deepEqual(failures, []);
      assert.deepEqual(results.map((r) => r.finding.title), t.findings);
    });
  }
}

test('every analyzer has a test that finds something and one that finds nothing', () => {
  for (const analyzer of builtinAnalyzers) {
    assert.ok(analyzer.tests.some((t) => t.findings.length > 0), `${analyzer.id}`);
  }
  assert.ok(builtinAnalyzers.flatMap((a) => a.tests).some((t) => t.findings.length === 0));
});

test('a resync is never news, and an analyzer that throws is isolated', () => {
  const change: StateChange = { agentId: 'a1', generator: 'host.users', baseline: false, resync: true, added: [{ key: 'toor', item: { uid: 0 } }], removed: [], modified: [] };
  const engine = new AnalyzerEngine(builtinAnalyzers);
  assert.deepEqual(engine.analyze(change, none, none, () => {}), []);
  const broken: Analyzer = { id: 'broken', generators: ['host.*'], severity: 'low', analyze: () => { throw new Error('boom'); }, tests: [] };
  const failures: string[] = [];
  const results = new AnalyzerEngine([broken, ...builtinAnalyzers]).analyze({ ...change, resync: false }, none, none, (f) => failures.push(`${f.analyzer.id}: ${f.error}`));
  assert.deepEqual(failures, ['broken: boom']);
  assert.equal(results.length, 1);
});

test('analyzers subscribe by generator pattern', () => {
  const seen: string[] = [];
  const spy: Analyzer = { id: 'spy', generators: ['host.*'], severity: 'low', analyze: (c) => { seen.push(c.generator); return []; }, tests: [] };
  const engine = new AnalyzerEngine([spy]);
  for (const generator of ['host.users', 'aws.iam.users', 'host.files']) engine.analyze({ agentId: 'a', generator, baseline: false, resync: false, added: [], removed: [], modified: [] }, none, none, () => {});
  assert.deepEqual(seen, ['host.users', 'host.files']);
});
