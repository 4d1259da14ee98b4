import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSnapshot, diffSnapshots } from '../differ.ts';
import { decodeAddress, formatIPv6, hostSockets, isListening, parseSocketTable, type ListeningSocket } from './host-sockets.ts';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   113        0 23456 1 0000000000000000 100 0 0 10 0
   2: 0F02000A:0016 0102000A:D431 01 00000000:00000000 02:0000A8C1 00000000     0        0 34567 4 0000000000000000 20 4 29 10 -1
   3: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 61001 1 0000000000000000 100 0 0 10 0
   4: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 61000 1 0000000000000000 100 0 0 10 0
garbage that is not a socket row
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 45678 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 56789 1 0000000000000000 100 0 0 10 0
`;

const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  283: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 15263 2 0000000000000000 0
  300: 0F02000A:A1B2 08080808:0035 01 00000000:00000000 00:00000000 00000000  1000        0 15999 2 0000000000000000 0
`;

let root: string;

/** A fake /proc: pid -> comm, exe link (if any) and fd link targets. */
const processes: Record<number, { comm: string; exe?: string; fds: string[] }> = {
  700: { comm: 'dhclient', exe: '/usr/sbin/dhclient', fds: ['/dev/null', 'socket:[15263]'] },
  812: { comm: 'sshd', exe: '/usr/sbin/sshd', fds: ['/dev/null', 'socket:[12345]', 'socket:[12346]'] },
  900: { comm: 'postgres', fds: ['socket:[23456]'] },
  1500: { comm: 'sshd', exe: '/usr/sbin/sshd', fds: ['socket:[34567]'] },
  2000: { comm: 'cupsd', exe: '/usr/sbin/cupsd', fds: ['socket:[45678]'] },
  2001: { comm: 'cups-worker', exe: '/usr/lib/cups/worker', fds: ['socket:[45678]'] },
  3001: { comm: 'nginx', exe: '/usr/sbin/nginx', fds: ['socket:[61001]'] },
  3000: { comm: 'nginx', exe: '/usr/sbin/nginx', fds: ['socket:[61000]'] },
};

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'picket-sockets-'));
  await mkdir(join(root, 'proc/net'), { recursive: true });
  await writeFile(join(root, 'proc/net/tcp'), TCP);
  await writeFile(join(root, 'proc/net/tcp6'), TCP6);
  await writeFile(join(root, 'proc/net/udp'), UDP);
  // No udp6: an absent table is not an error.
  for (const [pid, { comm, exe, fds }] of Object.entries(processes)) {
    const dir = join(root, 'proc', pid);
    await mkdir(join(dir, 'fd'), { recursive: true });
    await writeFile(join(dir, 'comm'), `${comm}\n`);
    if (exe) await symlink(exe, join(dir, 'exe'));
    for (const [fd, target] of fds.entries()) await symlink(target, join(dir, 'fd', String(fd)));
  }
});

after(() => rm(root, { recursive: true, force: true }));

const collect = () => hostSockets.collect(hostSockets.schema.parse({ type: 'host.sockets', root }), { signal: new AbortController().signal });

test('listening TCP and unconnected UDP sockets, with their owners', async () => {
  const sockets = await collect();
  assert.deepEqual(sockets, [
    { protocol: 'tcp', address: '0.0.0.0', port: 22, uid: 0, process: { name: 'sshd', pid: 812, exe: '/usr/sbin/sshd' } },
    { protocol: 'tcp', address: '0.0.0.0', port: 80, uid: 33, process: { name: 'nginx', pid: 3000, exe: '/usr/sbin/nginx' } },
    { protocol: 'tcp', address: '0.0.0.0', port: 80, uid: 33, process: { name: 'nginx', pid: 3001, exe: '/usr/sbin/nginx' } },
    { protocol: 'tcp', address: '127.0.0.1', port: 5432, uid: 113, process: { name: 'postgres', pid: 900 } },
    { protocol: 'tcp', address: '::', port: 22, uid: 0, process: { name: 'sshd', pid: 812, exe: '/usr/sbin/sshd' } },
    { protocol: 'tcp', address: '::1', port: 631, uid: 0, process: { name: 'cupsd', pid: 2000, exe: '/usr/sbin/cupsd' } },
    { protocol: 'tcp', address: '::ffff:127.0.0.1', port: 8080, uid: 1000 },
    { protocol: 'udp', address: '0.0.0.0', port: 68, uid: 0, process: { name: 'dhclient', pid: 700, exe: '/usr/sbin/dhclient' } },
  ]);
});

