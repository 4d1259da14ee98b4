/**
 * RFC 3164 (BSD) parser, lenient in the ways real senders need:
 *
 *   [<PRI>] [SEQ": "] ['*'|'.'] TIMESTAMP [':'] SP [HOSTNAME SP] [TAG ['[' PID ']'] ':'] [SD] MSG
 *
 * - PRI may be missing (13, user.notice, is assumed) or followed by spaces.
 * - SEQ and the '*' / '.' clock markers and the ':' after the timestamp are Cisco IOS.
 * - TIMESTAMP is "Mmm dd hh:mm:ss", "Mmm dd yyyy hh:mm:ss" (day padded with a
 *   space or a zero, full month names too, optional fraction) or an RFC 3339
 *   date-time as rsyslog forwards it; see parseDateTime for the lenient forms.
 *   Without a year, the year is inferred from `now`; without a zone, `timeZone` applies.
 * - HOSTNAME may be missing: a first word that reads as a TAG ("su:",
 *   "sshd[42]:", "haproxy[7]") is the TAG. Hostnames may be IPv4 or IPv6.
 * - SD in RFC 5424 syntax right after the TAG (rsyslog does this) becomes
 *   structuredData; anything else stays in the message.
 */
import {
  COLON, DASH, DOT, LBRACKET, LT, RBRACKET, SP, SyslogParseError, found, isDigit, priLength, readPri, toText,
} from './syslog-common.ts';
import type { SyslogMessage, SyslogParseOptions } from './syslog-common.ts';
import { readStructuredData } from './syslog-structured-data.ts';
import { checkDate, checkTime, daysInMonth, digits, fractionMillis, parseDateTime, zonedMillis } from './syslog-time.ts';

const DEFAULT_PRIORITY = 13;
const TIMESTAMP = "a timestamp ('Mmm dd hh:mm:ss' or an RFC 3339 date-time)";
const PRI_OR_TIMESTAMP = `'<' to start PRI, or ${TIMESTAMP}`;
const STAR = 42;
const DAY_MS = 86_400_000;
/** How far in the future a year-less date may be (sender clocks ahead of ours) before it is taken as last year's. */
const FUTURE_SLACK_MS = 31 * DAY_MS;

const MONTHS = new Map<string, number>();
for (const [index, name] of ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'].entries()) {
  MONTHS.set(name, index + 1);
  MONTHS.set(name.slice(0, 3), index + 1);
  MONTHS.set(name[0]!.toUpperCase() + name.slice(1, 3), index + 1);
}

