import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyslogParseError, parseRfc5424 } from './syslog.ts';
import type { SyslogMessage } from './syslog.ts';

/** The message without its undefined fields, for whole-object comparisons. */
function defined(m: SyslogMessage): Partial<SyslogMessage> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
}

function rejects(input: string | Buffer, reason: string | RegExp, offset: number): void {
  assert.throws(() => parseRfc5424(input), (err: unknown) => {
    assert.ok(err instanceof SyslogParseError, `not a SyslogParseError: ${String(err)}`);
    if (typeof reason === 'string') assert.equal(err.reason, reason);
    else assert.match(err.reason, reason);
    assert.equal(err.offset, offset, err.message);
    assert.equal(err.message, `${err.reason} at offset ${err.offset}`);
    return true;
  });
}

test('every header field, structured data and a BOM-marked MSG', () => {
  const m = parseRfc5424('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 8710 ID47 '
    + '[exampleSDID@32473 iut="3" eventSource="Application"][examplePriority@32473 class="high"] \uFEFFAn event');
  assert.deepEqual(defined(m), {
    format: 'rfc5424',
    priority: 165,
    facility: 20,
    severity: 5,
    version: 1,
    timestamp: new Date('2003-10-11T22:14:15.003Z'),
    timestampText: '2003-10-11T22:14:15.003Z',
    hostname: 'mymachine.example.com',
    appName: 'evntslog',
    procId: '8710',
    msgId: 'ID47',
    structuredData: {
      'exampleSDID@32473': { iut: '3', eventSource: 'Application' },
      'examplePriority@32473': { class: 'high' },
    },
    message: 'An event',
  });
});

test('NILVALUEs leave fields undefined, and a missing MSG is empty', () => {
  for (const input of ['<0>1 - - - - - -', '<0>1 - - - - - - ']) {
    assert.deepEqual(defined(parseRfc5424(input)), { format: 'rfc5424', priority: 0, facility: 0, severity: 0, version: 1, message: '' });
  }
  // Only the one separating space is dropped from MSG, and newlines stay.
  assert.equal(parseRfc5424('<0>1 - - - - - -  two\nlines ').message, ' two\nlines ');
  // "--" is a value, not NILVALUE.
  assert.equal(parseRfc5424('<0>1 - -- - - - -').hostname, '--');
});

test('timestamps: offsets, fractions, calendar dates', () => {
  const at = (ts: string): number => parseRfc5424(`<13>1 ${ts} - - - - -`).timestamp!.getTime();
  assert.equal(at('1985-04-12T19:20:50.52+04:00'), Date.UTC(1985, 3, 12, 15, 20, 50, 520));
  assert.equal(at('2003-08-24T05:14:15.000003-07:00'), Date.UTC(2003, 7, 24, 12, 14, 15, 0));
  assert.equal(at('2024-02-29T23:59:59.999999+14:00'), Date.UTC(2024, 1, 29, 9, 59, 59, 999));
  assert.equal(at('2000-02-29T00:00:00Z'), Date.UTC(2000, 1, 29));
  // Date.UTC would read year 1 as 1901.
  assert.equal(new Date(at('0001-01-01T00:00:00Z')).getUTCFullYear(), 1);
  assert.equal(parseRfc5424('<13>1 2003-08-24T05:14:15.5-07:00 - - - - -').timestampText, '2003-08-24T05:14:15.5-07:00');
});

test('malformed timestamps say what is wrong where', () => {
  const ts = (text: string): string => `<13>1 ${text} - - - - -`;
  rejects(ts('2023-02-29T00:00:00Z'), 'invalid timestamp: day 29 does not exist in 2023-02', 14);
  rejects(ts('1900-02-29T00:00:00Z'), 'invalid timestamp: day 29 does not exist in 1900-02', 14);
  rejects(ts('2024-04-31T00:00:00Z'), 'invalid timestamp: day 31 does not exist in 2024-04', 14);
  rejects(ts('2024-00-10T00:00:00Z'), 'invalid timestamp: month 0 is not 01 to 12', 11);
  rejects(ts('2024-01-01T24:00:00Z'), 'invalid timestamp: hour 24 is not 00 to 23', 17);
  rejects(ts('2024-01-01T00:60:00Z'), 'invalid timestamp: minute 60 is not 00 to 59', 20);
  rejects(ts('2024-01-01T00:00:60Z'), 'invalid timestamp: second 60 is not 00 to 59', 23);
  rejects(ts('2024-01-01T00:00:00'), "invalid timestamp: expected 'Z' or a UTC offset (+hh:mm or -hh:mm), found a space", 25);
  rejects(ts('2024-01-01T00:00:00+0100'), "invalid timestamp: expected ':' in the UTC offset, found '0'", 28);
  rejects(ts('2024-01-01T00:00:00.1234567Z'), 'invalid timestamp: more than 6 fraction digits', 32);
  rejects(ts('2024-01-01 00:00:00Z'), "invalid timestamp: expected 'T' between date and time, found a space", 16);
  rejects(ts('2024-1-01T00:00:00Z'), "invalid timestamp: expected a 2-digit month, found '-'", 12);
});

