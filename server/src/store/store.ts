/**
 * What the server keeps, behind two narrow interfaces: the intake journal
 * (durable before an acknowledgement) and the state store (agents, events,
 * alerts, rule windows, quarantine). The embedded implementation keeps both
 * in one SQLite file; the scale-out mode fills the same interfaces with NATS
 * JetStream and PostgreSQL.
 */
import type { Severity } from '../detect/define-rule.ts';

/** One acknowledged batch as it sits in the journal. */
export interface JournalEntry {
  id: number;
  agentId: string;
  firstSeq: number;
  lastSeq: number;
  receivedAt: number;
  /** `Batch.records` wire form, holding only records above the agent's earlier watermark. */
  records: Uint8Array;
}

/** A record of a batch, located by offsets into the batch's bytes. */
export interface RecordSpan {
  seq: number;
  /** Where the record's field starts (its tag) and ends: the span to copy. */
  start: number;
  end: number;
  /** Where the encoded Record itself starts: the span to decode is [bodyStart, end). */
  bodyStart: number;
}

export interface AppendResult {
  /** Highest seq now durable for the agent: what the server acknowledges. */
  watermark: number;
  accepted: number;
  duplicates: number;
}

export interface IntakeJournal {
  /** Highest seq durable for the agent; 0 for an agent never seen. */
  watermark(agentId: string): Promise<number>;
  /**
   * Makes the records above the agent's watermark durable, atomically with
   * the new watermark; records at or below it are duplicates and dropped.
   */
  append(agentId: string, batch: Uint8Array, records: readonly RecordSpan[]): Promise<AppendResult>;
  /** Entries after `afterId`, oldest first. */
  read(afterId: number, limit: number): Promise<JournalEntry[]>;
  /** Number of entries not yet processed. */
  pending(): Promise<number>;
}

export interface StoredEvent {
  agentId: string;
  seq: number;
  dataset: string;
  timestamp: number;
  doc: string;
}

export interface QuarantineEntry {
  agentId: string;
  seq: number;
  receivedAt: number;
  source: string;
  code: string;
  reason: string;
  data: Uint8Array;
}

export type AlertStatus = 'open' | 'acknowledged' | 'closed';

export interface Alert {
  id: number;
  ruleId: string;
  dedupKey: string;
  dataset: string;
  severity: Severity;
  title: string;
  status: AlertStatus;
  count: number;
  firstSeen: number;
  lastSeen: number;
  createdAt: number;
  /** The event that opened the alert (JSON). */
  sample: string;
}

export type NewAlert = Omit<Alert, 'id'>;

export interface AgentReport {
  agentId: string;
  version: string;
  hostname: string;
  backlogRecords: number;
  reportedAt: number;
}

export interface InventoryItem {
  key: string;
  /** The item as JSON. */
  value: string;
  hash: string;
}

/** What one journal entry changes in the inventory of an (agent, generator). */
export interface InventoryChange {
  agentId: string;
  generator: string;
  /** A baseline or resync: the items below are the whole state. */
  replace: boolean;
  upserts: InventoryItem[];
  deletes: string[];
  /** The agent's checksum, and whether the server's copy matched it. A mismatch asks the agent for a resync. */
  checksum: string;
  itemCount: number;
  verified: boolean;
}

export interface InventoryState {
  agentId: string;
  generator: string;
  checksum: string;
  itemCount: number;
  verified: boolean;
  resyncRequested: boolean;
  updatedAt: number;
}

/** Everything one processed journal entry changes, applied atomically. */
export interface ProcessedEntry {
  journalId: number;
  events: StoredEvent[];
  quarantined: QuarantineEntry[];
  openedAlerts: NewAlert[];
  updatedAlerts: Pick<Alert, 'id' | 'count' | 'lastSeen'>[];
  ruleWindows: { ruleId: string; key: string; timestamps: number[] }[];
  agentReports: AgentReport[];
  inventory: InventoryChange[];
}

export interface StateStore {
  /** Position of the last processed journal entry. */
  processedUpTo(): Promise<number>;
  /** Applies the entry's changes and moves the processed position, atomically. Returns the ids of opened alerts. */
  commitProcessed(entry: ProcessedEntry): Promise<number[]>;
  /** The newest alert for (rule, key) that is not closed. */
  activeAlert(ruleId: string, dedupKey: string): Promise<Alert | undefined>;
  ruleWindow(ruleId: string, key: string): Promise<number[]>;
  listAlerts(query: { status?: AlertStatus; limit: number }): Promise<Alert[]>;
  listEvents(query: { dataset?: string; afterId?: number; limit: number }): Promise<{ id: number; doc: string }[]>;
  listAgents(): Promise<AgentRow[]>;
  listQuarantine(query: { limit: number }): Promise<(QuarantineEntry & { id: number })[]>;
  /** The server's copy of a generator's state on an agent, sorted by key. */
  inventoryItems(agentId: string, generator: string, page?: { after?: string; limit?: number }): Promise<InventoryItem[]>;
  inventoryStates(agentId: string): Promise<InventoryState[]>;
  /** Generators of the agent whose copy failed verification and wait for a resync. */
  pendingResyncs(agentId: string): Promise<string[]>;
}

export interface AgentRow {
  id: string;
  watermark: number;
  firstSeen: number;
  lastSeen: number;
  version: string | null;
  hostname: string | null;
  backlogRecords: number | null;
}
