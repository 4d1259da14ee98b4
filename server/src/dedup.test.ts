import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertBook } from './dedup.ts';
import type { Rule } from './detect/define-rule.ts';
import { SqliteStore } from './store/sqlite-store.ts';

const MINUTE = 60_000;
const rule = (overrides: Partial<Rule> = {}): Rule => ({ id: 'r', datasets: ['x'], severity: 'high', title: 't', match: () => true, tests: [], ...overrides });

async function withStore(fn: (store: SqliteStore) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'picket-dedup-'));
  const store = new SqliteStore(join(dir, 'picket.db'));
  try {
    await fn(store);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Records matches one journal entry at a time, as the pipeline does. */
async function feed(store: SqliteStore, r: Rule, matches: [key: string, time: number][]) {
  let journalId = 0;
  for (const [key, time] of matches) {
    const book = new AlertBook(store);
    await book.record(r, key, 'title', time, '{}', 'x');
    await store.commitProcessed({ journalId: ++journalId, events: [], quarantined: [], agentReports: [], inventory: [], ...book.changes() });
  }
  return store.listAlerts({ limit: 100 });
}

test('matches with one key within the window make one alert with a count', async () => {
  await withStore(async (store) => {
    const alerts = await feed(store, rule(), [['a', 0], ['a', 10 * MINUTE], ['b', 11 * MINUTE], ['a', 65 * MINUTE]]);
    const a = alerts.filter((x) => x.dedupKey === 'a');
    assert.equal(a.length, 1);
    assert.equal(a[0]!.count, 3);
    assert.equal(a[0]!.lastSeen, 65 * MINUTE);
    assert.equal(alerts.filter((x) => x.dedupKey === 'b').length, 1);
  });
});

test('a match after the dedup window opens a new alert', async () => {
  await withStore(async (store) => {
    const alerts = await feed(store, rule({ dedupWindowMs: 5 * MINUTE }), [['a', 0], ['a', 10 * MINUTE]]);
    assert.equal(alerts.length, 2);
  });
});

test('a threshold rule alerts once N matches fall within its window', async () => {
  await withStore(async (store) => {
    const r = rule({ threshold: 3, windowMs: 5 * MINUTE });
    // Two, then a gap longer than the window, then three close together.
    let alerts = await feed(store, r, [['a', 0], ['a', MINUTE], ['a', 10 * MINUTE], ['a', 11 * MINUTE]]);
    assert.equal(alerts.length, 0);
    alerts = await feed(store, r, [['a', 12 * MINUTE], ['a', 13 * MINUTE]]);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.count, 4, 'the alert counts the matches that opened it and the one that followed');
    assert.equal(alerts[0]!.firstSeen, 10 * MINUTE);
  });
});

test('many matches in one entry are aggregated before commit', async () => {
  await withStore(async (store) => {
    const book = new AlertBook(store);
    for (let i = 0; i < 10; i++) await book.record(rule({ threshold: 5 }), 'k', 't', i * 1000, '{}', 'x');
    const changes = book.changes();
    assert.equal(changes.openedAlerts.length, 1);
    assert.equal(changes.openedAlerts[0]!.count, 10);
  });
});
