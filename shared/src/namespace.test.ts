import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileNamespacePattern } from './namespace.ts';

test('namespace patterns match by segment', () => {
  const cases: [string, string, boolean][] = [
    ['host.users', 'host.users', true],
    ['host.users', 'host.groups', false],
    ['host.*', 'host.users', true],
    ['host.*', 'host', false],
    ['host.*', 'host.users.sudo', false],
    ['aws.**', 'aws.cloudtrail', true],
    ['aws.**', 'aws.iam.users', true],
    ['aws.**', 'aws', false],
    ['**', 'syslog', true],
    ['*', 'host.users', false],
    ['syslog', 'syslogx', false],
  ];
  for (const [pattern, name, expected] of cases) {
    assert.equal(compileNamespacePattern(pattern)(name), expected, `${pattern} vs ${name}`);
  }
});

test('invalid patterns are rejected with the pattern named', () => {
  assert.throws(() => compileNamespacePattern('host..users'), /host\.\.users/);
  assert.throws(() => compileNamespacePattern('Host.*'), /Host/);
});
