import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerMetrics } from '../metrics.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { buildHttpApp } from './app.ts';

test('health, metrics and the read API', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'picket-http-'));
  const store = new SqliteStore(join(dir, 'picket.db'));
  const metrics = new ServerMetrics();
  const app = buildHttpApp({ state: store, journal: store, metrics });
  t.after(async () => {
    await app.close();
    store.close();
    await rm(dir, { recursive: true, force: true });
  });
  await store.commitProcessed({
    journalId: 1, events: [{ agentId: 'a', seq: 1, dataset: 'syslog', timestamp: 0, doc: '{"message":"hi"}' }], quarantined: [],
    openedAlerts: [{ ruleId: 'r', dedupKey: 'k', dataset: 'syslog', severity: 'high', title: 'T', status: 'open', count: 2, firstSeen: 0, lastSeen: 1, createdAt: 1, sample: '{"message":"hi"}' }],
    updatedAlerts: [], ruleWindows: [], agentReports: [], inventory: [],
  });

  const health = await app.inject('/healthz');
  assert.equal(health.statusCode, 200);
  assert.deepEqual(health.json(), { status: 'ok' });

  metrics.events.inc({ dataset: 'syslog' });
  const scrape = await app.inject('/metrics');
  assert.equal(scrape.statusCode, 200);
  assert.match(scrape.headers['content-type'] as string, /text\/plain/);
  assert.match(scrape.body, /^picket_events_total\{dataset="syslog"\} 1$/m);
  assert.match(scrape.body, /^# TYPE picket_journal_pending_entries gauge$/m);

  const alerts = await app.inject('/api/v1/alerts?status=open');
  assert.equal(alerts.statusCode, 200);
  assert.deepEqual(alerts.json().alerts.map((a: { title: string; count: number; sample: unknown }) => [a.title, a.count, a.sample]), [['T', 2, { message: 'hi' }]]);

  const events = await app.inject('/api/v1/events?dataset=syslog');
  assert.deepEqual(events.json(), { events: [{ id: 1, message: 'hi' }], next: 1 });

  const bad = await app.inject('/api/v1/alerts?limit=999999&colour=red');
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error, 'INVALID_QUERY');
  assert.match(bad.json().message, /limit/);
});
