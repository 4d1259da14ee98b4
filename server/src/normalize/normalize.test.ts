import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, toBinary } from '@bufbuild/protobuf';
import { Format, RecordSchema } from '@picket/shared';
import { normalizeRecord } from './normalize.ts';

const ctx = { agentId: 'a1', seq: 9, syslog: {} };
const raw = (data: string, format = Format.SYSLOG) =>
  toBinary(RecordSchema, create(RecordSchema, { seq: 9n, observedAtMicros: 1_795_000_000_000_000n, body: { case: 'raw', value: { source: 'syslog', format, data: Buffer.from(data), peer: '10.0.0.1:514' } } }));

test('a syslog record becomes an ECS event with the parsed header kept', () => {
  const result = normalizeRecord(raw('<38>1 2026-11-22T10:00:00Z web1 sshd 811 - - Failed password'), ctx);
  assert.equal(result.kind, 'events');
  const [event] = result.kind === 'events' ? result.events : [];
  assert.equal(event!['@timestamp'], '2026-11-22T10:00:00.000Z');
  assert.equal(event!.event.dataset, 'syslog');
  assert.equal(event!.host?.hostname, 'web1');
  assert.deepEqual(event!.process, { name: 'sshd', pid: 811 });
  assert.equal(event!.log?.syslog?.facility.code, 4);
  assert.equal(event!.log?.source?.address, '10.0.0.1:514');
  assert.equal(event!.event.original, '<38>1 2026-11-22T10:00:00Z web1 sshd 811 - - Failed password');
});

test('bad input is quarantined with its reason, never thrown', () => {
  const cases: [Uint8Array, string, RegExp][] = [
    [raw('no priority, no timestamp'), 'PARSE_FAILED', /syslog: /],
    [raw('<999>1 - - - - - -'), 'PARSE_FAILED', /syslog: /],
    [raw('<13>hi', Format.UNSPECIFIED), 'FORMAT_UNSUPPORTED', /format 0/],
    [Buffer.from([0x08, 0x09, 0x1a, 0x02, 0xff, 0xff]), 'RECORD_DECODE_FAILED', /./],
    [toBinary(RecordSchema, create(RecordSchema, { seq: 9n })), 'RECORD_EMPTY', /no body/],
    [toBinary(RecordSchema, create(RecordSchema, { seq: 9n, body: { case: 'delta', value: { generator: 'host.users', added: [{ key: 'x', value: Buffer.from('{not json') }] } } })), 'PARSE_FAILED', /item "x" is not valid JSON/],
  ];
  for (const [bytes, code, reason] of cases) {
    const result = normalizeRecord(bytes, ctx);
    assert.equal(result.kind, 'quarantine');
    if (result.kind === 'quarantine') {
      assert.equal(result.code, code);
      assert.match(result.reason, reason);
    }
  }
});
