import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { effectiveExecStart, hostSystemdUnits, parseSystemctlListUnits, parseUnitFile, resolveLinks } from './host-systemd-units.ts';

const collect = (root: string) => hostSystemdUnits.collect(hostSystemdUnits.schema.parse({ type: 'host.systemd_units', root }), { signal: new AbortController().signal });

/** The committed unit files plus the links `systemctl enable`, `mask` and `link` would make (git keeps no links). */
async function makeFixtureRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'picket-systemd-units-'));
  await cp(fileURLToPath(new URL('testdata/host-systemd-units', import.meta.url)), root, { recursive: true });
  const links: [string, string][] = [
    ['etc/systemd/system/multi-user.target.wants/custom-backdoor.service', '/etc/systemd/system/custom-backdoor.service'],
    ['etc/systemd/system/multi-user.target.wants/ssh.service', '/lib/systemd/system/ssh.service'],
    ['etc/systemd/system/sshd.service', '/lib/systemd/system/ssh.service'],
    ['etc/systemd/system/timers.target.wants/fstrim.timer', '/usr/lib/systemd/system/fstrim.timer'],
    ['etc/systemd/system/getty.target.wants/getty@tty1.service', '/usr/lib/systemd/system/getty@.service'],
    ['etc/systemd/system/sockets.target.requires/docker.socket', '/lib/systemd/system/docker.socket'],
    // Enabled by its alias alone, as `systemctl enable` does for a unit whose [Install] has only Alias=.
    ['etc/systemd/system/dbus-org.freedesktop.timesync1.service', '/usr/lib/systemd/system/systemd-timesyncd.service'],
    ['etc/systemd/system/bluetooth.service', '/dev/null'],
    ['etc/systemd/system/ssh.service.d/60-hardening.conf', '/dev/null'],
    ['lib/systemd/system/hwclock.service', '/dev/null'],
    // Dangling: the unit of the same name in lib is used instead.
    ['etc/systemd/system/dangling.service', '/nonexistent/dangling.service'],
    // `systemctl link` with a relative target that climbs above the root: it stays inside.
    ['etc/systemd/system/linked.service', '../../../../../../../../../opt/app/linked.service'],
    ['etc/systemd/system/loop.service', 'loop.service'],
  ];
  for (const [path, target] of links) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await symlink(target, join(root, path));
  }
  return root;
}

test('units, their enablement, ExecStart and drop-ins come from the fixture tree', async (t) => {
  const root = await makeFixtureRoot();
  t.after(() => rm(root, { recursive: true, force: true }));
  assert.deepEqual(await collect(root), [
    { name: 'bluetooth.service', path: '/etc/systemd/system/bluetooth.service', enabled: 'masked' },
    { name: 'cron.service', path: '/lib/systemd/system/cron.service', enabled: 'disabled', exec_start: '/usr/sbin/cron -f $EXTRA_OPTS' },
    { name: 'custom-backdoor.service', path: '/etc/systemd/system/custom-backdoor.service', enabled: 'enabled', exec_start: '/usr/local/bin/.hidden/agent --connect 203.0.113.7:4444' },
    { name: 'dangling.service', path: '/lib/systemd/system/dangling.service', enabled: 'static', exec_start: '/bin/true' },
    { name: 'dbus-org.freedesktop.timesync1.service', path: '/usr/lib/systemd/system/systemd-timesyncd.service', enabled: 'alias' },
    { name: 'docker.socket', path: '/lib/systemd/system/docker.socket', enabled: 'enabled' },
    { name: 'fstrim.timer', path: '/usr/lib/systemd/system/fstrim.timer', enabled: 'enabled' },
    { name: 'getty@.service', path: '/usr/lib/systemd/system/getty@.service', enabled: 'enabled', exec_start: "-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM" },
    { name: 'hwclock.service', path: '/lib/systemd/system/hwclock.service', enabled: 'masked' },
    { name: 'linked.service', path: '/opt/app/linked.service', enabled: 'disabled', exec_start: '/opt/app/bin/linked' },
    { name: 'multi-user.target', path: '/lib/systemd/system/multi-user.target', enabled: 'static' },
    { name: 'netplan-ovs-cleanup.service', path: '/run/systemd/system/netplan-ovs-cleanup.service', enabled: 'static', exec_start: '/usr/sbin/netplan apply --only-ovs-cleanup' },
    {
      name: 'ssh.service', path: '/lib/systemd/system/ssh.service', enabled: 'enabled',
      // The /etc drop-in resets ExecStart; the vendor's override.conf is shadowed and 60-hardening.conf masked.
      exec_start: '/usr/sbin/sshd -D -o PermitRootLogin=yes',
      drop_ins: ['/lib/systemd/system/ssh.service.d/50-limits.conf', '/etc/systemd/system/ssh.service.d/override.conf'],
    },
    { name: 'sshd.service', path: '/lib/systemd/system/ssh.service', enabled: 'alias' },
    { name: 'systemd-timesyncd.service', path: '/usr/lib/systemd/system/systemd-timesyncd.service', enabled: 'enabled', exec_start: '!!/lib/systemd/systemd-timesyncd' },
    { name: 'tmp.mount', path: '/usr/lib/systemd/system/tmp.mount', enabled: 'disabled' },
  ]);
});

