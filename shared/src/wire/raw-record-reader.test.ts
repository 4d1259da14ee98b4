import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Format, RecordSchema } from '../gen/picket/v1/record_pb.js';
import { readRawRecord } from './raw-record-reader.ts';

test('raw records read the same as with fromBinary', () => {
  const cases = [
    { seq: 1n, observedAtMicros: 1_795_000_000_000_000n, body: { case: 'raw' as const, value: { source: 'syslog', format: Format.SYSLOG, data: Buffer.from('<13>hi'), peer: '10.0.0.1:514', truncated: true, meta: Buffer.from('{"a":1}') } } },
    { seq: 2n ** 40n, observedAtMicros: 0n, body: { case: 'raw' as const, value: { source: 'sÿslog', data: Buffer.alloc(0) } } },
  ];
  for (const init of cases) {
    const bytes = toBinary(RecordSchema, create(RecordSchema, init));
    const expected = fromBinary(RecordSchema, bytes);
    const view = readRawRecord(bytes)!;
    assert.equal(view.seq, Number(expected.seq));
    assert.equal(view.observedAtMicros, Number(expected.observedAtMicros));
    assert.ok(expected.body.case === 'raw');
    const raw = expected.body.value;
    assert.deepEqual([view.source, view.format, Buffer.from(view.data).toString(), view.peer, view.truncated], [raw.source, raw.format, Buffer.from(raw.data).toString(), raw.peer, raw.truncated]);
  }
});

test('other records are left to fromBinary; malformed bytes throw', () => {
  const status = toBinary(RecordSchema, create(RecordSchema, { seq: 3n, body: { case: 'status', value: { version: '1' } } }));
  assert.equal(readRawRecord(status), undefined);
  assert.equal(readRawRecord(toBinary(RecordSchema, create(RecordSchema, { seq: 3n }))), undefined);
  assert.throws(() => readRawRecord(Uint8Array.from([0x08, 0x01, 0x1a, 0x05, 0x0a])));
});
