/**
 * Splits a syslog TCP stream into messages (RFC 6587). The framing is
 * detected once per connection from its first byte: a digit means octet
 * counting (`LEN SP MSG`), anything else means non-transparent framing where
 * LF or NUL ends a message (a CR before the LF is dropped).
 *
 * A message longer than the limit is cut at the limit and reported with
 * `truncated`; the rest of it is skipped, so framing resynchronises at the
 * next delimiter (or, with octet counting, after the announced length). A
 * malformed octet count is reported and the connection falls back to
 * delimiter framing from the next LF.
 *
 * Messages are handed out as (buffer, start, end) views into the received
 * bytes: nothing is allocated per message.
 */
export type MessageHandler = (buf: Buffer, start: number, end: number, truncated: boolean) => void;
export type FramingErrorHandler = (detail: string) => void;

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SPACE = 0x20;
const MAX_LENGTH_DIGITS = 10;

type Mode = 'detect' | 'delimited' | 'octet-counting';

export class SyslogFramer {
  readonly #maxMessageBytes: number;
  readonly #onMessage: MessageHandler;
  readonly #onError: FramingErrorHandler;
  #mode: Mode = 'detect';
  /** Bytes of an unfinished message carried over from earlier chunks. */
  #carry: Buffer | undefined;
  /** Bytes still to skip: the tail of a truncated message. */
  #skip = 0;
  /** Delimited framing: skipping the rest of an over-long line. */
  #skipToDelimiter = false;

  constructor(maxMessageBytes: number, onMessage: MessageHandler, onError: FramingErrorHandler) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#onMessage = onMessage;
    this.#onError = onError;
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.#carry) {
      buf = Buffer.concat([this.#carry, chunk]);
      this.#carry = undefined;
    }
    let pos = 0;
    while (pos < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - pos);
        this.#skip -= n;
        pos += n;
        continue;
      }
      if (this.#mode === 'detect') {
        const first = buf[pos]!;
        this.#mode = first >= 0x30 && first <= 0x39 ? 'octet-counting' : 'delimited';
      }
      const next = this.#mode === 'octet-counting' ? this.#octetCounted(buf, pos) : this.#delimited(buf, pos);
      if (next < 0) {
        this.#carry = buf.subarray(pos);
        return;
      }
      pos = next;
    }
  }

  /** The stream ended: a final message without a delimiter still counts. */
  end(): void {
    const rest = this.#carry;
    this.#carry = undefined;
    if (!rest || rest.length === 0 || this.#skipToDelimiter) return;
    if (this.#mode === 'octet-counting') {
      this.#onError(`stream ended inside a frame (${rest.length} bytes unread)`);
      return;
    }
    this.#emit(rest, 0, rest.length, false);
  }

  /** Returns where the next frame starts, or -1 when the message is incomplete. */
  #delimited(buf: Buffer, pos: number): number {
    let end = pos;
    const limit = buf.length;
    while (end < limit && buf[end] !== LF && buf[end] !== NUL) end++;
    if (end === limit) {
      // No delimiter yet: keep at most one message's worth of bytes.
      if (this.#skipToDelimiter) return limit;
      if (limit - pos > this.#maxMessageBytes) {
        this.#onMessage(buf, pos, pos + this.#maxMessageBytes, true);
        this.#skipToDelimiter = true;
        return limit;
      }
      return -1;
    }
    if (this.#skipToDelimiter) {
      this.#skipToDelimiter = false;
    } else if (end - pos > this.#maxMessageBytes) {
      this.#onMessage(buf, pos, pos + this.#maxMessageBytes, true);
    } else {
      this.#emit(buf, pos, end, false);
    }
    return end + 1;
  }

  #octetCounted(buf: Buffer, pos: number): number {
    let cursor = pos;
    let length = 0;
    while (cursor < buf.length && buf[cursor] !== SPACE) {
      const digit = buf[cursor]! - 0x30;
      if (digit < 0 || digit > 9 || cursor - pos >= MAX_LENGTH_DIGITS) return this.#badFrame(buf, pos, cursor);
      length = length * 10 + digit;
      cursor++;
    }
    if (cursor === buf.length) return -1;
    if (cursor === pos || length === 0) return this.#badFrame(buf, pos, cursor);
    const start = cursor + 1;
    const available = buf.length - start;
    if (length > this.#maxMessageBytes) {
      if (available < this.#maxMessageBytes) return -1;
      this.#onMessage(buf, start, start + this.#maxMessageBytes, true);
      const consumed = Math.min(length, available);
      this.#skip = length - consumed;
      return start + consumed;
    }
    if (available < length) return -1;
    this.#emit(buf, start, start + length, false);
    return start + length;
  }

  #badFrame(buf: Buffer, pos: number, at: number): number {
    const shown = buf.subarray(pos, Math.min(at + 1, pos + 16)).toString('latin1');
    this.#onError(`expected "LENGTH SP" at the start of a frame, got ${JSON.stringify(shown)}`);
    this.#mode = 'delimited';
    this.#skipToDelimiter = true;
    return pos;
  }

  #emit(buf: Buffer, start: number, end: number, truncated: boolean): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (end > start) this.#onMessage(buf, start, end, truncated);
  }
}