test('sockets on one address get key suffixes; a new pid alone is no change', async () => {
  const sockets = await collect();
  const first = buildSnapshot(sockets, hostSockets.key, hostSockets.ignoredFields);
  const keys = first.items.map((item) => item.key);
  assert.ok(keys.includes('tcp:0.0.0.0:80') && keys.includes('tcp:0.0.0.0:80#2'));

  const restarted = sockets.map((s): ListeningSocket => (s.process?.name === 'sshd' ? { ...s, process: { ...s.process, pid: 4242 } } : s));
  assert.deepEqual(diffSnapshots(first, buildSnapshot(restarted, hostSockets.key, hostSockets.ignoredFields), hostSockets.ignoredFields).modified, []);

  const replaced = sockets.map((s): ListeningSocket => (s.process?.name === 'sshd' ? { ...s, process: { ...s.process, exe: '/tmp/sshd' } } : s));
  const diff = diffSnapshots(first, buildSnapshot(replaced, hostSockets.key, hostSockets.ignoredFields), hostSockets.ignoredFields);
  assert.deepEqual(diff.modified.map((m) => [m.key, m.changedPaths]), [['tcp:0.0.0.0:22', ['process.exe']], ['tcp::::22', ['process.exe']]]);
});

test('table rows: the header and malformed lines are skipped, states kept', () => {
  const rows = parseSocketTable(TCP, 'tcp');
  assert.equal(rows.length, 5);
  assert.deepEqual(rows[2], { protocol: 'tcp', address: '10.0.2.15', port: 22, state: '01', uid: 0, inode: 34567 });
  assert.equal(rows.filter(isListening).length, 4);
  assert.deepEqual(parseSocketTable(UDP, 'udp').filter(isListening).map((r) => r.port), [68]);
});

test('addresses: IPv4, and IPv6 in RFC 5952 form', () => {
  assert.equal(decodeAddress('0100007F'), '127.0.0.1');
  assert.equal(decodeAddress('7F000001', false), '127.0.0.1');
  assert.equal(decodeAddress('B80D0120000000000000000001000000'), '2001:db8::1');
  assert.equal(decodeAddress('000080FE00000000FF00000267452BFE'), 'fe80::200:ff:fe2b:4567');
  const bytes = (groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);
  assert.equal(formatIPv6(bytes([0, 0, 0, 0, 0, 0, 0, 0])), '::');
  assert.equal(formatIPv6(bytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), '2001:db8::1:0:0:1');
  assert.equal(formatIPv6(bytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), '2001:db8:0:1:1:1:1:1');
  assert.equal(formatIPv6(bytes([0x2001, 0, 0, 1, 0, 0, 0, 1])), '2001:0:0:1::1');
  assert.equal(formatIPv6(bytes([1, 0, 0, 0, 0, 0, 0, 0])), '1::');
  assert.equal(formatIPv6(bytes([0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x020f])), '::ffff:10.0.2.15');
});

test('on this host: an array with nothing that only has non-listening rows', { skip: !existsSync('/proc/net/tcp') && 'no /proc/net/tcp' }, async () => {
  const tables = await Promise.all(['tcp', 'tcp6', 'udp', 'udp6'].map(async (file) => {
    const text = await readFile(join('/proc/net', file), 'utf8').catch(() => '');
    return parseSocketTable(text, file.startsWith('tcp') ? 'tcp' : 'udp');
  }));
  const sockets = await hostSockets.collect(hostSockets.schema.parse({ type: 'host.sockets' }), { signal: new AbortController().signal });
  assert.ok(Array.isArray(sockets));
  const keyOf = (row: { protocol: string; address: string; port: number }) => `${row.protocol}:${row.address}:${row.port}`;
  const rows = tables.flat();
  const listening = new Set(rows.filter(isListening).map(keyOf));
  const notListening = new Set(rows.filter((row) => !isListening(row)).map(keyOf).filter((key) => !listening.has(key)));
  for (const socket of sockets) assert.ok(!notListening.has(keyOf(socket)), `${keyOf(socket)} is not listening`);
});
