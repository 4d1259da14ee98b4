/**
 * What the RFC 5424 and RFC 3164 syslog parsers share: the result type, the
 * error they throw, input decoding, PRI and a few character helpers.
 */

export interface SyslogMessage {
  format: 'rfc5424' | 'rfc3164';
  /** PRI value 0..191. RFC 3164 messages without a PRI get 13 (user.notice), as RFC 3164 §4.3.3 tells relays to do. */
  priority: number;
  /** priority >> 3 */
  facility: number;
  /** priority & 7 */
  severity: number;
  /** RFC 5424 only. */
  version?: number;
  /** Parsed time, or undefined when the message has none (NILVALUE or missing). */
  timestamp?: Date;
  /** The timestamp exactly as written in the message. */
  timestampText?: string;
  hostname?: string;
  /** RFC 3164: the TAG's program part. */
  appName?: string;
  /** Always a string. */
  procId?: string;
  msgId?: string;
  /** SD-ID -> { param: value } with escapes (\" \\ \]) removed. A repeated PARAM-NAME keeps its last value. */
  structuredData?: Record<string, Record<string, string>>;
  /** Cisco sequence number, RFC 3164 variants. */
  sequence?: string;
  /** '' when absent. */
  message: string;
}

export interface SyslogParseOptions {
  /** Zone for RFC 3164 timestamps without one: 'UTC' (default), a fixed offset such as '+05:00', or an IANA zone such as 'Europe/Berlin'. */
  timeZone?: string;
  /** "Now", for inferring the year of RFC 3164 timestamps (a date more than ~1 month in the future belongs to the previous year). Default: new Date(). */
  now?: Date;
  /** Year for RFC 3164 timestamps without one, instead of inferring it from `now`. */
  year?: number;
}

/**
 * Why a message was rejected. `reason` says what was expected and what was
 * found; `offset` is where, in UTF-16 code units of the decoded text (the
 * same as the byte offset within the ASCII header). The message reads
 * "<reason> at offset <offset>", which is what users see as a quarantine reason.
 */
export class SyslogParseError extends Error {
  readonly reason: string;
  readonly offset: number;

  constructor(reason: string, offset: number) {
    super(`${reason} at offset ${offset}`);
    this.name = 'SyslogParseError';
    this.reason = reason;
    this.offset = offset;
  }
}

export const SP = 32;
export const QUOTE = 34;
export const DASH = 45;
export const DOT = 46;
export const COLON = 58;
export const LT = 60;
export const EQUALS = 61;
export const GT = 62;
export const LBRACKET = 91;
export const BACKSLASH = 92;
export const RBRACKET = 93;
export const BOM = 0xfeff;

/**
 * Decodes bytes as UTF-8; invalid sequences become U+FFFD so a message with a
 * bad byte is still kept. Typed `unknown` because callers outside TypeScript
 * can pass anything, and the parsers promise to throw only SyslogParseError.
 */
export function toText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (Buffer.isBuffer(input)) return input.toString('utf8');
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  throw new SyslogParseError('expected a Buffer or a string as input', 0);
}

/** Describes the character at `i` for an error message. */
export function found(s: string, i: number): string {
  if (i >= s.length) return 'end of message';
  const c = s.codePointAt(i)!;
  if (c === SP) return 'a space';
  if (c > SP && c < 127) return `'${s[i]}'`;
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Reads "<PRI>" at `start` and returns the PRI value; the PRI then ends at
 * start + priLength(value), because leading zeros are rejected.
 */
export function readPri(s: string, start: number): number {
  if (s.charCodeAt(start) !== LT) throw new SyslogParseError(`expected '<' to start PRI, found ${found(s, start)}`, start);
  const first = start + 1;
  let i = first;
  let value = 0;
  while (i - first < 4 && isDigit(s.charCodeAt(i))) value = value * 10 + s.charCodeAt(i++) - 48;
  if (i === first) throw new SyslogParseError(`expected a PRI value (0 to 191) after '<', found ${found(s, first)}`, first);
  if (i - first > 1 && s.charCodeAt(first) === 48) throw new SyslogParseError('PRI value must not have leading zeros', first);
  if (i - first > 3 || value > 191) throw new SyslogParseError('PRI value must be 0 to 191', first);
  if (s.charCodeAt(i) !== GT) throw new SyslogParseError(`expected '>' after the PRI value, found ${found(s, i)}`, i);
  return value;
}

/** Length of "<PRI>" for a PRI value read by readPri. */
export function priLength(value: number): number {
  return value < 10 ? 3 : value < 100 ? 4 : 5;
}

/**
 * Sets a key on a plain object. A plain assignment of "__proto__" would
 * replace the object's prototype instead of adding the key, and SD-IDs and
 * PARAM-NAMEs come straight from the network.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
