import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGroups, hostGroups, parseGroupFile, type GroupEntry } from './host-groups.ts';

const fixture = join(import.meta.dirname, 'testdata/host-groups');
const collect = (options: Record<string, unknown>) =>
  hostGroups.collect(hostGroups.schema.parse({ type: 'host.groups', ...options }), { signal: new AbortController().signal });

const group = (name: string, gid: number, members: string[] = [], primary_members: string[] = [], privileged = false): GroupEntry =>
  ({ name, gid, members, primary_members, privileged });

test('collects groups with explicit and primary members from a Debian-like tree', async () => {
  assert.deepEqual(await collect({ root: fixture }), [
    group('root', 0, [], ['root'], true),
    group('daemon', 1, [], ['daemon']),
    group('bin', 2, [], ['bin']),
    group('sys', 3, [], ['sys']),
    group('adm', 4, ['alice', 'syslog']),
    group('tty', 5),
    group('disk', 6),
    group('lp', 7),
    group('mail', 8),
    group('news', 9),
    group('uucp', 10),
    group('man', 12),
    group('proxy', 13),
    group('kmem', 15),
    group('dialout', 20),
    group('cdrom', 24, ['alice']),
    group('floppy', 25),
    // carol is in sudo only through her passwd gid.
    group('sudo', 27, ['alice', 'carol'], ['carol'], true),
    group('audio', 29),
    group('dip', 30, ['alice']),
    group('www-data', 33, [], ['www-data']),
    group('backup', 34),
    group('operator', 37),
    group('list', 38),
    group('irc', 39),
    group('src', 40),
    group('shadow', 42),
    group('utmp', 43),
    group('video', 44),
    group('sasl', 45),
    group('plugdev', 46, ['alice']),
    group('staff', 50),
    group('games', 60),
    group('users', 100),
    group('nogroup', 65534, [], ['nobody', 'sshd']),
    group('systemd-journal', 999),
    group('syslog', 107, [], ['syslog']),
    group('ssh', 108),
    group('docker', 998, ['alice', 'bob']),
    group('alice', 1000, [], ['alice']),
    group('bob', 1001, [], ['bob']),
    // A second gid-0 group is as powerful as root, whatever its name.
    group('backdoor', 0, [], ['root'], true),
  ]);
});

test('privileged_groups replaces the default names', async () => {
  const items = await collect({ root: fixture, privileged_groups: ['docker'] });
  const privileged = items.filter((g) => g.privileged).map((g) => g.name);
  assert.deepEqual(privileged, ['root', 'docker', 'backdoor']);
});

test('a missing group file is an error that names the file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'picket-groups-'));
  try {
    await assert.rejects(collect({ root }), /cannot read .*etc\/group: ENOENT/);
  } finally {
    await rm(root, { recursive: true });
  }
});

test('a missing passwd file is an error too: primary members would silently vanish', async () => {
  const root = await mkdtemp(join(tmpdir(), 'picket-groups-'));
  try {
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/group'), 'root:x:0:\n');
    await assert.rejects(collect({ root }), /cannot read .*etc\/passwd: ENOENT/);
  } finally {
    await rm(root, { recursive: true });
  }
});

test('group lines: members are trimmed, sorted and deduplicated; garbage is skipped', () => {
  const lines = parseGroupFile([
    'sudo:x:27:zed, amy,,amy',
    '',
    '   ',
    '# comment',
    'too:few:fields',
    'too:many:1:fields:here',
    'nogid:x::',
    'neg:x:-1:',
    ':x:1:',
    'wheel:*:10:root',
    '\u0000\uffff:x:9:',
    'crlf:x:11:a\r',
  ].join('\n'));
  assert.deepEqual(lines, [
    { name: 'sudo', gid: 27, members: ['zed', 'amy', 'amy'] },
    { name: 'wheel', gid: 10, members: ['root'] },
    { name: '\u0000\uffff', gid: 9, members: [] },
    { name: 'crlf', gid: 11, members: ['a'] },
  ]);
  assert.deepEqual(buildGroups(lines.slice(0, 1), [], new Set(['sudo'])), [
    { name: 'sudo', gid: 27, members: ['amy', 'zed'], primary_members: [], privileged: true },
  ]);
});

test('parsing never throws on arbitrary input', () => {
  for (const text of ['', '\n\n', ':::', ':::\n::::', 'a:b:c:d:e:f', '\u0000'.repeat(100), 'x'.repeat(10_000)]) {
    assert.doesNotThrow(() => buildGroups(parseGroupFile(text), [], new Set()));
  }
});
