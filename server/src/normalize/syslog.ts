/**
 * Syslog parsing for the server: parseSyslog tells RFC 5424 from RFC 3164
 * and hands the message to the matching parser. All three are pure
 * functions that throw only SyslogParseError.
 */
import { GT, LT, SyslogParseError, isDigit, toText } from './syslog-common.ts';
import type { SyslogMessage, SyslogParseOptions } from './syslog-common.ts';
import { parseRfc3164 } from './syslog-rfc3164.ts';
import { parseRfc5424 } from './syslog-rfc5424.ts';

export { SyslogParseError, parseRfc3164, parseRfc5424 };
export type { SyslogMessage, SyslogParseOptions };
export { isValidTimeZone } from './syslog-time.ts';

/** Whether `c` is ASCII whitespace that senders and framers leave around a message. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** RFC 5424 when the PRI is followed by VERSION 1 and a space; anything else is RFC 3164. */
function isRfc5424(s: string): boolean {
  if (s.charCodeAt(0) !== LT) return false;
  let i = 1;
  while (i < 4 && isDigit(s.charCodeAt(i))) i++;
  return i > 1 && s.charCodeAt(i) === GT && s.charCodeAt(i + 1) === 49 && s.charCodeAt(i + 2) === 32;
}

/**
 * Parses one syslog message of either format. Whitespace around the whole
 * message (a trailing newline, indentation) is dropped first.
 */
export function parseSyslog(input: Buffer | string, options?: SyslogParseOptions): SyslogMessage {
  let s = toText(input);
  let start = 0;
  if (s.length > 0 && (isBlank(s.charCodeAt(0)) || isBlank(s.charCodeAt(s.length - 1)))) {
    let end = s.length;
    while (start < end && isBlank(s.charCodeAt(start))) start++;
    while (end > start && isBlank(s.charCodeAt(end - 1))) end--;
    s = s.slice(start, end);
  }
  try {
    return isRfc5424(s) ? parseRfc5424(s) : parseRfc3164(s, options);
  } catch (err) {
    // Offsets must point into the input as received, not into the trimmed copy.
    if (start > 0 && err instanceof SyslogParseError) throw new SyslogParseError(err.reason, err.offset + start);
    throw err;
  }
}
