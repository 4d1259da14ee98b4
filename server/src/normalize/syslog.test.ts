import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { SyslogParseError, isValidTimeZone, parseRfc3164, parseRfc5424, parseSyslog } from './syslog.ts';
import type { SyslogMessage, SyslogParseOptions } from './syslog.ts';

// ---------------------------------------------------------------------------
// Third-party vectors (../shared/testdata/syslog, schema in its SOURCES.md).

const vectorsPath = fileURLToPath(new URL('../../../../shared/testdata/syslog/vectors.ndjson', import.meta.url));

interface TimestampParts {
  year?: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond?: number;
  utc_offset?: string;
}

interface Expected {
  priority?: number;
  facility?: number;
  severity?: number;
  version?: number;
  timestamp?: string;
  timestamp_epoch?: number;
  timestamp_nanos?: number;
  timestamp_parts?: TimestampParts;
  hostname?: string;
  appname?: string;
  procid?: string;
  msgid?: string;
  structured_data?: Record<string, Record<string, string>>;
  structured_data_raw?: string;
  sequence?: string;
  message?: string;
  message_b64?: string;
}

interface Vector {
  id: string;
  format: string;
  input?: string;
  input_b64?: string;
  expected?: Expected;
  error?: boolean;
  strict_expectation?: string;
  parser_options?: { timezone?: string; assumed_year?: number };
}

const BOM_KEPT = 'go-syslog keeps the BOM that starts MSG; we strip it (RFC 5424 §6.4: it marks UTF-8, it is not content), as beats does';
const COMPLIANT_MSG = "go-syslog's WithCompliantMsg rejects invalid UTF-8 after a BOM; we decode it as U+FFFD and keep the message";

/**
 * Vectors we knowingly do not follow, and why. Each must still deviate (so
 * the list cannot go stale) and every other vector must pass.
 */