test('a root without systemd has no units', async () => {
  assert.deepEqual(await collect(fileURLToPath(new URL('testdata/host-systemd-units/opt', import.meta.url))), []);
});

test('sub-states are volatile, active states are not', () => {
  assert.deepEqual(hostSystemdUnits.ignoredFields, ['sub']);
});

test('links resolve under the root, never into the host', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'picket-systemd-links-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'etc'), { recursive: true });
  // /etc/hostname exists on the host, not in this root.
  await symlink('/etc/hostname', join(root, 'etc/a'));
  await symlink('b', join(root, 'etc/c'));
  await symlink('c', join(root, 'etc/b'));
  await symlink('../../../..', join(root, 'etc/up'));
  assert.equal(await resolveLinks(root, '/etc/a'), undefined);
  assert.equal(await resolveLinks(root, '/etc/b'), undefined, 'a loop ends');
  assert.equal(await resolveLinks(root, '/etc/up'), undefined, 'the root directory is no file');
  assert.equal(await resolveLinks(root, '/etc'), undefined);
  assert.equal(await resolveLinks(root, '/missing/x'), undefined);
});

test('unit file syntax: sections, comments, continuations, garbage', () => {
  assert.deepEqual(parseUnitFile([
    'Orphan=before any section',
    '[Unit]',
    'Description = spaced out ',
    '# ExecStart=/commented',
    '; ExecStart=/commented too',
    'no equals sign',
    '=no key',
    '[Service]',
    'ExecStart=/bin/a \\',
    '  --flag \\',
    '  value',
    'Environment=A=B',
    '[broken',
    '\0\0',
    '[Install]',
    'WantedBy=multi-user.target',
  ].join('\n')), [
    { section: 'Unit', key: 'Description', value: 'spaced out' },
    { section: 'Service', key: 'ExecStart', value: '/bin/a --flag value' },
    { section: 'Service', key: 'Environment', value: 'A=B' },
    { section: 'Install', key: 'WantedBy', value: 'multi-user.target' },
  ]);
  assert.deepEqual(parseUnitFile(''), []);
});

test('ExecStart: an empty assignment resets the list, later ones append', () => {
  const exec = (...values: string[]) => effectiveExecStart(values.map((value) => ({ section: 'Service', key: 'ExecStart', value })));
  assert.equal(exec('/a', '/b'), '/a');
  assert.equal(exec('/a', '', '/b'), '/b');
  assert.equal(exec('/a', ''), undefined);
  assert.equal(exec(), undefined);
  assert.equal(effectiveExecStart([{ section: 'Socket', key: 'ExecStart', value: '/x' }]), undefined);
});

test('systemctl list-units output: columns, status marks, garbage', () => {
  const states = parseSystemctlListUnits([
    'cron.service                   loaded    active   running Regular background program processing daemon',
    'apt-daily.timer                loaded    active   waiting Daily apt download activities',
    '● postgresql@15-main.service   loaded    failed   failed  PostgreSQL Cluster 15-main',
    'nonexistent.service            not-found inactive dead    nonexistent.service',
    '',
    'garbage',
    'two fields',
  ].join('\n'));
  assert.deepEqual([...states], [
    ['cron.service', { load: 'loaded', active: 'active', sub: 'running' }],
    ['apt-daily.timer', { load: 'loaded', active: 'active', sub: 'waiting' }],
    ['postgresql@15-main.service', { load: 'loaded', active: 'failed', sub: 'failed' }],
    ['nonexistent.service', { load: 'not-found', active: 'inactive', sub: 'dead' }],
  ]);
});

test('smoke: the real host', async (t) => {
  if (!existsSync('/etc/systemd/system') && !existsSync('/lib/systemd/system')) return t.skip('no systemd unit directories on this machine');
  assert.ok(Array.isArray(await collect('/')));
});
