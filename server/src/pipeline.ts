/**
 * The processing pipeline: reads the intake journal in order and, per
 * entry, normalizes every record, runs detection, deduplicates alerts, and
 * commits events, quarantine entries, alert changes and the new position in
 * one transaction. New alerts are emitted after that commit. Processing is
 * decoupled from acknowledging: intake only appends to the journal.
 */
import type { Logger } from '@picket/shared';
import type { Delta } from '@picket/shared';
import { AlertBook } from './dedup.ts';
import type { AnalyzerEngine } from './detect/analyzer-engine.ts';
import type { Item, StateChange } from './detect/define-analyzer.ts';
import type { DetectionEngine } from './detect/engine.ts';
import type { EmitterRouter } from './emit/router.ts';
import { recordSpans } from './intake/batch-scan.ts';
import { InventoryBook } from './inventory.ts';
import type { ServerMetrics } from './metrics.ts';
import { normalizeRecord } from './normalize/normalize.ts';
import type { SyslogParseOptions } from './normalize/syslog.ts';
import type { IntakeJournal, JournalEntry, ProcessedEntry, StateStore } from './store/store.ts';

export interface PipelineOptions {
  journal: IntakeJournal;
  state: StateStore;
  engine: DetectionEngine;
  analyzers: AnalyzerEngine;
  emitters: EmitterRouter;
  metrics: ServerMetrics;
  logger: Logger;
  syslog: SyslogParseOptions;
  /** An agent's copy of some state failed verification: tell it now rather than with its next batch. */
  onResyncRequested?(agentId: string): void;
}

const ENTRIES_PER_READ = 16;
// Records processed between yields to the event loop, so that intake keeps
// acknowledging while a large entry is processed.
const RECORDS_PER_SLICE = 100;
const IDLE_POLL_MS = 1000;

export class Pipeline {
  readonly #options: PipelineOptions;
  #position = 0;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;

  constructor(options: PipelineOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#position = await this.#options.state.processedUpTo();
    this.#running = this.#loop();
  }

  /** New journal entries are waiting. */
  notify(): void {
    this.#wake?.();
  }

  /** Finishes the entry in progress and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.notify();
    await this.#running;
  }

  /**
   * Resolves once every entry journaled so far is processed, or after
   * `timeoutMs`: what is left is processed at the next start.
   */
  async drained(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.#options.journal.pending()) > 0 && !this.#stopping && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async #loop(): Promise<void> {
    const { journal, logger, metrics } = this.#options;
    while (!this.#stopping) {
      let entries: JournalEntry[];
      try {
        entries = await journal.read(this.#position, ENTRIES_PER_READ);
        metrics.journalPending.set(await journal.pending());
      } catch (err) {
        logger.error({ err, code: 'STORE_FAILED' }, 'could not read the intake journal');
        await this.#idle();
        continue;
      }
      if (entries.length === 0) {
        await this.#idle();
        continue;
      }
      for (const entry of entries) {
        if (this.#stopping) return;
        try {
          await this.#process(entry);
          this.#position = entry.id;
        } catch (err) {
          // A storage failure: retry the same entry later; nothing is skipped.
          logger.error({ err, code: 'STORE_FAILED', journalId: entry.id }, 'processing failed; will retry');
          await this.#idle();
          break;
        }
        // Let intake and HTTP run between entries.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Waits for `notify()` or the poll interval, whichever comes first. */
  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, IDLE_POLL_MS);
      this.#wake = done;
    });
  }

  /** Applies a delta to the inventory, checks its checksum, and runs the analyzers on it. */
  async #analyze(agentId: string, delta: Delta, time: number, inventory: InventoryBook, book: AlertBook): Promise<void> {
    const { analyzers, metrics, logger } = this.#options;
    const applied = await inventory.apply(agentId, delta);
    metrics.inventoryChecks.inc({ result: applied.verified ? 'ok' : 'mismatch' });
    if (!applied.verified) logger.warn({ agentId, generator: delta.generator }, "inventory differs from the agent's snapshot; asking the agent for a resync");
    const parse = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8')) as Item;
    const change: StateChange = {
      agentId,
      generator: delta.generator,
      baseline: delta.baseline,
      resync: delta.resync,
      added: delta.added.map((i) => ({ key: i.key, item: parse(i.value) })),
      removed: delta.removed.map((i) => ({ key: i.key, item: parse(i.value) })),
      modified: delta.modified.map((m) => ({ key: m.key, old: parse(m.old), new: parse(m.new), changedPaths: m.changedPaths })),
    };
    const findings = analyzers.analyze(change, applied.previous, applied.current, ({ analyzer, error }) => {
      metrics.analyzerErrors.inc({ analyzer: analyzer.id });
      logger.warn({ code: 'RULE_FAILED', analyzer: analyzer.id, detail: error, agentId }, 'analyzer threw');
    });
    for (const { analyzer, finding } of findings) {
      metrics.analyzerFindings.inc({ analyzer: analyzer.id });
      const sample = JSON.stringify({ '@timestamp': new Date(time).toISOString(), agent: { id: agentId }, generator: delta.generator, subject: finding.subject });
      await book.record({ ...analyzer, severity: finding.severity ?? analyzer.severity }, finding.dedupKey, finding.title, time, sample, delta.generator);
    }
  }