const DEVIATIONS = new Map<string, string>([
  ['influxdata-go-syslog/rfc5424/default/117', BOM_KEPT],
  ['influxdata-go-syslog/rfc5424/default/118', BOM_KEPT],
  ['influxdata-go-syslog/rfc5424/default/119', BOM_KEPT],
  ['influxdata-go-syslog/rfc5424/default/120', BOM_KEPT],
  ['influxdata-go-syslog/rfc5424/default/126', BOM_KEPT],
  ['influxdata-go-syslog/rfc5424/default/129', BOM_KEPT],
  ['influxdata-go-syslog/rfc5424/default/132', BOM_KEPT],
  ['influxdata-go-syslog/rfc5424/default/135', BOM_KEPT],
  ['influxdata-go-syslog/rfc5424/default/136', BOM_KEPT],
  ['influxdata-go-syslog/rfc5424/compliant_msg/1', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/2', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/3', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/4', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/8', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/9', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/10', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/12', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/14', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/15', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/16', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/17', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/21', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/23', COMPLIANT_MSG],
  ['influxdata-go-syslog/rfc5424/compliant_msg/25', COMPLIANT_MSG],
  ['syslog-loose/rfc3164/parse_3164_timestamp_host',
    'a lone "word:" after the timestamp is a TAG with no HOSTNAME ("<13>Oct 11 22:14:15 su: msg"); syslog-loose reads it as the HOSTNAME, and its note says other parsers differ'],
  ['syslog-loose/parse_invalid_message',
    'text with neither PRI nor timestamp is rejected rather than kept as a bare MSG; accepting it would also accept syslog-loose/parse_missing_pri_5424, which must be an error'],
]);

/**
 * "Now" for year-less BSD timestamps. syslog-loose's tests resolve the year
 * as "December: 2019, otherwise 2020"; a "now" of 20 January 2020 gives the
 * same years for the dates in its vectors. Other sources assert no year.
 */
const VECTOR_NOW = new Date('2020-01-20T00:00:00Z');

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function optionsFor(v: Vector): SyslogParseOptions {
  const o = v.parser_options ?? {};
  return {
    now: VECTOR_NOW,
    ...(o.timezone !== undefined ? { timeZone: o.timezone } : {}),
    ...(o.assumed_year !== undefined ? { year: o.assumed_year } : {}),
  };
}

const PARSERS: Partial<Record<string, (input: Buffer | string, options: SyslogParseOptions) => SyslogMessage>> = {
  rfc5424: (input) => parseRfc5424(input),
  rfc3164: parseRfc3164,
  auto: parseSyslog,
  // The SD section alone, inside a minimal RFC 5424 header.
  rfc5424_structured_data: (input) => parseRfc5424(`<0>1 - - - - - ${String(input)}`),
};

/** Wall-clock fields of `date` in `zone` (a fixed "+hh:mm" offset or an IANA name), computed independently of the parser. */
function wallClock(date: Date, zone: string): Record<string, number> {
  const fixed = /^([+-])(\d\d):?(\d\d)$/.exec(zone);
  if (fixed) {
    const shifted = new Date(date.getTime() + (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3])) * 60_000);
    return {
      year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate(),
      hour: shifted.getUTCHours(), minute: shifted.getUTCMinutes(), second: shifted.getUTCSeconds(), ms: shifted.getUTCMilliseconds(),
    };
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(date);
  const out: Record<string, number> = { ms: date.getUTCMilliseconds() };
  for (const p of parts) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

function compareTimestamp(e: Expected, m: SyslogMessage, text: string, options: SyslogParseOptions, problems: string[]): void {
  const ts = m.timestamp;
  if (e.timestamp === undefined && e.timestamp_parts === undefined && e.timestamp_epoch === undefined) {
    if (ts !== undefined || m.timestampText !== undefined) problems.push(`timestamp: expected none, got ${m.timestampText}`);
    return;
  }
  if (ts === undefined) {
    problems.push('timestamp: missing');
    return;
  }
  if (e.timestamp !== undefined) {
    if (RFC3339.test(e.timestamp)) {
      // As written in the input; syslog-loose instead renders the time it resolved a BSD stamp to.
      if (text.includes(e.timestamp) && m.timestampText !== e.timestamp) problems.push(`timestampText: ${m.timestampText} != ${e.timestamp}`);
      if (ts.getTime() !== Date.parse(e.timestamp)) problems.push(`timestamp: ${ts.toISOString()} is not the instant ${e.timestamp}`);
    } else if (m.timestampText?.replace(/ +/g, ' ') !== e.timestamp.replace(/ +/g, ' ')) {
      // go-syslog gives BSD stamps as Go's time.Stamp text, not always with the input's day padding ("Aug 7" for "Aug  7").
      problems.push(`timestampText: ${m.timestampText} != ${e.timestamp}`);
    }
  }
  if (e.timestamp_epoch !== undefined && Math.floor(ts.getTime() / 1000) !== e.timestamp_epoch) {
    problems.push(`timestamp epoch: ${Math.floor(ts.getTime() / 1000)} != ${e.timestamp_epoch}`);
  }
  // Date keeps milliseconds, so nanoseconds are compared to the millisecond.
  if (e.timestamp_nanos !== undefined && ts.getUTCMilliseconds() !== Math.floor(e.timestamp_nanos / 1e6)) {
    problems.push(`timestamp ms: ${ts.getUTCMilliseconds()} != ${e.timestamp_nanos} ns`);
  }
  const p = e.timestamp_parts;
  if (p !== undefined) {
    const wall = wallClock(ts, p.utc_offset ?? options.timeZone ?? 'UTC');
    for (const key of ['year', 'month', 'day', 'hour', 'minute', 'second'] as const) {
      if (p[key] !== undefined && wall[key] !== p[key]) problems.push(`timestamp ${key}: ${wall[key]} != ${p[key]}`);
    }
    if (p.nanosecond !== undefined && wall.ms !== Math.floor(p.nanosecond / 1e6)) problems.push(`timestamp ms: ${wall.ms} != ${p.nanosecond} ns`);
  }
}

function compare(v: Vector, m: SyslogMessage, text: string, options: SyslogParseOptions): string[] {
  const e = v.expected ?? {};
  const problems: string[] = [];
  const check = (name: string, got: unknown, want: unknown): void => {
    if (!isDeepStrictEqual(got, want)) problems.push(`${name}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  };
  if (v.format === 'rfc5424_structured_data') {
    check('structuredData', m.structuredData, e.structured_data);
    return problems;
  }
  // An absent priority means the input had no PRI; RFC 3164 §4.3.3 then assumes 13, which the vectors leave out.
  if (e.priority !== undefined) check('priority', m.priority, e.priority);
  if (e.facility !== undefined) check('facility', m.facility, e.facility);
  if (e.severity !== undefined) check('severity', m.severity, e.severity);
  check('version', m.version, e.version);
  check('hostname', m.hostname, e.hostname);
  check('appName', m.appName, e.appname);
  check('procId', m.procId, e.procid);
  check('msgId', m.msgId, e.msgid);
  check('sequence', m.sequence, e.sequence);
  // Non-UTF-8 message bytes are expected decoded the way the parser must decode them: U+FFFD for invalid sequences.
  check('message', m.message, e.message_b64 !== undefined ? Buffer.from(e.message_b64, 'base64').toString('utf8') : (e.message ?? ''));
  if (e.structured_data_raw !== undefined) {
    // beats keeps SD as text; all we can check is that SD was found.
    if (m.structuredData === undefined) problems.push('structuredData: missing');
  } else {
    check('structuredData', m.structuredData, e.structured_data);
  }
  compareTimestamp(e, m, text, options, problems);
  return problems;
}

/** Runs one vector: whether the parser did what it says, and how not. Throws anything other than SyslogParseError. */
function run(v: Vector, parse: NonNullable<(typeof PARSERS)[string]>): { ok: boolean; detail: string } {
  const input = v.input_b64 !== undefined ? Buffer.from(v.input_b64, 'base64') : (v.input ?? '');
  const options = optionsFor(v);
  const expectError = v.error === true || v.strict_expectation === 'error';
  let m: SyslogMessage;
  try {
    m = parse(input, options);
  } catch (err) {
    if (!(err instanceof SyslogParseError)) throw err;
    return expectError ? { ok: true, detail: err.message } : { ok: false, detail: `threw: ${err.message}` };
  }
  if (expectError) return { ok: false, detail: 'parsed, but an error was expected' };
  const problems = compare(v, m, String(input), options);
  return { ok: problems.length === 0, detail: problems.join('; ') };
}

test('third-party syslog vectors', { skip: existsSync(vectorsPath) ? false : 'third-party vectors not present (../shared/testdata/syslog)' }, async (t) => {
  const vectors = readFileSync(vectorsPath, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Vector);
  for (const id of DEVIATIONS.keys()) assert.ok(vectors.some((v) => v.id === id), `DEVIATIONS names a vector that does not exist: ${id}`);
  let passed = 0;
  let deviations = 0;
  const skipped = new Map<string, number>();
  for (const v of vectors) {
    const parse = PARSERS[v.format];
    if (parse === undefined) {
      // Framing (octet-counting, non-transparent) is done before parsing; "detect" has no parsed fields.
      skipped.set(v.format, (skipped.get(v.format) ?? 0) + 1);
      continue;
    }
    const deviation = DEVIATIONS.get(v.id);
    await t.test(v.id, () => {
      const outcome = run(v, parse);
      if (deviation === undefined) {
        assert.ok(outcome.ok, outcome.detail);
        passed++;
      } else {
        assert.ok(!outcome.ok, `listed as a known deviation (${deviation}) but passes now: remove it from DEVIATIONS`);
        deviations++;
      }
    });
  }
  t.diagnostic(`passed ${passed}, known deviations ${deviations}, skipped by format: ${[...skipped].map(([f, n]) => `${f} ${n}`).join(', ')}`);
});

// ---------------------------------------------------------------------------
// Format detection.

test('parseSyslog sends PRI + "1 " to RFC 5424 and everything else to RFC 3164', () => {
  assert.equal(parseSyslog('<13>1 - - - - - - hi').format, 'rfc5424');
  assert.equal(parseSyslog('<13>1 2024-05-01T10:00:00Z h a 1 m - hi').format, 'rfc5424');
  assert.equal(parseSyslog('<13>Oct 11 22:14:15 host app: hi').format, 'rfc3164');
  assert.equal(parseSyslog('<13>2024-05-01T10:00:00Z host app: hi').format, 'rfc3164');
  assert.equal(parseSyslog('Oct 11 22:14:15 host app: hi').format, 'rfc3164');
  // Version 2 does not exist, so this is not RFC 5424; as RFC 3164 it has no timestamp.
  assert.throws(() => parseSyslog('<13>2 - - - - - - hi'), SyslogParseError);
  // A broken RFC 5424 message is reported against RFC 5424.
  assert.throws(() => parseSyslog('<13>1 2024-13-01T10:00:00Z h a 1 m -'), { reason: 'invalid timestamp: month 13 is not 01 to 12', offset: 11 });
});

test('parseSyslog drops whitespace around the message, not inside it', () => {
  const m = parseSyslog('\n  <13>1 - h a - - - two\nlines \r\n');
  assert.equal(m.hostname, 'h');
  assert.equal(m.message, 'two\nlines');
  assert.equal(parseSyslog('<13>Oct 11 22:14:15 h a: x\n').message, 'x');
});

test('time zone names can be validated before any message arrives', () => {
  assert.ok(isValidTimeZone('UTC'));
  assert.ok(isValidTimeZone('Europe/Berlin'));
  assert.ok(isValidTimeZone('+05:30'));
  assert.ok(!isValidTimeZone('Mars/Olympus_Mons'));
  assert.throws(() => parseSyslog('<13>Oct 11 22:14:15 h a: x', { timeZone: 'Mars/Olympus_Mons' }), {
    name: 'SyslogParseError', reason: "unknown time zone 'Mars/Olympus_Mons' in the parser options",
  });
});

// ---------------------------------------------------------------------------
// Fuzz: whatever the bytes, the only thing thrown is SyslogParseError.

/** xorshift32: small, seeded, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

const SEEDS = [
  '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF\'su root\' failed',
  '<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - [a@1 x="1" y="\\"q\\]\\\\"][b z=""] msg',
  '<0>999 - - - - - [id p="v"]',
  '<34>Oct 11 22:14:15 mymachine su[230]: \'su root\' failed',
  '<13>Feb  5 2024 17:32:18.123 10.0.0.99 Use the Force!',
  '<189>123: *Mar  1 00:00:00.123: %SYS-5-CONFIG_I: Configured',
  '<46>Jan  5 15:33:03 host rsyslogd:  [origin software="rsyslogd"] start',
  '<190>2018-06-19T02:13:38.635322-0730 super mon message',
  '<13>2018-06-19 02:13:38 host app: x',
  'Oct 11 22:14:15 --- last message repeated 1 time ---',
];
const INTERESTING = [...'<>[]"\\= -:.*T Z+0123456789'].map((c) => c.charCodeAt(0)).concat([0, 10, 0x80, 0xc3, 0xef, 0xbb, 0xbf, 0xff]);

function mutate(next: () => number, seed: Buffer): Buffer {
  let bytes = [...seed];
  const pick = (n: number): number => Math.floor(next() * n);
  for (let k = 1 + pick(4); k > 0; k--) {
    const at = pick(bytes.length + 1);
    const byte = next() < 0.7 ? INTERESTING[pick(INTERESTING.length)]! : pick(256);
    switch (pick(5)) {
      case 0: bytes[at] = byte; break;
      case 1: bytes.splice(at, 0, byte); break;
      case 2: bytes.splice(at, 1 + pick(4)); break;
      case 3: bytes = bytes.slice(0, at); break;
      default: bytes.splice(at, 0, ...bytes.slice(pick(bytes.length), pick(bytes.length + 1)));
    }
  }
  return Buffer.from(bytes);
}

function checkResult(m: SyslogMessage, input: Buffer): void {
  const context = `for ${JSON.stringify(input.toString('latin1'))}`;
  assert.ok(Number.isInteger(m.priority) && m.priority >= 0 && m.priority <= 191, context);
  assert.equal(m.facility, m.priority >> 3, context);
  assert.equal(m.severity, m.priority & 7, context);
  assert.equal(typeof m.message, 'string', context);
  assert.equal(m.timestamp === undefined, m.timestampText === undefined, context);
  if (m.timestamp !== undefined) assert.ok(!Number.isNaN(m.timestamp.getTime()), `invalid Date ${context}`);
}

test('20,000 random and mutated inputs throw nothing but SyslogParseError', () => {
  const next = random(0x5eed);
  const seeds = SEEDS.map((s) => Buffer.from(s));
  const options: (SyslogParseOptions | undefined)[] = [undefined, { timeZone: 'Europe/Berlin', now: new Date('2024-01-10T00:00:00Z') }];
  let parsed = 0;
  for (let n = 0; n < 20_000; n++) {
    let input: Buffer;
    if (n % 3 === 0) {
      input = Buffer.from(Array.from({ length: Math.floor(next() * 80) }, () => Math.floor(next() * 256)));
      if (n % 2 === 0) input = Buffer.concat([Buffer.from(n % 4 === 0 ? '<13>1 ' : '<13>'), input]);
    } else {
      input = mutate(next, seeds[n % seeds.length]!);
    }
    for (const parse of [parseSyslog, parseRfc5424, parseRfc3164]) {
      try {
        checkResult(parse(input, options[n % 2]), input);
        parsed++;
      } catch (err) {
        if (!(err instanceof SyslogParseError)) {
          assert.fail(`${parse.name} threw ${String(err)} for ${JSON.stringify(input.toString('latin1'))}`);
        }
        assert.ok(err.reason.length > 0 && err.offset >= 0 && err.offset <= input.length, `bad error ${err.message}`);
      }
    }
  }
  // Mutants of valid messages must still parse often, or the fuzz only exercises the first few checks.
  assert.ok(parsed > 5_000, `only ${parsed} inputs parsed`);
});

test('non-string, non-Buffer input is a SyslogParseError too', () => {
  for (const bad of [undefined, null, 42, {}, [60, 49, 62]]) {
    assert.throws(() => parseSyslog(bad as unknown as string), SyslogParseError);
  }
  assert.equal(parseSyslog(new Uint8Array(Buffer.from('<13>1 - h - - - -')) as Buffer).hostname, 'h');
});
