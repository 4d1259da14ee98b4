import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDpkgVersions } from './dpkg-version.ts';

test('dpkg version order follows Debian policy', () => {
  const older = (a: string, b: string) => {
    assert.ok(compareDpkgVersions(a, b) < 0, `${a} < ${b}`);
    assert.ok(compareDpkgVersions(b, a) > 0, `${b} > ${a}`);
  };
  older('1.0~rc1', '1.0');
  older('2.0', '1:0.9');
  older('1.0-1', '1.0-2');
  older('1.2.9', '1.2.10');
  older('1.0~~', '1.0~');
  older('1.0', '1.0a');
  older('1.0a', '1.0+');
  older('1.0', '1.0+b1');
  older('5.2.15-2', '5.2.15-2+b7');
  older('1.0-1', '1.0.1-1');
  older('2.36-9+deb12u9', '2.36-9+deb12u10');
  older('9.2p1-2', '1:9.2p1-2');
  older('99999999999999999998', '99999999999999999999');
  for (const [a, b] of [['1.0', '1.0'], ['1.0', '0:1.0'], ['1.0', '1.0-0'], ['01.0', '1.00'], ['1.2-3-4', '1.2-3-4']]) {
    assert.equal(compareDpkgVersions(a!, b!), 0, `${a} = ${b}`);
  }
});

test('dpkg version comparison never throws on garbage', () => {
  for (const [a, b] of [['', ''], ['x:1', '1'], [':', '-'], ['~', ''], ['\0', 'é'], ['1:', ':1']]) {
    assert.equal(typeof compareDpkgVersions(a!, b!), 'number');
  }
  assert.equal(compareDpkgVersions('x:1', '1'), 0);
});
