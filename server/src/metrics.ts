/**
 * The server's Prometheus metrics, in one registry served at /metrics.
 * Every runtime failure increments a counter here as well as being logged.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly intakeBatches = new Counter({ name: 'picket_intake_batches_total', help: 'Batches received over gRPC, by result.', labelNames: ['result'], registers: [this.registry] });
  readonly intakeRecords = new Counter({ name: 'picket_intake_records_total', help: 'Records received, by result (accepted or duplicate).', labelNames: ['result'], registers: [this.registry] });
  readonly intakeStreams = new Gauge({ name: 'picket_intake_streams', help: 'Agent streams open now.', registers: [this.registry] });
  readonly events = new Counter({ name: 'picket_events_total', help: 'Normalized events stored, by dataset.', labelNames: ['dataset'], registers: [this.registry] });
  readonly quarantined = new Counter({ name: 'picket_quarantined_total', help: 'Records quarantined, by source and error code.', labelNames: ['source', 'code'], registers: [this.registry] });
  readonly ruleMatches = new Counter({ name: 'picket_rule_matches_total', help: 'Rule matches, by rule.', labelNames: ['rule'], registers: [this.registry] });
  readonly ruleErrors = new Counter({ name: 'picket_rule_errors_total', help: 'Rule evaluations that threw, by rule.', labelNames: ['rule'], registers: [this.registry] });
  readonly inventoryChecks = new Counter({ name: 'picket_inventory_checks_total', help: 'Deltas applied to the inventory, by whether the checksum matched (ok or mismatch).', labelNames: ['result'], registers: [this.registry] });
  readonly analyzerFindings = new Counter({ name: 'picket_analyzer_findings_total', help: 'Analyzer findings, by analyzer.', labelNames: ['analyzer'], registers: [this.registry] });
  readonly analyzerErrors = new Counter({ name: 'picket_analyzer_errors_total', help: 'Analyzer runs that threw, by analyzer.', labelNames: ['analyzer'], registers: [this.registry] });
  readonly alertsOpened = new Counter({ name: 'picket_alerts_opened_total', help: 'Alerts opened, by rule.', labelNames: ['rule'], registers: [this.registry] });
  readonly emitFailures = new Counter({ name: 'picket_emit_failures_total', help: 'Failed alert deliveries, by emitter.', labelNames: ['emitter'], registers: [this.registry] });
  readonly journalPending = new Gauge({ name: 'picket_journal_pending_entries', help: 'Acknowledged batches not yet processed.', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'picket_server_' });
  }
}
