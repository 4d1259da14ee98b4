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

export function syslogToEvent(message: SyslogMessage, ctx: RawContext): NormalizedEvent {
  const pid = message.procId !== undefined && /^\d+$/.test(message.procId) ? Number(message.procId) : undefined;
  return {
    '@timestamp': message.timestamp && !Number.isNaN(message.timestamp.getTime()) ? message.timestamp.toISOString() : ctx.observedAt,
    message: message.message,
    event: { dataset: ctx.dataset, kind: 'event', created: ctx.observedAt, original: ctx.original },
    agent: { id: ctx.agentId },
    ...(message.hostname ? { host: { hostname: message.hostname } } : {}),
    ...(message.appName || pid !== undefined ? { process: { ...(message.appName ? { name: message.appName } : {}), ...(pid !== undefined ? { pid } : {}) } } : {}),
    log: {
      ...(ctx.peer ? { source: { address: ctx.peer } } : {}),
      syslog: {
        priority: message.priority,
        facility: { code: message.facility },
        severity: { code: message.severity },
        ...(message.version !== undefined ? { version: message.version } : {}),
        ...(message.hostname ? { hostname: message.hostname } : {}),
        ...(message.appName ? { appname: message.appName } : {}),
        ...(message.procId ? { procid: message.procId } : {}),
        ...(message.msgId ? { msgid: message.msgId } : {}),
        ...(message.structuredData ? { structured_data: message.structuredData } : {}),
      },
    },
    picket: { seq: ctx.seq, ...(ctx.truncated ? { truncated: true } : {}) },
  };
}
