import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DetectionEngine } from './engine.ts';
import type { NormalizedEvent } from '../normalize/event.ts';
import type { Rule } from './define-rule.ts';
import { builtinRules } from './rules/index.ts';

for (const rule of builtinRules) {
  for (const t of rule.tests) {
    test(`${rule.id}: ${t.name}`, () => {
      const failures: string[] = [];
      const matches = new DetectionEngine([rule]).evaluate(t.event, (f) => failures.push(f.error));
      assert.deepEqual(failures, []);
      assert.equal(matches.length > 0, t.match);
      if (t.title !== undefined) assert.equal(matches[0]?.title, t.title);
      if (t.dedup !== undefined) assert.equal(matches[0]?.dedupKey, t.dedup);
    });
  }
}

test('every rule has at least one matching and one non-matching test', () => {
  for (const rule of builtinRules) {
    assert.ok(rule.tests.some((t) => t.match), `${rule.id} has no matching test`);
    assert.ok(rule.tests.some((t) => !t.match), `${rule.id} has no non-matching test`);
  }
});

test('a rule that throws is isolated and reported', () => {
  const broken = { ...builtinRules[0]!, id: 'broken', match: () => { throw new Error('boom'); } };
  const engine = new DetectionEngine([broken, builtinRules[0]!]);
  const failures: string[] = [];
  const matches = engine.evaluate(builtinRules[0]!.tests[0]!.event, (f) => failures.push(`${f.rule.id}: ${f.error}`));
  assert.deepEqual(failures, ['broken: boom']);
  assert.equal(matches.length, 1);
});

test('baseline events reach only rules that ask for them', () => {
  const rule: Rule = { id: 'any-user-change', datasets: ['host.users'], severity: 'low', title: 't', match: () => true, tests: [] };
  const event: NormalizedEvent = {
    '@timestamp': '2026-11-22T10:00:00.000Z', event: { dataset: 'host.users', kind: 'state', action: 'added', created: '2026-11-22T10:00:00.000Z' },
    agent: { id: 'a1' }, delta: { generator: 'host.users', run_id: 'r', baseline: true, key: 'root' }, picket: { seq: 1 },
  };
  assert.equal(new DetectionEngine([rule]).evaluate(event, () => {}).length, 0);
  assert.equal(new DetectionEngine([{ ...rule, includeBaseline: true }]).evaluate(event, () => {}).length, 1);
});

test('duplicate rule ids fail at start-up', () => {
  assert.throws(() => new DetectionEngine([builtinRules[0]!, builtinRules[0]!]), /two rules have the id/);
});
