import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostKernelModules, parseProcModules } from './host-kernel-modules.ts';

const collect = (root: string) => hostKernelModules.collect(hostKernelModules.schema.parse({ type: 'host.kernel_modules', root }), { signal: new AbortController().signal });

test('loaded modules are read from the fixture, without refcounts or addresses', async () => {
  assert.deepEqual(await collect(fileURLToPath(new URL('testdata/host-kernel-modules', import.meta.url))), [
    { name: 'xt_conntrack', size: 12288, used_by: [], state: 'Live' },
    { name: 'nf_nat', size: 61440, used_by: ['nft_chain_nat', 'xt_MASQUERADE', 'xt_nat'], state: 'Live' },
    { name: 'nf_conntrack', size: 196608, used_by: ['nf_conntrack_netlink', 'nf_nat', 'xt_MASQUERADE', 'xt_conntrack', 'xt_nat'], state: 'Live' },
    { name: 'vboxdrv', size: 696320, used_by: ['vboxnetadp', 'vboxnetflt'], state: 'Live', taint: 'OE' },
    { name: 'ipv6', size: 651264, used_by: ['[permanent]'], state: 'Live' },
    { name: 'btrfs', size: 2015232, used_by: [], state: 'Unloading' },
  ]);
});

test('a root without /proc/modules (no module support) has no modules', async () => {
  assert.deepEqual(await collect(fileURLToPath(new URL('testdata/host-kernel-modules/proc', import.meta.url))), []);
});

test('a changed refcount or address does not change the item', () => {
  assert.deepEqual(
    parseProcModules('loop 40960 0 - Live 0xffffffffc0100000\n'),
    parseProcModules('loop 40960 7 - Live 0xffffffffc0200000\n'),
  );
});

test('malformed lines are skipped', () => {
  assert.deepEqual(parseProcModules([
    '',
    'garbage',
    'name notasize 0 - Live 0x0',
    'too many fields here 1 2 3 4 5',
    '\0\0\0',
    ' fuse 204800 3 - Live 0xffffffffc0300000 ',
  ].join('\n')), [{ name: 'fuse', size: 204800, used_by: [], state: 'Live' }]);
});

test('smoke: the real host', async (t) => {
  if (!existsSync('/proc/modules')) return t.skip('/proc/modules does not exist on this machine');
  assert.ok(Array.isArray(await collect('/')));
});
