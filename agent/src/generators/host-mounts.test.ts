import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeOctalEscapes, hostMounts, parseProcMounts } from './host-mounts.ts';

const fixtureRoot = fileURLToPath(new URL('testdata/host-mounts', import.meta.url));
const collect = (root: string) => hostMounts.collect(hostMounts.schema.parse({ type: 'host.mounts', root }), { signal: new AbortController().signal });

test('mounts are read from the fixture, escapes decoded and options sorted', async () => {
  assert.deepEqual(await collect(fixtureRoot), [
    { device: 'sysfs', mount_point: '/sys', fs_type: 'sysfs', options: ['nodev', 'noexec', 'nosuid', 'relatime', 'rw'] },
    { device: 'proc', mount_point: '/proc', fs_type: 'proc', options: ['nodev', 'noexec', 'nosuid', 'relatime', 'rw'] },
    { device: 'udev', mount_point: '/dev', fs_type: 'devtmpfs', options: ['inode64', 'mode=755', 'nosuid', 'nr_inodes=2029836', 'relatime', 'rw', 'size=8119344k'] },
    { device: '/dev/nvme0n1p2', mount_point: '/', fs_type: 'ext4', options: ['errors=remount-ro', 'relatime', 'rw'] },
    {
      device: '/dev/nvme0n1p1', mount_point: '/boot/efi', fs_type: 'vfat',
      options: ['codepage=437', 'dmask=0077', 'errors=remount-ro', 'fmask=0077', 'iocharset=ascii', 'relatime', 'rw', 'shortname=mixed', 'utf8'],
    },
    { device: 'tmpfs', mount_point: '/run', fs_type: 'tmpfs', options: ['inode64', 'mode=755', 'nodev', 'noexec', 'nosuid', 'relatime', 'rw', 'size=1631500k'] },
    { device: '/dev/sdb1', mount_point: '/media/alice/My Backup\tDisk', fs_type: 'vfat', options: ['gid=1000', 'nodev', 'nosuid', 'relatime', 'rw', 'uid=1000'] },
    { device: '//fileserver/share\\docs', mount_point: '/mnt/smb', fs_type: 'cifs', options: ['relatime', 'ro', 'username=alice', 'vers=3.1.1'] },
    // Stacked: mount order is kept, so the mount on top gets the '#2' key.
    { device: 'tmpfs', mount_point: '/tmp', fs_type: 'tmpfs', options: ['nodev', 'nosuid', 'rw'] },
    { device: 'tmpfs', mount_point: '/tmp', fs_type: 'tmpfs', options: ['nodev', 'noexec', 'nosuid', 'ro'] },
    {
      device: 'overlay', mount_point: '/var/lib/docker/overlay2/abc/merged', fs_type: 'overlay',
      options: ['lowerdir=/l/a,b:/l/c', 'relatime', 'rw', 'upperdir=/u', 'workdir=/w'],
    },
  ]);
});

test('the option order the kernel prints does not matter', () => {
  assert.deepEqual(parseProcMounts('a /x ext4 rw,noatime 0 0'), parseProcMounts('a /x ext4 noatime,rw 0 0'));
});

test('octal escapes: only backslash and three octal digits', () => {
  assert.equal(decodeOctalEscapes('/a\\040b\\012c\\134d\\043e'), '/a b\nc\\d#e');
  assert.equal(decodeOctalEscapes('/no/escapes'), '/no/escapes');
  assert.equal(decodeOctalEscapes('/bad\\9\\04\\'), '/bad\\9\\04\\');
  assert.equal(decodeOctalEscapes('/naïve\\040café'), '/naïve café');
});

test('an unreadable /proc/mounts is an error, garbage lines are skipped', async () => {
  await assert.rejects(collect(fileURLToPath(new URL('testdata/host-mounts/proc', import.meta.url))), /cannot read .*proc\/mounts: ENOENT/);
  assert.deepEqual(parseProcMounts('\n\0\nonly three fields\n a  /b  c  d \n'), [{ device: 'a', mount_point: '/b', fs_type: 'c', options: ['d'] }]);
  assert.deepEqual(parseProcMounts('dev /m t ,, 0 0'), [{ device: 'dev', mount_point: '/m', fs_type: 't', options: [] }]);
});

test('smoke: the real host', async (t) => {
  if (!existsSync('/proc/mounts')) return t.skip('/proc/mounts does not exist on this machine');
  assert.ok(Array.isArray(await collect('/')));
});
