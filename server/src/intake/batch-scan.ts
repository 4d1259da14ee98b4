/**
 * Reads a Batch's structure without decoding its records: the agent id and
 * each record's seq and byte span. Intake needs no more to journal a batch,
 * and journals the bytes exactly as received.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { RecordSpan } from '../store/store.ts';

export interface ScannedBatch {
  agentId: string;
  records: RecordSpan[];
}

/** Throws with a reason when the bytes are not a well-formed batch with strictly increasing seqs. */
export function scanBatch(bytes: Uint8Array): ScannedBatch {
  const reader = new BinaryReader(bytes);
  const records: RecordSpan[] = [];
  let agentId = '';
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) {
      const body = reader.bytes();
      const bodyStart = reader.pos - body.length;
      const seq = readSeq(body);
      const previous = records[records.length - 1];
      if (previous && seq <= previous.seq) throw new Error(`record seq ${seq} follows seq ${previous.seq}: seqs must increase`);
      records.push({ seq, start, end: reader.pos, bodyStart });
    } else if (field === 2 && wireType === WireType.LengthDelimited) {
      agentId = reader.string();
    } else {
      reader.skip(wireType, field);
    }
  }
  return { agentId, records };
}

/** Offsets of each record within a journal entry's bytes (no agent id there). */
export function recordSpans(bytes: Uint8Array): RecordSpan[] {
  return scanBatch(bytes).records;
}

function readSeq(record: Uint8Array): number {
  const reader = new BinaryReader(record);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) {
      const seq = Number(reader.uint64());
      if (seq < 1 || !Number.isSafeInteger(seq)) throw new Error(`record seq ${seq} is out of range`);
      return seq;
    }
    reader.skip(wireType, field);
  }
  throw new Error('record without a seq');
}
