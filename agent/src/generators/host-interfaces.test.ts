import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatIpv6, hostInterfaces, parseIfInet6 } from './host-interfaces.ts';

const collect = (root: string) => hostInterfaces.collect(hostInterfaces.schema.parse({ type: 'host.interfaces', root }), { signal: new AbortController().signal });

test('interfaces are read from the fixture sysfs, with their IPv6 addresses', async () => {
  assert.deepEqual(await collect(fileURLToPath(new URL('testdata/host-interfaces', import.meta.url))), [
    // docker0's type file is missing: only what can be read is there.
    { name: 'docker0', mac: '02:42:ac:11:00:01', mtu: 1500, state: 'down', addresses: [] },
    // The temporary privacy address (flags 01) is left out.
    { name: 'eth0', mac: '52:54:00:12:34:56', mtu: 1500, state: 'up', link_type: 1, addresses: ['2001:db8::42/128', '2001:db8::42/64', 'fe80::5054:ff:fe12:3456/64'] },
    { name: 'lo', mac: '00:00:00:00:00:00', mtu: 65536, state: 'unknown', link_type: 772, addresses: ['::1/128'] },
    // In if_inet6 but not in sysfs.
    { name: 'tun9', addresses: ['fe80::abc/64'] },
    // No hardware address: an empty address file means no mac.
    { name: 'wg0', mtu: 1420, state: 'unknown', link_type: 65534, addresses: ['fd00::2/64'] },
  ]);
});

test('a root without sysfs or if_inet6 has no interfaces', async () => {
  assert.deepEqual(await collect(fileURLToPath(new URL('testdata/host-interfaces/proc/net', import.meta.url))), []);
});

test('IPv6 addresses are written as RFC 5952 says', () => {
  assert.equal(formatIpv6('00000000000000000000000000000001'), '::1');
  assert.equal(formatIpv6('00000000000000000000000000000000'), '::');
  assert.equal(formatIpv6('FE800000000000000000000000000001'), 'fe80::1');
  assert.equal(formatIpv6('20010db8000000010000000000000001'), '2001:db8:0:1::1');
  assert.equal(formatIpv6('20010db8000000000001000000000001'), '2001:db8::1:0:0:1');
  assert.equal(formatIpv6('20010db8000100010001000100010001'), '2001:db8:1:1:1:1:1:1');
  assert.equal(formatIpv6('20010db8000000010001000100010000'), '2001:db8:0:1:1:1:1:0');
  assert.equal(formatIpv6('20010000000000000000000000000000'), '2001::');
  for (const bad of ['', '1', 'zz000000000000000000000000000001', '000000000000000000000000000000001']) assert.equal(formatIpv6(bad), undefined);
});

test('if_inet6: malformed lines are skipped', () => {
  assert.deepEqual(parseIfInet6([
    '',
    'garbage',
    '00000000000000000000000000000001 01 zz 10 80 lo',
    '00000000000000000000000000000001 01 81 10 80 lo',
    '0000000000000000000000000000001 01 80 10 80 lo',
    '00000000000000000000000000000001 01 80 10 80 lo extra',
    '  20010db8000000000000000000000001 03 30 00 00 br-lan  ',
  ].join('\n')), [{ name: 'br-lan', cidr: '2001:db8::1/48' }]);
});

test('smoke: the real host', async (t) => {
  if (!existsSync('/sys/class/net')) return t.skip('/sys/class/net does not exist on this machine');
  const interfaces = await collect('/');
  assert.ok(Array.isArray(interfaces));
});
