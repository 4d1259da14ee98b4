import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { duration, parseConfig, size } from './config.ts';

const schema = z.strictObject({
  name: z.string().default('picket'),
  interval: duration.prefault('30s'),
  limit: size.prefault('64KiB'),
  listeners: z.array(z.strictObject({ port: z.number().int().max(65535) })).default([]),
});

test('an empty document takes every default', () => {
  assert.deepEqual(parseConfig(schema, '', 'x.yaml'), { name: 'picket', interval: 30_000, limit: 65_536, listeners: [] });
});

test('errors name the file, the line and the field', () => {
  const text = 'name: a\nlisteners:\n  - port: 1\n  - port: 99999\n';
  assert.throws(() => parseConfig(schema, text, 'agent.yaml'), /agent\.yaml:4: listeners\.1\.port: /);
});

test('unknown keys are rejected by name', () => {
  assert.throws(() => parseConfig(schema, 'name: a\nintervall: 5s\n', 'agent.yaml'), /agent\.yaml:2: intervall: unknown key/);
});

test('bad durations and sizes say what is expected', () => {
  assert.throws(() => parseConfig(schema, 'interval: soon\n', 'a.yaml'), /interval: "soon" is not a duration/);
  assert.throws(() => parseConfig(schema, 'limit: lots\n', 'a.yaml'), /limit: "lots" is not a size/);
});

test('YAML syntax errors point at the place', () => {
  assert.throws(() => parseConfig(schema, 'name: [a\n', 'a.yaml'), /a\.yaml:\d+:\d+: /);
});

test('YAML 1.2: yes stays a string', () => {
  assert.equal(parseConfig(schema, 'name: yes\n', 'a.yaml').name, 'yes');
});
