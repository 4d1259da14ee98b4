import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyslogParseError, parseRfc3164 } from './syslog.ts';
import type { SyslogMessage, SyslogParseOptions } from './syslog.ts';

const now = new Date('2024-01-10T12:00:00Z');

function parse(input: string, options: SyslogParseOptions = {}): SyslogMessage {
  return parseRfc3164(input, { now, ...options });
}

/** The message without its undefined fields, for whole-object comparisons. */
function defined(m: SyslogMessage): Partial<SyslogMessage> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
}

/** HOSTNAME, TAG parts and MSG: what most cases are about. */
function parts(m: SyslogMessage): (string | undefined)[] {
  return [m.hostname, m.appName, m.procId, m.message];
}

function rejects(input: string, reason: string, offset: number, options: SyslogParseOptions = {}): void {
  assert.throws(() => parse(input, options), (err: unknown) => {
    assert.ok(err instanceof SyslogParseError, `not a SyslogParseError: ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.equal(err.offset, offset, err.message);
    return true;
  });
}

test('<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG', () => {
  assert.deepEqual(defined(parse("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed")), {
    format: 'rfc3164',
    priority: 34,
    facility: 4,
    severity: 2,
    timestamp: new Date('2023-10-11T22:14:15Z'),
    timestampText: 'Oct 11 22:14:15',
    hostname: 'mymachine',
    appName: 'su',
    procId: '230',
    message: "'su root' failed",
  });
});

test('day padded with a space or a zero, or not at all', () => {
  for (const stamp of ['Feb  5 17:32:18', 'Feb 05 17:32:18', 'Feb 5 17:32:18']) {
    const m = parse(`<13>${stamp} host app: x`);
    assert.equal(m.timestamp!.toISOString(), '2024-02-05T17:32:18.000Z');
    assert.equal(m.timestampText, stamp);
    assert.deepEqual(parts(m), ['host', 'app', undefined, 'x']);
  }
  assert.equal(parse('<13>february 5 17:32:18 host app: x').timestamp!.toISOString(), '2024-02-05T17:32:18.000Z');
});

test('HOSTNAME is optional: a first word that reads as a TAG is the TAG', () => {
  assert.deepEqual(parts(parse('<13>Oct 11 22:14:15 su: msg')), [undefined, 'su', undefined, 'msg']);
  assert.deepEqual(parts(parse('<13>Oct 11 22:14:15 haproxy[73411]: Proxy started.')), [undefined, 'haproxy', '73411', 'Proxy started.']);
  assert.deepEqual(parts(parse('<13>Oct 11 22:14:15 haproxy[73411] Proxy started.')), [undefined, 'haproxy', '73411', 'Proxy started.']);
  assert.deepEqual(parts(parse('<13>Oct 11 22:14:15 root[8539]:no space')), [undefined, 'root', '8539', 'no space']);
  // A first word that is neither is the HOSTNAME, and without a TAG the rest is MSG.
  assert.deepEqual(parts(parse('<13>Oct 11 22:14:15 test-host this is the message')), ['test-host', undefined, undefined, 'this is the message']);
  assert.deepEqual(parts(parse('<13>Oct 11 22:14:15 host postfix/smtpd[2000]: x')), ['host', 'postfix/smtpd', '2000', 'x']);
  assert.deepEqual(parts(parse('<13>Oct 11 22:14:15 host')), ['host', undefined, undefined, '']);
  assert.deepEqual(parts(parse('<13>Oct 11 22:14:15 : a message')), [undefined, undefined, undefined, 'a message']);
  // Not a host (no letter or digit), not a TAG: all MSG.
  assert.deepEqual(parts(parse('Oct 11 22:14:15 --- last message repeated 1 time ---')), [undefined, undefined, undefined, '--- last message repeated 1 time ---']);
  // A word after the host that has no ':' or '[' is MSG, as is JSON.
  assert.deepEqual(parts(parse('<13>Oct 11 22:14:15 host  {"user": "admin"}')), ['host', undefined, undefined, '{"user": "admin"}']);
});

test('IPv4 and IPv6 hostnames', () => {
  assert.deepEqual(parts(parse('<13>Feb 25 17:32:18 10.0.0.99 sshd[1]: x')), ['10.0.0.99', 'sshd', '1', 'x']);
  assert.deepEqual(parts(parse('<13>Feb 25 17:32:18 2001:db8::1 kernel: x')), ['2001:db8::1', 'kernel', undefined, 'x']);
  assert.deepEqual(parts(parse('<13>Feb 25 17:32:18 ::1 app: x')), ['::1', 'app', undefined, 'x']);
  assert.deepEqual(parts(parse('<13>Feb 25 17:32:18 1:: Use the Force!')), ['1::', undefined, undefined, 'Use the Force!']);
  assert.deepEqual(parts(parse('<13>Feb 25 17:32:18 ::FFFF:129.144.52.38 app[2]: x')), ['::FFFF:129.144.52.38', 'app', '2', 'x']);
});

test('year-less timestamps take the latest year that is not more than a month ahead of now', () => {
  const year = (stamp: string, at: Date): number => parseRfc3164(`<13>${stamp} h a: x`, { now: at }).timestamp!.getUTCFullYear();
  assert.equal(year('Dec 31 23:59:59', now), 2023);
  assert.equal(year('Jan 10 11:00:00', now), 2024);
  assert.equal(year('Feb  9 00:00:00', now), 2024);
  assert.equal(year('Feb 11 00:00:00', now), 2023);
  // A sender whose clock is a little ahead across New Year.
  assert.equal(year('Jan  1 00:00:30', new Date('2023-12-31T23:59:00Z')), 2024);
  // Feb 29 needs a leap year.
  assert.equal(year('Feb 29 12:00:00', new Date('2025-06-01T00:00:00Z')), 2024);
  rejects('<13>Feb 29 12:00:00 h a: x', 'invalid timestamp: day 29 does not exist in month 2 of the inferred year', 8, { now: new Date('2023-03-01T00:00:00Z') });
  // An explicit year wins over inference.
  assert.equal(parse('<13>Dec 31 23:59:59 h a: x', { year: 2030 }).timestamp!.getUTCFullYear(), 2030);
  // Without options, "now" is the clock.
  const recent = parseRfc3164('<13>Jan  1 00:00:00 h a: x').timestamp!.getTime();
  assert.ok(recent <= Date.now() + 32 * 86_400_000 && recent > Date.now() - 366 * 86_400_000);
});

test('options.timeZone applies to timestamps without a zone', () => {
  const iso = (stamp: string, timeZone: string): string => parse(`<13>${stamp} h a: x`, { timeZone }).timestamp!.toISOString();
  assert.equal(iso('Jan 15 12:00:00', 'Europe/Berlin'), '2024-01-15T11:00:00.000Z');
  assert.equal(iso('Jul 15 12:00:00', 'Europe/Berlin'), '2023-07-15T10:00:00.000Z');
  assert.equal(iso('Jan 15 12:00:00', '+05:30'), '2024-01-15T06:30:00.000Z');
  assert.equal(iso('Jan 15 12:00:00', 'America/New_York'), '2024-01-15T17:00:00.000Z');
  assert.equal(iso('2024-07-01T12:00:00', 'Europe/Berlin'), '2024-07-01T10:00:00.000Z');
  // A timestamp with its own offset ignores the option.
  assert.equal(iso('2024-07-01T12:00:00Z', 'Europe/Berlin'), '2024-07-01T12:00:00.000Z');
  rejects('<13>Jan 15 12:00:00 h a: x', "unknown time zone 'Nowhere/Atlantis' in the parser options", 4, { timeZone: 'Nowhere/Atlantis' });
});

test('zone offsets are right across DST changes, from the cache too', () => {
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // [zone, year, month, day, minutes of wall time that do not exist that day]
  const days: [string, number, number, number, number][] = [
    ['Europe/Berlin', 2024, 3, 31, 60], ['Europe/Berlin', 2024, 10, 27, 0],
    ['America/New_York', 2024, 3, 10, 60], ['America/New_York', 2024, 11, 3, 0],
    ['Australia/Lord_Howe', 2024, 10, 6, 30], ['Australia/Lord_Howe', 2024, 4, 7, 0],
    ['Asia/Kathmandu', 2024, 6, 1, 0],
  ];
  for (const [timeZone, year, month, day, gap] of days) {
    const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    for (let pass = 0; pass < 2; pass++) {
      let missing = 0;
      for (let minutes = 0; minutes < 24 * 60; minutes += 5) {
        const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
        const mm = String(minutes % 60).padStart(2, '0');
        const m = parse(`<13>${MONTHS[month - 1]} ${day} ${year} ${hh}:${mm}:00 h a: x`, { timeZone });
        const back = Object.fromEntries(format.formatToParts(m.timestamp).map((p) => [p.type, p.value]));
        if (`${back.month}/${back.day} ${back.hour}:${back.minute}` !== `${month}/${day} ${hh}:${mm}`) missing++;
      }
      assert.equal(missing * 5, gap, `${timeZone} ${year}-${month}-${day} pass ${pass}`);
    }
  }
});

test('timestamps with a year, RFC 3339 timestamps and fractional seconds', () => {
  const m = parse('<13>Oct 11 2022 22:14:15 host app: x');
  assert.equal(m.timestamp!.toISOString(), '2022-10-11T22:14:15.000Z');
  assert.equal(m.timestampText, 'Oct 11 2022 22:14:15');
  assert.deepEqual(parts(m), ['host', 'app', undefined, 'x']);

  const cases: [string, string][] = [
    ['2003-08-24T05:14:15.000003-07:00', '2003-08-24T12:14:15.000Z'],
    ['2020-10-11T22:14:15.00Z', '2020-10-11T22:14:15.000Z'],
    ['2018-06-19T02:13:38.635322-0730', '2018-06-19T09:43:38.635Z'],
    ['2018-06-19T02:13:38.635322Z+0000', '2018-06-19T02:13:38.635Z'],
    ['2018-05-08T10:31:24', '2018-05-08T10:31:24.000Z'],
    ['2018-06-19 02:13:38.0004', '2018-06-19T02:13:38.000Z'],
    ['2018-06-19T02:13:38.123456789+02', '2018-06-19T00:13:38.123Z'],
  ];
  for (const [stamp, iso] of cases) {
    const r = parse(`<13>${stamp} host app[7]: x`);
    assert.equal(r.timestamp!.toISOString(), iso, stamp);
    assert.equal(r.timestampText, stamp);
    assert.deepEqual(parts(r), ['host', 'app', '7', 'x']);
  }
  const frac = parse('<34>Oct 11 22:14:15.57643 mymachine su: x');
  assert.equal(frac.timestamp!.getUTCMilliseconds(), 576);
  assert.equal(frac.timestampText, 'Oct 11 22:14:15.57643');
});

test('Cisco IOS: sequence numbers, clock markers, ":" after the timestamp', () => {
  const m = parse('<189>123: *Mar  1 00:00:00.123: %SYS-5-CONFIG_I: Configured from console by vty0');
  assert.deepEqual(defined(m), {
    format: 'rfc3164',
    priority: 189,
    facility: 23,
    severity: 5,
    timestamp: new Date('2023-03-01T00:00:00.123Z'),
    timestampText: 'Mar  1 00:00:00.123',
    sequence: '123',
    message: '%SYS-5-CONFIG_I: Configured from console by vty0',
  });
  const plain = parse('<189>42: Jan  5 10:00:00 router1 %LINK-3-UPDOWN: Interface Gi0/1, changed state to up');
  assert.equal(plain.sequence, '42');
  assert.deepEqual(parts(plain), ['router1', undefined, undefined, '%LINK-3-UPDOWN: Interface Gi0/1, changed state to up']);
  assert.equal(parse('<189>7: .Jan  5 10:00:00: %SYS-5-RESTART: x').timestampText, 'Jan  5 10:00:00');
});

test('RFC 5424 structured data after the TAG', () => {
  const m = parse('<46>Jan  5 15:33:03 host rsyslogd:  [origin software="rsyslogd" x-pid="20506"][meta a="\\]"] start');
  assert.deepEqual(m.structuredData, { origin: { software: 'rsyslogd', 'x-pid': '20506' }, meta: { a: ']' } });
  assert.equal(m.message, 'start');
  // Bracketed text that is not SD with parameters stays in MSG.
  for (const msg of ['[ERROR] disk full', '[12345.678901] usb 1-1: new device', '[pid=3] x', '[a b="c"]d', '[a b="c"]']) {
    const r = parse(`<13>Jan  5 15:33:03 host app: ${msg}`);
    assert.equal(r.message, msg === '[a b="c"]' ? '' : msg);
    assert.equal(r.structuredData === undefined, msg !== '[a b="c"]', msg);
  }
  // Without a TAG there is no SD.
  const noTag = parse('<46>Jan  5 15:33:03 host  [origin software="rsyslogd"] start');
  assert.equal(noTag.structuredData, undefined);
  assert.equal(noTag.message, '[origin software="rsyslogd"] start');
});

test('PRI: optional, may be followed by spaces, and strict when present', () => {
  const m = parse('Oct 11 22:14:15 host app: x');
  assert.deepEqual([m.priority, m.facility, m.severity], [13, 1, 5]);
  assert.equal(parse('<13> Aug 16 12:25:24 10.12.255.2-1 TRAPMGR[534]: Link Up\u0000').message, 'Link Up\u0000');
  rejects('<192>Oct 11 22:14:15 h a: x', 'PRI value must be 0 to 191', 1);
  rejects('<-1>Oct 11 22:14:15 h a: x', "expected a PRI value (0 to 191) after '<', found '-'", 1);
});

test('what is rejected, with reasons', () => {
  rejects('<13>hello world', "expected a timestamp ('Mmm dd hh:mm:ss' or an RFC 3339 date-time), found 'hello'", 4);
  rejects('complete gobbledegook', "expected '<' to start PRI, or a timestamp ('Mmm dd hh:mm:ss' or an RFC 3339 date-time), found 'complete'", 0);
  rejects('13 Oct 11 22:14:15 h a: x', "expected '<' to start PRI, or a timestamp ('Mmm dd hh:mm:ss' or an RFC 3339 date-time), found '1'", 0);
  rejects('<13>', "expected a timestamp ('Mmm dd hh:mm:ss' or an RFC 3339 date-time), found end of message", 4);
  rejects('<13>Oct 32 22:14:15 h a: x', 'invalid timestamp: day 32 is not 1 to 31', 8);
  rejects('<13>Apr 31 22:14:15 h a: x', 'invalid timestamp: day 31 does not exist in month 4 of the inferred year', 8);
  rejects('<13>Apr 31 2023 22:14:15 h a: x', 'invalid timestamp: day 31 does not exist in 2023-04', 8);
  rejects('<13>Oct 11 2022 22:14:15x h', "expected a space after the timestamp, found 'x'", 24);
  rejects('<13>Oct 11 25:14:15 h a: x', 'invalid timestamp: hour 25 is not 00 to 23', 11);
  rejects('<13>Oct 11 22:14 h a: x', "invalid timestamp: expected a time hh:mm:ss after the day, found '2'", 11);
  rejects('<13>Oct11 22:14:15 h a: x', "invalid timestamp: expected a space after the month, found '1'", 7);
  rejects('<13>2003-08-24 05:14:15-07:00 h a: x', "invalid timestamp: a date and time separated by a space take no UTC offset, found '-'", 23);
  rejects('<13>2003-08-24T05:14:15Z+01:00 h a: x', "invalid timestamp: an offset after 'Z' must be zero", 24);
});
