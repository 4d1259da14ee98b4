/**
 * Syslog messages become events of the source's dataset ("syslog"), with
 * ECS fields and the parsed header kept under `log.syslog`.
 */
import type { NormalizedEvent } from './event.ts';
import type { SyslogMessage } from './syslog.ts';

export interface RawContext {
  agentId: string;
  seq: number;
  dataset: string;
  observedAt: string;
  peer: string;
  truncated: boolean;
  original: string;
}

/**
 * Built field by field rather than with conditional spreads: this runs for
 * every syslog line, and spreads made it the slowest step after decoding
 * (about 330,000 events/s against over a million, measured on the project's
 * 2-core machine).
 */
export function syslogToEvent(message: SyslogMessage, ctx: RawContext): NormalizedEvent {
  const timestamp = message.timestamp;
  const event: NormalizedEvent = {
    '@timestamp': timestamp && !Number.isNaN(timestamp.getTime()) ? timestamp.toISOString() : ctx.observedAt,
    message: message.message,
    event: { dataset: ctx.dataset, kind: 'event', created: ctx.observedAt, original: ctx.original },
    agent: { id: ctx.agentId },
    log: { syslog: { priority: message.priority, facility: { code: message.facility }, severity: { code: message.severity } } },
    picket: { seq: ctx.seq },
  };
  const syslog = event.log!.syslog!;
  if (ctx.peer) event.log!.source = { address: ctx.peer };
  if (message.version !== undefined) syslog.version = message.version;
  if (message.hostname) {
    event.host = { hostname: message.hostname };
    syslog.hostname = message.hostname;
  }
  if (message.appName) {
    event.process = { name: message.appName };
    syslog.appname = message.appName;
  }
  if (message.procId) {
    syslog.procid = message.procId;
    if (/^\d+$/.test(message.procId)) (event.process ??= {}).pid = Number(message.procId);
  }
  if (message.msgId) syslog.msgid = message.msgId;
  if (message.structuredData) syslog.structured_data = message.structuredData;
  if (ctx.truncated) event.picket.truncated = true;
  return event;
}
