import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nowMicros, parseDuration, parseSize } from './time.ts';

test('durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('30'), undefined);
  assert.equal(parseDuration('-1s'), undefined);
});

test('sizes', () => {
  assert.equal(parseSize('64KiB'), 65_536);
  assert.equal(parseSize('1 GiB'), 1024 ** 3);
  assert.equal(parseSize('1000'), 1000);
  assert.equal(parseSize('1 parsec'), undefined);
});

test('nowMicros is close to Date.now()', () => {
  assert.ok(Math.abs(nowMicros() / 1000 - Date.now()) < 50);
});
