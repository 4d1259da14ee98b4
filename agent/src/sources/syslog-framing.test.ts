import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyslogFramer } from './syslog-framing.ts';

function frame(input: (string | Buffer)[], max = 64): { messages: string[]; errors: string[] } {
  const messages: string[] = [];
  const errors: string[] = [];
  const framer = new SyslogFramer(
    max,
    (buf, start, end, truncated) => messages.push((truncated ? '[T]' : '') + buf.toString('latin1', start, end)),
    (detail) => errors.push(detail),
  );
  for (const part of input) framer.push(Buffer.isBuffer(part) ? part : Buffer.from(part, 'latin1'));
  framer.end();
  return { messages, errors };
}

test('LF, CRLF and NUL delimited messages, split anywhere', () => {
  const stream = '<13>one\n<13>two\r\n<13>three\0<13>four';
  const whole = frame([stream]);
  assert.deepEqual(whole.messages, ['<13>one', '<13>two', '<13>three', '<13>four']);
  for (let cut = 1; cut < stream.length; cut++) {
    assert.deepEqual(frame([stream.slice(0, cut), stream.slice(cut)]).messages, whole.messages, `cut at ${cut}`);
  }
});

test('octet counting, split anywhere, with LF inside a message', () => {
  const stream = '11 <13>a\nline29 <13>hello';
  const whole = frame([stream]);
  assert.deepEqual(whole.messages, ['<13>a\nline2', '<13>hello']);
  for (let cut = 1; cut < stream.length; cut++) {
    assert.deepEqual(frame([stream.slice(0, cut), stream.slice(cut)]).messages, whole.messages, `cut at ${cut}`);
  }
});

test('an over-long delimited message is truncated and framing resynchronises', () => {
  const long = 'x'.repeat(200);
  const { messages } = frame([`<13>a\n${long.slice(0, 50)}`, `${long.slice(50)}\n<13>b\n`], 64);
  assert.deepEqual(messages, ['<13>a', `[T]${'x'.repeat(64)}`, '<13>b']);
});

test('an over-long octet-counted message is truncated and the rest skipped', () => {
  const long = 'y'.repeat(100);
  const stream = `100 ${long}5 <13>z`;
  const { messages } = frame([stream.slice(0, 70), stream.slice(70)], 64);
  assert.deepEqual(messages, [`[T]${'y'.repeat(64)}`, '<13>z']);
});

test('a bad octet count is reported and the stream falls back to lines', () => {
  const { messages, errors } = frame(['12x garbage\n<13>next\n']);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /LENGTH SP/);
  assert.deepEqual(messages, ['<13>next']);
});

test('a stream that ends inside a frame is reported', () => {
  const { messages, errors } = frame(['20 <13>short']);
  assert.deepEqual(messages, []);
  assert.match(errors[0]!, /ended inside a frame/);
});

test('binary garbage never throws', () => {
  const random = Buffer.alloc(10_000);
  for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) % 256;
  for (const lead of ['', '5']) {
    assert.doesNotThrow(() => frame([Buffer.concat([Buffer.from(lead), random])], 128));
  }
});