function skipSpaces(s: string, i: number): number {
  while (s.charCodeAt(i) === SP) i++;
  return i;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isAlnum(c: number): boolean {
  return isLetter(c) || isDigit(c);
}

/** Program names seen in TAGs: "postfix/smtpd", "org.gnome.Shell.desktop", "(sd-pam)". Not '%', so Cisco's "%SYS-5-CONFIG_I:" stays in MSG. */
function isTagChar(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 95 || c === DOT || c === 47 || c === 64 || c === 43 || c === 40 || c === 41 || c === 35 || c === 126;
}

function isHostChar(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 95 || c === DOT || c === COLON;
}

export function parseRfc3164(input: Buffer | string, options?: SyslogParseOptions): SyslogMessage {
  const s = toText(input);
  // Same keys in the same order as the RFC 5424 parser, so every message has one shape.
  const msg: SyslogMessage = {
    format: 'rfc3164',
    priority: DEFAULT_PRIORITY,
    facility: DEFAULT_PRIORITY >> 3,
    severity: DEFAULT_PRIORITY & 7,
    version: undefined,
    timestamp: undefined,
    timestampText: undefined,
    hostname: undefined,
    appName: undefined,
    procId: undefined,
    msgId: undefined,
    structuredData: undefined,
    sequence: undefined,
    message: '',
  };
  let i = 0;
  const hasPri = s.charCodeAt(0) === LT;
  if (hasPri) {
    const priority = readPri(s, 0);
    msg.priority = priority;
    msg.facility = priority >> 3;
    msg.severity = priority & 7;
    i = priLength(priority);
  }
  i = readSequence(s, skipSpaces(s, i), msg);
  const marker = s.charCodeAt(i);
  if (marker === STAR || marker === DOT) i++;
  const c = s.charCodeAt(i);
  if (isDigit(c) && s.charCodeAt(i + 4) === DASH) {
    i = readIsoTimestamp(s, i, msg, options);
  } else if (isLetter(c)) {
    i = readBsdTimestamp(s, i, msg, options, hasPri);
  } else {
    throw new SyslogParseError(`expected ${hasPri ? TIMESTAMP : PRI_OR_TIMESTAMP}, found ${found(s, i)}`, i);
  }
  if (s.charCodeAt(i) === COLON) i++;
  if (i < s.length && s.charCodeAt(i) !== SP) throw new SyslogParseError(`expected a space after the timestamp, found ${found(s, i)}`, i);
  i = skipSpaces(s, i);
  if (i < s.length) i = readHostAndTag(s, i, msg);
  if (i < s.length) msg.message = s.slice(i);
  return msg;
}

/** Cisco's "123: " before the timestamp. */
function readSequence(s: string, start: number, msg: SyslogMessage): number {
  let i = start;
  while (i - start < 20 && isDigit(s.charCodeAt(i))) i++;
  if (i === start || s.charCodeAt(i) !== COLON || s.charCodeAt(i + 1) !== SP) return start;
  msg.sequence = s.slice(start, i);
  return skipSpaces(s, i + 1);
}

function readIsoTimestamp(s: string, start: number, msg: SyslogMessage, options: SyslogParseOptions | undefined): number {
  let end = s.indexOf(' ', start);
  if (end < 0) end = s.length;
  // "2018-06-19 02:13:38": a date alone, followed by a time, takes the next word with it.
  if (end - start === 10 && isDigit(s.charCodeAt(end + 1))) {
    end = s.indexOf(' ', end + 1);
    if (end < 0) end = s.length;
  }
  msg.timestamp = new Date(parseDateTime(s, start, end, true, options?.timeZone ?? 'UTC'));
  msg.timestampText = s.slice(start, end);
  return end;
}

function readBsdTimestamp(s: string, start: number, msg: SyslogMessage, options: SyslogParseOptions | undefined, hasPri: boolean): number {
  let i = start;
  while (i - start < 10 && isLetter(s.charCodeAt(i))) i++;
  const word = s.slice(start, i);
  const month = MONTHS.get(word) ?? MONTHS.get(word.toLowerCase());
  if (month === undefined) {
    throw new SyslogParseError(`expected ${hasPri ? TIMESTAMP : PRI_OR_TIMESTAMP}, found '${word}'`, start);
  }
  if (s.charCodeAt(i) !== SP) throw new SyslogParseError(`invalid timestamp: expected a space after the month, found ${found(s, i)}`, i);
  const dayAt = i = skipSpaces(s, i);
  let day = 0;
  while (i - dayAt < 2 && isDigit(s.charCodeAt(i))) day = day * 10 + s.charCodeAt(i++) - 48;
  if (i === dayAt) throw new SyslogParseError(`invalid timestamp: expected a day of the month, found ${found(s, i)}`, i);
  if (day < 1 || day > 31) throw new SyslogParseError(`invalid timestamp: day ${day} is not 1 to 31`, dayAt);
  if (s.charCodeAt(i) !== SP) throw new SyslogParseError(`invalid timestamp: expected a space after the day, found ${found(s, i)}`, i);
  i = skipSpaces(s, i);
  let year = -1;
  if (s.charCodeAt(i + 4) === SP) {
    year = digits(s, i, 4);
    if (year >= 0) i = skipSpaces(s, i + 4);
  }

  const timeAt = i;
  const hour = digits(s, i, 2);
  const minute = s.charCodeAt(i + 2) === COLON ? digits(s, i + 3, 2) : -1;
  const second = s.charCodeAt(i + 5) === COLON ? digits(s, i + 6, 2) : -1;
  if (hour < 0 || minute < 0 || second < 0) {
    throw new SyslogParseError(`invalid timestamp: expected a time hh:mm:ss after the ${year < 0 ? 'day' : 'year'}, found ${found(s, i)}`, i);
  }
  checkTime(hour, minute, second, timeAt);
  i += 8;
  let ms = 0;
  if (s.charCodeAt(i) === DOT && isDigit(s.charCodeAt(i + 1))) {
    const fracAt = ++i;
    while (i - fracAt < 10 && isDigit(s.charCodeAt(i))) i++;
    if (i - fracAt > 9) throw new SyslogParseError('invalid timestamp: more than 9 fraction digits', fracAt + 9);
    ms = fractionMillis(s, fracAt, i);
  }

  const zone = options?.timeZone ?? 'UTC';
  let t: number;
  const fixedYear = options?.year;
  if (year >= 0 || (fixedYear !== undefined && Number.isInteger(fixedYear))) {
    if (year < 0) year = fixedYear!;
    checkDate(year, month, day, start, dayAt);
    t = zonedMillis(zone, year, month, day, hour, minute, second, ms);
  } else {
    t = inferYear(zone, month, day, hour, minute, second, ms, options?.now, dayAt);
  }
  if (Number.isNaN(t)) throw new SyslogParseError(`unknown time zone '${zone}' in the parser options`, start);
  msg.timestamp = new Date(t);
  msg.timestampText = s.slice(start, i);
  return i;
}

/** The latest of last, this and next year that does not put the date more than FUTURE_SLACK_MS after `now`. */
function inferYear(
  zone: string, month: number, day: number, hour: number, minute: number, second: number, ms: number,
  now: Date | undefined, dayAt: number,
): number {
  let nowMs = now === undefined ? Date.now() : now.getTime();
  if (Number.isNaN(nowMs)) nowMs = Date.now();
  const limit = nowMs + FUTURE_SLACK_MS;
  const thisYear = new Date(nowMs).getUTCFullYear();
  // Next year can only qualify when the limit reaches into it (a day's margin covers any zone).
  const first = limit >= Date.UTC(thisYear + 1, 0, 1) - DAY_MS ? thisYear + 1 : thisYear;
  for (let year = first; year >= thisYear - 1; year--) {
    if (day > daysInMonth(year, month)) continue;
    const t = zonedMillis(zone, year, month, day, hour, minute, second, ms);
    if (Number.isNaN(t) || t <= limit) return t;
  }
  throw new SyslogParseError(`invalid timestamp: day ${day} does not exist in month ${month} of the inferred year`, dayAt);
}

/** Reads the optional HOSTNAME and TAG (and SD after the TAG); returns where MSG starts. */
function readHostAndTag(s: string, start: number, msg: SyslogMessage): number {
  // "<34>Oct 11 22:14:15 : a message": neither host nor tag. ("::1" is a host.)
  if (s.charCodeAt(start) === COLON && (start + 1 === s.length || s.charCodeAt(start + 1) === SP)) return skipSpaces(s, start + 1);
  let i = readTag(s, start, msg);
  if (i < 0) {
    const hostEnd = hostnameEnd(s, start);
    if (hostEnd < 0) return start;
    msg.hostname = s.slice(start, hostEnd);
    const tagAt = skipSpaces(s, hostEnd);
    i = readTag(s, tagAt, msg);
    if (i < 0) return tagAt;
  }
  i = skipSpaces(s, i);
  return s.charCodeAt(i) === LBRACKET ? readTrailingSd(s, i, msg) : i;
}

/**
 * Reads "name:", "name[pid]:" or "name[pid]" at `start` into appName and
 * procId and returns the index after it, or -1 when the text there is not a
 * TAG. A bare "name:" must be followed by a space, so that IPv6 hosts ("1::")
 * and URLs are not taken for TAGs.
 */
function readTag(s: string, start: number, msg: SyslogMessage): number {
  let i = start;
  while (i < s.length && isTagChar(s.charCodeAt(i))) i++;
  if (i === start) return -1;
  const nameEnd = i;
  let procId: string | undefined;
  if (s.charCodeAt(i) === LBRACKET) {
    const pidAt = i + 1;
    i = pidAt;
    while (i - pidAt <= 128 && s.charCodeAt(i) > SP && s.charCodeAt(i) < 127 && s.charCodeAt(i) !== RBRACKET) i++;
    if (i === pidAt || i - pidAt > 128 || s.charCodeAt(i) !== RBRACKET) return -1;
    procId = s.slice(pidAt, i);
    i++;
    if (s.charCodeAt(i) === COLON) i++;
    else if (i < s.length && s.charCodeAt(i) !== SP) return -1;
  } else if (s.charCodeAt(i) === COLON && (i + 1 === s.length || s.charCodeAt(i + 1) === SP)) {
    i++;
  } else {
    return -1;
  }
  msg.appName = s.slice(start, nameEnd);
  msg.procId = procId;
  return i;
}

/** End of a hostname (name, IPv4 or IPv6) at `start` that is followed by a space or the end, or -1. */
function hostnameEnd(s: string, start: number): number {
  let i = start;
  let alnum = false;
  while (i - start <= 255 && i < s.length && isHostChar(s.charCodeAt(i))) alnum = isAlnum(s.charCodeAt(i++)) || alnum;
  if (!alnum || i - start > 255 || (i < s.length && s.charCodeAt(i) !== SP)) return -1;
  return i;
}

/**
 * RFC 5424 SD after the TAG becomes structuredData when it parses and every
 * element has a parameter; otherwise it is message text, since "[ERROR]" or
 * a kernel "[12345.678]" would also parse as a parameterless element.
 */
function readTrailingSd(s: string, start: number, msg: SyslogMessage): number {
  const sd: Record<string, Record<string, string>> = {};
  let end: number;
  try {
    end = readStructuredData(s, start, sd);
  } catch (err) {
    if (err instanceof SyslogParseError) return start;
    throw err;
  }
  if (end < s.length && s.charCodeAt(end) !== SP) return start;
  for (const id in sd) if (Object.keys(sd[id]!).length === 0) return start;
  msg.structuredData = sd;
  return skipSpaces(s, end);
}
