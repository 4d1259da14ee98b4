/**
 * The embedded store: intake journal and server state in one SQLite file
 * (`node:sqlite`, part of Node, so the server needs no native addon).
 *
 * WAL mode with synchronous=FULL: a commit is on disk when it returns, which
 * is what lets intake acknowledge right after `append`. The journal holds one
 * row per acknowledged batch; processing deletes rows as it applies them, in
 * the same transaction, so a crash resumes exactly where processing stopped.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type {
  AgentRow, Alert, AlertStatus, AppendResult, IntakeJournal, InventoryChange, InventoryItem, InventoryState, JournalEntry, ProcessedEntry, QuarantineEntry, RecordSpan, StateStore,
} from './store.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  watermark INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  version TEXT,
  hostname TEXT,
  backlog_records INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS journal (
  -- AUTOINCREMENT: ids of processed (deleted) rows must never come back, or
  -- a new batch could get an id at or below the processed position.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  agent_id TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  records BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS positions (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  agent_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  dataset TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS events_by_dataset ON events (dataset, id);
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY,
  agent_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  data BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  rule_id TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  dataset TEXT NOT NULL,
  severity TEXT NOT NULL,
  title TEXT NOT NULL,
  status TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  sample TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS alerts_by_key ON alerts (rule_id, dedup_key, id);
CREATE TABLE IF NOT EXISTS inventory_items (
  agent_id TEXT NOT NULL,
  generator TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (agent_id, generator, key)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inventory_state (
  agent_id TEXT NOT NULL,
  generator TEXT NOT NULL,
  checksum TEXT NOT NULL,
  item_count INTEGER NOT NULL,
  verified INTEGER NOT NULL,
  resync_requested INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (agent_id, generator)
) STRICT;
CREATE TABLE IF NOT EXISTS rule_windows (
  rule_id TEXT NOT NULL,
  key TEXT NOT NULL,
  timestamps TEXT NOT NULL,
  PRIMARY KEY (rule_id, key)
) STRICT;
`;

export class SqliteStore implements IntakeJournal, StateStore {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(file: string) {
    this.#db = new DatabaseSync(file);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
    this.#db.exec(SCHEMA);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  // --- intake journal ---

  async watermark(agentId: string): Promise<number> {
    const row = this.#sql('SELECT watermark FROM agents WHERE id = ?').get(agentId) as { watermark: number } | undefined;
    return row?.watermark ?? 0;
  }

  async append(agentId: string, batch: Uint8Array, records: readonly RecordSpan[]): Promise<AppendResult> {
    return this.#transaction(() => {
      const now = Date.now();
      const row = this.#sql('SELECT watermark FROM agents WHERE id = ?').get(agentId) as { watermark: number } | undefined;
      const before = row?.watermark ?? 0;
      if (!row) this.#sql('INSERT INTO agents (id, watermark, first_seen, last_seen) VALUES (?, 0, ?, ?)').run(agentId, now, now);
      const fresh = records.filter((r) => r.seq > before);
      if (fresh.length === 0) {
        this.#sql('UPDATE agents SET last_seen = ? WHERE id = ?').run(now, agentId);
        return { watermark: before, accepted: 0, duplicates: records.length };
      }
      // Usually every record is new and the batch is stored as received.
      const bytes = fresh.length === records.length ? batch : Buffer.concat(fresh.map((r) => batch.subarray(r.start, r.end)));
      const lastSeq = fresh[fresh.length - 1]!.seq;
      this.#sql('INSERT INTO journal (agent_id, first_seq, last_seq, received_at, records) VALUES (?, ?, ?, ?, ?)').run(agentId, fresh[0]!.seq, lastSeq, now, bytes);
      this.#sql('UPDATE agents SET watermark = ?, last_seen = ? WHERE id = ?').run(lastSeq, now, agentId);
      return { watermark: lastSeq, accepted: fresh.length, duplicates: records.length - fresh.length };
    });
  }

  async read(afterId: number, limit: number): Promise<JournalEntry[]> {
    const rows = this.#sql('SELECT id, agent_id, first_seq, last_seq, received_at, records FROM journal WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as {
      id: number; agent_id: string; first_seq: number; last_seq: number; received_at: number; records: Uint8Array;
    }[];
    return rows.map((r) => ({ id: r.id, agentId: r.agent_id, firstSeq: r.first_seq, lastSeq: r.last_seq, receivedAt: r.received_at, records: r.records }));
  }

  async pending(): Promise<number> {
    return (this.#sql('SELECT count(*) AS n FROM journal').get() as { n: number }).n;
  }

  // --- state ---

  async processedUpTo(): Promise<number> {
    const row = this.#sql("SELECT value FROM positions WHERE name = 'processed'").get() as { value: number } | undefined;
    return row?.value ?? 0;
  }

  async commitProcessed(entry: ProcessedEntry): Promise<number[]> {
    return this.#transaction(() => {
      const insertEvent = this.#sql('INSERT INTO events (agent_id, seq, dataset, timestamp, doc) VALUES (?, ?, ?, ?, ?)');
      for (const e of entry.events) insertEvent.run(e.agentId, e.seq, e.dataset, e.timestamp, e.doc);
      const insertQuarantine = this.#sql('INSERT INTO quarantine (agent_id, seq, received_at, source, code, reason, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const q of entry.quarantined) insertQuarantine.run(q.agentId, q.seq, q.receivedAt, q.source, q.code, q.reason, q.data);
      const updateAlert = this.#sql('UPDATE alerts SET count = ?, last_seen = ? WHERE id = ?');
      for (const a of entry.updatedAlerts) updateAlert.run(a.count, a.lastSeen, a.id);
      const insertAlert = this.#sql(
        'INSERT INTO alerts (rule_id, dedup_key, dataset, severity, title, status, count, first_seen, last_seen, created_at, sample) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const opened = entry.openedAlerts.map((a) =>
        Number(insertAlert.run(a.ruleId, a.dedupKey, a.dataset, a.severity, a.title, a.status, a.count, a.firstSeen, a.lastSeen, a.createdAt, a.sample).lastInsertRowid),
      );
      const putWindow = this.#sql('INSERT OR REPLACE INTO rule_windows (rule_id, key, timestamps) VALUES (?, ?, ?)');
      const dropWindow = this.#sql('DELETE FROM rule_windows WHERE rule_id = ? AND key = ?');
      for (const w of entry.ruleWindows) {
        if (w.timestamps.length === 0) dropWindow.run(w.ruleId, w.key);
        else putWindow.run(w.ruleId, w.key, JSON.stringify(w.timestamps));
      }
      this.#applyInventory(entry.inventory);
      const report = this.#sql('UPDATE agents SET version = ?, hostname = ?, backlog_records = ? WHERE id = ?');
      for (const r of entry.agentReports) report.run(r.version, r.hostname, r.backlogRecords, r.agentId);
      this.#sql('DELETE FROM journal WHERE id <= ?').run(entry.journalId);
      this.#sql("INSERT INTO positions (name, value) VALUES ('processed', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(entry.journalId);
      return opened;
    });
  }

  async activeAlert(ruleId: string, dedupKey: string): Promise<Alert | undefined> {
    const row = this.#sql("SELECT * FROM alerts WHERE rule_id = ? AND dedup_key = ? AND status != 'closed' ORDER BY id DESC LIMIT 1").get(ruleId, dedupKey);
    return row ? toAlert(row as unknown as AlertRow) : undefined;
  }

  async ruleWindow(ruleId: string, key: string): Promise<number[]> {
    const row = this.#sql('SELECT timestamps FROM rule_windows WHERE rule_id = ? AND key = ?').get(ruleId, key) as { timestamps: string } | undefined;
    return row ? (JSON.parse(row.timestamps) as number[]) : [];
  }

  async listAlerts(query: { status?: AlertStatus; limit: number }): Promise<Alert[]> {
    const rows = query.status
      ? this.#sql('SELECT * FROM alerts WHERE status = ? ORDER BY id DESC LIMIT ?').all(query.status, query.limit)
      : this.#sql('SELECT * FROM alerts ORDER BY id DESC LIMIT ?').all(query.limit);
    return (rows as unknown as AlertRow[]).map(toAlert);
  }

  async listEvents(query: { dataset?: string; afterId?: number; limit: number }): Promise<{ id: number; doc: string }[]> {
    const after = query.afterId ?? 0;
    const rows = query.dataset
      ? this.#sql('SELECT id, doc FROM events WHERE dataset = ? AND id > ? ORDER BY id LIMIT ?').all(query.dataset, after, query.limit)
      : this.#sql('SELECT id, doc FROM events WHERE id > ? ORDER BY id LIMIT ?').all(after, query.limit);
    return rows as { id: number; doc: string }[];
  }

  async listAgents(): Promise<AgentRow[]> {
    const rows = this.#sql('SELECT * FROM agents ORDER BY id').all() as {
      id: string; watermark: number; first_seen: number; last_seen: number; version: string | null; hostname: string | null; backlog_records: number | null;
    }[];
    return rows.map((r) => ({ id: r.id, watermark: r.watermark, firstSeen: r.first_seen, lastSeen: r.last_seen, version: r.version, hostname: r.hostname, backlogRecords: r.backlog_records }));
  }

  async listQuarantine(query: { limit: number }): Promise<(QuarantineEntry & { id: number })[]> {
    const rows = this.#sql('SELECT * FROM quarantine ORDER BY id DESC LIMIT ?').all(query.limit) as {
      id: number; agent_id: string; seq: number; received_at: number; source: string; code: string; reason: string; data: Uint8Array;
    }[];
    return rows.map((r) => ({ id: r.id, agentId: r.agent_id, seq: r.seq, receivedAt: r.received_at, source: r.source, code: r.code, reason: r.reason, data: r.data }));
  }

  async inventoryItems(agentId: string, generator: string, page: { after?: string; limit?: number } = {}): Promise<InventoryItem[]> {
    const rows = this.#sql('SELECT key, value, hash FROM inventory_items WHERE agent_id = ? AND generator = ? AND key > ? ORDER BY key LIMIT ?')
      .all(agentId, generator, page.after ?? '', page.limit ?? -1) as unknown as InventoryItem[];
    // SQLite orders by UTF-8 bytes; the checksum needs JavaScript's string order.
    return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async inventoryStates(agentId: string): Promise<InventoryState[]> {
    const rows = this.#sql('SELECT * FROM inventory_state WHERE agent_id = ? ORDER BY generator').all(agentId) as {
      agent_id: string; generator: string; checksum: string; item_count: number; verified: number; resync_requested: number; updated_at: number;
    }[];
    return rows.map((r) => ({
      agentId: r.agent_id, generator: r.generator, checksum: r.checksum, itemCount: r.item_count,
      verified: r.verified === 1, resyncRequested: r.resync_requested === 1, updatedAt: r.updated_at,
    }));
  }

  async pendingResyncs(agentId: string): Promise<string[]> {
    const rows = this.#sql('SELECT generator FROM inventory_state WHERE agent_id = ? AND resync_requested = 1 ORDER BY generator').all(agentId) as { generator: string }[];
    return rows.map((r) => r.generator);
  }

  #applyInventory(changes: readonly InventoryChange[]): void {
    const clear = this.#sql('DELETE FROM inventory_items WHERE agent_id = ? AND generator = ?');
    const upsert = this.#sql('INSERT INTO inventory_items (agent_id, generator, key, value, hash) VALUES (?, ?, ?, ?, ?) ON CONFLICT (agent_id, generator, key) DO UPDATE SET value = excluded.value, hash = excluded.hash');
    const remove = this.#sql('DELETE FROM inventory_items WHERE agent_id = ? AND generator = ? AND key = ?');
    const state = this.#sql(
      'INSERT INTO inventory_state (agent_id, generator, checksum, item_count, verified, resync_requested, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (agent_id, generator) DO UPDATE SET checksum = excluded.checksum, item_count = excluded.item_count, verified = excluded.verified, resync_requested = excluded.resync_requested, updated_at = excluded.updated_at',
    );
    for (const c of changes) {
      if (c.replace) clear.run(c.agentId, c.generator);
      for (const key of c.deletes) remove.run(c.agentId, c.generator, key);
      for (const item of c.upserts) upsert.run(c.agentId, c.generator, item.key, item.value, item.hash);
      // A copy that does not match asks for a resync; a matching one (after a resync) clears the request.
      state.run(c.agentId, c.generator, c.checksum, c.itemCount, c.verified ? 1 : 0, c.verified ? 0 : 1, Date.now());
    }
  }

  #sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }
}

interface AlertRow {
  id: number; rule_id: string; dedup_key: string; dataset: string; severity: string; title: string; status: string;
  count: number; first_seen: number; last_seen: number; created_at: number; sample: string;
}

function toAlert(r: AlertRow): Alert {
  return {
    id: r.id, ruleId: r.rule_id, dedupKey: r.dedup_key, dataset: r.dataset, severity: r.severity as Alert['severity'], title: r.title,
    status: r.status as AlertStatus, count: r.count, firstSeen: r.first_seen, lastSeen: r.last_seen, createdAt: r.created_at, sample: r.sample,
  };
}