test('PRI and VERSION', () => {
  assert.equal(parseRfc5424('<191>999 - - - - - -').version, 999);
  rejects('<13> 2003-10-11T22:14:15Z - - - - -', "expected VERSION (1 to 999, no leading zero) after PRI, found a space", 4);
  rejects('<13>01 - - - - - -', "expected VERSION (1 to 999, no leading zero) after PRI, found '0'", 4);
  rejects('<13>1000 - - - - - -', 'VERSION must be 1 to 999', 4);
  rejects('<013>1 - - - - - -', 'PRI value must not have leading zeros', 1);
  rejects('<00>1 - - - - - -', 'PRI value must not have leading zeros', 1);
  rejects('<192>1 - - - - - -', 'PRI value must be 0 to 191', 1);
  rejects('<13 1 - - - - - -', "expected '>' after the PRI value, found a space", 3);
  rejects('13>1 - - - - - -', "expected '<' to start PRI, found '1'", 0);
  rejects('', "expected '<' to start PRI, found end of message", 0);
});

test('header fields: length limits, printable ASCII, single spaces', () => {
  const host = 'h'.repeat(255);
  assert.equal(parseRfc5424(`<13>1 - ${host} ${'a'.repeat(48)} ${'p'.repeat(128)} ${'m'.repeat(32)} -`).hostname, host);
  rejects(`<13>1 - ${host}x - - - -`, 'HOSTNAME longer than 255 characters', 263);
  rejects(`<13>1 - - ${'a'.repeat(49)} - - -`, 'APP-NAME longer than 48 characters', 58);
  rejects(`<13>1 - - - - ${'m'.repeat(33)} -`, 'MSGID longer than 32 characters', 46);
  rejects('<13>1 - - app\u00e9 - - -', 'expected a space after APP-NAME, found U+00E9', 13);
  rejects('<13>1 - -  app - - -', "expected APP-NAME ('-' or 1 to 48 printable US-ASCII characters), found a space", 10);
  rejects('<13>1 - - - - -', 'expected a space after MSGID, found end of message', 15);
  rejects('<13>1 - - - - - ', "expected STRUCTURED-DATA ('-' or '['), found end of message", 16);
});

test('structured data: escapes, empty elements, repeated names', () => {
  const m = parseRfc5424('<13>1 - - - - - [a q="say \\"hi\\"" b="back\\\\slash" c="\\]" d="kept \\n \\x"][empty][r n="1" n="2"] msg');
  assert.deepEqual(m.structuredData, {
    a: { q: 'say "hi"', b: 'back\\slash', c: ']', d: 'kept \\n \\x' },
    empty: {},
    // RFC 5424 allows a repeated PARAM-NAME; a record keeps the last.
    r: { n: '2' },
  });
  assert.equal(m.message, 'msg');
  // UTF-8 and control characters are fine in values.
  assert.deepEqual(parseRfc5424('<13>1 - - - - - [x v="κόσμε\ttab"]').structuredData, { x: { v: 'κόσμε\ttab' } });
});

test('structured data errors', () => {
  rejects('<13>1 - - - - - [a x="1"][b y="2"][a z="3"]', "duplicate SD-ID 'a'", 35);
  rejects('<13>1 - - - - - [a x="1"]msg', "expected a space or end of message after STRUCTURED-DATA, found 'm'", 25);
  rejects('<13>1 - - - - - [a x="]"]', "']' in the value of 'x' must be escaped as '\\]'", 22);
  rejects('<13>1 - - - - - [a x="open', "expected '\"' to end the value of 'x', found end of message", 26);
  rejects('<13>1 - - - - - [a x=1]', "expected '\"' to start the value of 'x', found '1'", 21);
  rejects('<13>1 - - - - - [a  x="1"]', /^expected PARAM-NAME .*found a space$/, 19);
  rejects('<13>1 - - - - - [a x="1" ]', /^expected PARAM-NAME .*found '\]'$/, 25);
  rejects('<13>1 - - - - - [a x="1"', "expected a space or ']' in SD element 'a', found end of message", 24);
  rejects(`<13>1 - - - - - [${'i'.repeat(33)}]`, 'SD-ID longer than 32 characters', 49);
  rejects('<13>1 - - - - - [a=b]', "expected a space or ']' in SD element 'a', found '='", 18);
});

test('"__proto__" as an SD-ID or PARAM-NAME is an ordinary key', () => {
  const m = parseRfc5424('<13>1 - - - - - [__proto__ __proto__="x" polluted="yes"]');
  const sd = m.structuredData!;
  assert.deepEqual(Object.keys(sd), ['__proto__']);
  assert.equal(Object.getPrototypeOf(sd), Object.prototype);
  assert.deepEqual(Object.entries(Object.getOwnPropertyDescriptor(sd, '__proto__')!.value as object), [['__proto__', 'x'], ['polluted', 'yes']]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('MSG bytes: invalid UTF-8 becomes U+FFFD, a leading BOM is dropped', () => {
  const header = Buffer.from('<13>1 - - - - - - ');
  const m = parseRfc5424(Buffer.concat([header, Buffer.from([0xef, 0xbb, 0xbf, 0x41, 0xff, 0x42, 0xc3])]));
  assert.equal(m.message, 'A\uFFFDB\uFFFD');
  // Only a BOM at the very start of MSG is a marker.
  assert.equal(parseRfc5424('<13>1 - - - - - - a\uFEFFb').message, 'a\uFEFFb');
  assert.equal(parseRfc5424('<13>1 - - - - - -  \uFEFFb').message, ' \uFEFFb');
});
