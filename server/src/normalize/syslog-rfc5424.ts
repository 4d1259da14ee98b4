/**
 * Strict RFC 5424 parser:
 *
 *   <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
 *
 * A single walk over the string with an index; every deviation from the
 * RFC's ABNF is a SyslogParseError that says what was expected where.
 */
import { BOM, DASH, LBRACKET, SP, SyslogParseError, found, isDigit, priLength, readPri, toText } from './syslog-common.ts';
import type { SyslogMessage } from './syslog-common.ts';
import { readStructuredData } from './syslog-structured-data.ts';
import { parseDateTime } from './syslog-time.ts';

/**
 * End of the header field (printable US-ASCII, at most `max` characters)
 * starting at `start`, which must be followed by a space.
 */
function fieldEnd(s: string, start: number, max: number, name: string): number {
  const limit = Math.min(s.length, start + max + 1);
  let i = start;
  while (i < limit) {
    const c = s.charCodeAt(i);
    if (c <= SP || c >= 127) break;
    i++;
  }
  if (i === start) {
    throw new SyslogParseError(`expected ${name} ('-' or 1 to ${max} printable US-ASCII characters), found ${found(s, i)}`, i);
  }
  if (i - start > max) throw new SyslogParseError(`${name} longer than ${max} characters`, start + max);
  if (s.charCodeAt(i) !== SP) throw new SyslogParseError(`expected a space after ${name}, found ${found(s, i)}`, i);
  return i;
}

/** The field s[start, end), or undefined for the NILVALUE '-'. */
function nil(s: string, start: number, end: number): string | undefined {
  return end - start === 1 && s.charCodeAt(start) === DASH ? undefined : s.slice(start, end);
}

export function parseRfc5424(input: Buffer | string): SyslogMessage {
  const s = toText(input);
  const priority = readPri(s, 0);
  let i = priLength(priority);

  const versionAt = i;
  let version = 0;
  while (i - versionAt < 4 && isDigit(s.charCodeAt(i))) version = version * 10 + s.charCodeAt(i++) - 48;
  if (i === versionAt || s.charCodeAt(versionAt) === 48) {
    throw new SyslogParseError(`expected VERSION (1 to 999, no leading zero) after PRI, found ${found(s, versionAt)}`, versionAt);
  }
  if (i - versionAt > 3) throw new SyslogParseError('VERSION must be 1 to 999', versionAt);
  if (s.charCodeAt(i) !== SP) throw new SyslogParseError(`expected a space after VERSION, found ${found(s, i)}`, i);
  i++;

  let timestamp: Date | undefined;
  let timestampText: string | undefined;
  if (s.charCodeAt(i) === DASH) {
    i++;
  } else {
    let end = s.indexOf(' ', i);
    if (end < 0) end = s.length;
    timestamp = new Date(parseDateTime(s, i, end, false, 'UTC'));
    timestampText = s.slice(i, end);
    i = end;
  }
  if (s.charCodeAt(i) !== SP) throw new SyslogParseError(`expected a space after TIMESTAMP, found ${found(s, i)}`, i);

  let start = i + 1;
  i = fieldEnd(s, start, 255, 'HOSTNAME');
  const hostname = nil(s, start, i);
  start = i + 1;
  i = fieldEnd(s, start, 48, 'APP-NAME');
  const appName = nil(s, start, i);
  start = i + 1;
  i = fieldEnd(s, start, 128, 'PROCID');
  const procId = nil(s, start, i);
  start = i + 1;
  i = fieldEnd(s, start, 32, 'MSGID');
  const msgId = nil(s, start, i);
  i++;

  let structuredData: Record<string, Record<string, string>> | undefined;
  const c = s.charCodeAt(i);
  if (c === DASH) {
    i++;
  } else if (c === LBRACKET) {
    structuredData = {};
    i = readStructuredData(s, i, structuredData);
  } else {
    throw new SyslogParseError(`expected STRUCTURED-DATA ('-' or '['), found ${found(s, i)}`, i);
  }

  let message = '';
  if (i < s.length) {
    if (s.charCodeAt(i) !== SP) throw new SyslogParseError(`expected a space or end of message after STRUCTURED-DATA, found ${found(s, i)}`, i);
    // The BOM marks MSG as UTF-8 (RFC 5424 §6.4); it is not content.
    message = s.charCodeAt(i + 1) === BOM ? s.slice(i + 2) : s.slice(i + 1);
  }

  // Same keys in the same order as the RFC 3164 parser, so every message has one shape.
  return {
    format: 'rfc5424',
    priority,
    facility: priority >> 3,
    severity: priority & 7,
    version,
    timestamp,
    timestampText,
    hostname,
    appName,
    procId,
    msgId,
    structuredData,
    sequence: undefined,
    message,
  };
}