  async #process(entry: JournalEntry): Promise<void> {
    const { state, engine, emitters, metrics, logger } = this.#options;
    const book = new AlertBook(state);
    const inventory = new InventoryBook(state);
    const result: ProcessedEntry = { journalId: entry.id, events: [], quarantined: [], openedAlerts: [], updatedAlerts: [], ruleWindows: [], agentReports: [], inventory: [] };
    const bytes = Buffer.from(entry.records.buffer, entry.records.byteOffset, entry.records.byteLength);

    const spans = recordSpans(bytes);
    for (const [index, span] of spans.entries()) {
      if (index > 0 && index % RECORDS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const normalized = normalizeRecord(bytes.subarray(span.bodyStart, span.end), { agentId: entry.agentId, seq: span.seq, syslog: this.#options.syslog });
      if (normalized.kind === 'quarantine') {
        result.quarantined.push({
          agentId: entry.agentId, seq: span.seq, receivedAt: entry.receivedAt, source: normalized.source,
          code: normalized.code, reason: normalized.reason, data: bytes.subarray(span.bodyStart, span.end),
        });
        metrics.quarantined.inc({ source: normalized.source, code: normalized.code });
        continue;
      }
      if (normalized.kind === 'status') {
        result.agentReports.push({ agentId: entry.agentId, version: normalized.version, hostname: normalized.hostname, backlogRecords: normalized.backlogRecords, reportedAt: entry.receivedAt });
        continue;
      }
      if (normalized.delta) await this.#analyze(entry.agentId, normalized.delta, Date.parse(normalized.events[0]?.['@timestamp'] ?? '') || entry.receivedAt, inventory, book);
      for (const event of normalized.events) {
        const doc = JSON.stringify(event);
        const time = Date.parse(event['@timestamp']);
        result.events.push({ agentId: entry.agentId, seq: span.seq, dataset: event.event.dataset, timestamp: time, doc });
        metrics.events.inc({ dataset: event.event.dataset });
        const matches = engine.evaluate(event, ({ rule, error }) => {
          metrics.ruleErrors.inc({ rule: rule.id });
          logger.warn({ code: 'RULE_FAILED', rule: rule.id, detail: error, agentId: entry.agentId, seq: span.seq }, 'rule threw');
        });
        for (const match of matches) {
          metrics.ruleMatches.inc({ rule: match.rule.id });
          await book.record(match.rule, match.dedupKey, match.title, time, doc, event.event.dataset);
        }
      }
    }

    Object.assign(result, book.changes());
    result.inventory = inventory.changes();
    const openedIds = await state.commitProcessed(result);
    for (const agentId of new Set(result.inventory.filter((c) => !c.verified).map((c) => c.agentId))) this.#options.onResyncRequested?.(agentId);
    for (const [index, alert] of result.openedAlerts.entries()) {
      metrics.alertsOpened.inc({ rule: alert.ruleId });
      await emitters.emit({ ...alert, id: openedIds[index]! });
    }
  }
}
