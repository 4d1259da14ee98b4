import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BatchSchema } from '../gen/picket/v1/ingest_pb.js';
import { Format, RecordSchema } from '../gen/picket/v1/record_pb.js';
import { encodeAgentIdField, encodePeerField, encodeSourceField, RecordWriter } from './record-writer.ts';

const cases = [
  { seq: 1, micros: 1_763_800_000_000_000, source: 'syslog', format: Format.SYSLOG, data: 'hello', peer: '127.0.0.1:514', truncated: false },
  { seq: 2 ** 40 + 7, micros: 1, source: 'syslog', format: Format.UNSPECIFIED, data: '', peer: '', truncated: true },
  { seq: 300, micros: 2 ** 52, source: 'sÿslog', format: Format.SYSLOG, data: 'x'.repeat(70_000), peer: '[::1]:9', truncated: false },
];

test('raw records are byte-identical to protobuf-es toBinary', () => {
  for (const c of cases) {
    const writer = new RecordWriter(16);
    const data = Buffer.from(`..${c.data}..`);
    writer.appendRaw(c.seq, c.micros, encodeSourceField(c.source), c.format, data, 2, data.length - 2, encodePeerField(c.peer), c.truncated);
    const expected = toBinary(BatchSchema, create(BatchSchema, {
      records: [create(RecordSchema, {
        seq: BigInt(c.seq),
        observedAtMicros: BigInt(c.micros),
        body: { case: 'raw', value: { source: c.source, format: c.format, data: Buffer.from(c.data), peer: c.peer, truncated: c.truncated } },
      })],
    }));
    assert.deepEqual(new Uint8Array(writer.take()), expected);
  }
});

test('chunks concatenate into one batch, with other fields appended', () => {
  const writer = new RecordWriter();
  for (let seq = 1; seq <= 1000; seq++) {
    const data = Buffer.from(`line ${seq}`);
    writer.appendRaw(seq, seq * 10, encodeSourceField('syslog'), Format.SYSLOG, data, 0, data.length, encodePeerField('p'), false);
  }
  writer.appendEncoded(toBinary(RecordSchema, create(RecordSchema, { seq: 1001n, body: { case: 'status', value: { version: '1' } } })));
  assert.equal(writer.count, 1001);
  const chunk = writer.take();
  assert.equal(writer.length, 0);
  assert.deepEqual(new Uint8Array(encodeAgentIdField('a1')), toBinary(BatchSchema, create(BatchSchema, { agentId: 'a1' })));
  const batch = fromBinary(BatchSchema, Buffer.concat([chunk, encodeAgentIdField('a1')]));
  assert.equal(batch.agentId, 'a1');
  assert.equal(batch.records.length, 1001);
  assert.equal(batch.records[999]!.seq, 1000n);
  const last = batch.records[1000]!;
  assert.equal(last.body.case, 'status');
  const raw = batch.records[41]!.body;
  assert.equal(raw.case, 'raw');
  assert.equal(Buffer.from(raw.value!.data).toString(), 'line 42');
});
