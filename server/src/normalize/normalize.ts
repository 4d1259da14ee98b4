/**
 * normalize: one journal record in, events or a quarantine entry out. Pure;
 * the pipeline decides what to store.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { describeError, Format, readRawRecord, RecordSchema, type Delta, type ErrorCode, type RawRecordView } from '@picket/shared';
import { deltaToEvents } from './delta.ts';
import type { NormalizedEvent } from './event.ts';
import { parseSyslog, type SyslogParseOptions } from './syslog.ts';
import { syslogToEvent } from './syslog-event.ts';

export type Normalized =
  | { kind: 'events'; events: NormalizedEvent[]; delta?: Delta }
  | { kind: 'status'; version: string; hostname: string; backlogRecords: number }
  | { kind: 'quarantine'; source: string; code: ErrorCode; reason: string };

export interface NormalizeContext {
  agentId: string;
  seq: number;
  syslog: SyslogParseOptions;
}

export function normalizeRecord(bytes: Uint8Array, ctx: NormalizeContext): Normalized {
  let record;
  try {
    // Raw events are most of the traffic: read them without building messages.
    const raw = readRawRecord(bytes);
    if (raw) return normalizeRaw(raw, ctx);
    record = fromBinary(RecordSchema, bytes);
  } catch (err) {
    return { kind: 'quarantine', source: 'unknown', code: 'RECORD_DECODE_FAILED', reason: describeError(err) };
  }
  const observedAt = new Date(Number(record.observedAtMicros / 1000n)).toISOString();
  const body = record.body;
  switch (body.case) {
    case 'delta':
      try {
        return { kind: 'events', events: deltaToEvents(body.value, { agentId: ctx.agentId, seq: ctx.seq, observedAt }), delta: body.value };
      } catch (err) {
        return { kind: 'quarantine', source: body.value.generator, code: 'PARSE_FAILED', reason: `delta: ${describeError(err)}` };
      }
    case 'status':
      return { kind: 'status', version: body.value.version, hostname: body.value.hostname, backlogRecords: Number(body.value.backlogRecords) };
    default:
      return { kind: 'quarantine', source: 'unknown', code: 'RECORD_EMPTY', reason: `record ${ctx.seq} has no body` };
  }
}

function normalizeRaw(raw: RawRecordView, ctx: NormalizeContext): Normalized {
  if (raw.format !== Format.SYSLOG) {
    return { kind: 'quarantine', source: raw.source, code: 'FORMAT_UNSUPPORTED', reason: `format ${raw.format} is not one this server parses` };
  }
  const observed = new Date(Math.floor(raw.observedAtMicros / 1000));
  const observedAt = observed.toISOString();
  // Decoded once: parsed from, and kept as event.original (invalid UTF-8 becomes U+FFFD either way).
  const original = Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength).toString('utf8');
  try {
    const message = parseSyslog(original, { ...ctx.syslog, now: observed });
    return {
      kind: 'events',
      events: [syslogToEvent(message, { agentId: ctx.agentId, seq: ctx.seq, dataset: raw.source, observedAt, peer: raw.peer, truncated: raw.truncated, original })],
    };
  } catch (err) {
    return { kind: 'quarantine', source: raw.source, code: 'PARSE_FAILED', reason: `syslog: ${describeError(err)}` };
  }
}
