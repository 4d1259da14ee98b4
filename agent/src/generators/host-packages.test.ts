import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostPackages, parseDpkgStatus, parseRpmQuery } from './host-packages.ts';

const fixtureRoot = fileURLToPath(new URL('testdata/host-packages', import.meta.url));
const collect = (root: string) => hostPackages.collect(hostPackages.schema.parse({ type: 'host.packages', root }), { signal: new AbortController().signal });

test('installed dpkg packages are read from the fixture status file', async () => {
  assert.deepEqual(await collect(fixtureRoot), [
    { name: 'adduser', version: '3.134', arch: 'all', manager: 'dpkg' },
    { name: 'bash', version: '5.2.15-2+b7', arch: 'amd64', manager: 'dpkg', source: 'bash' },
    { name: 'libc6', version: '2.36-9+deb12u10', arch: 'amd64', manager: 'dpkg', source: 'glibc' },
    { name: 'libc6', version: '2.36-9+deb12u10', arch: 'i386', manager: 'dpkg', source: 'glibc' },
    // Waiting only for triggers: installed. nano (config-files) and openssh-server (half-installed) are not.
    { name: 'tzdata', version: '2024a-0+deb12u1', arch: 'all', manager: 'dpkg' },
  ]);
});

test('keys tell architectures and managers apart', () => {
  assert.equal(hostPackages.key({ name: 'libc6', version: '1', arch: 'i386', manager: 'dpkg' }), 'dpkg:libc6:i386');
});

test('a root without a package database has no packages', async () => {
  assert.deepEqual(await collect(fileURLToPath(new URL('testdata/host-packages/var', import.meta.url))), []);
});

test('dpkg stanzas without a name, version or arch, and garbage, are skipped', () => {
  const packages = parseDpkgStatus([
    'Package: ok',
    'Status: install ok installed',
    'Architecture: amd64',
    'Version: 1.0',
    '',
    '',
    'Package: no-version',
    'Status: install ok installed',
    'Architecture: amd64',
    '',
    'this line has no colon',
    ': no field name',
    ' continuation without a field',
    'Package: crlf\r',
    'status: install ok installed\r',
    'architecture: arm64\r',
    'version: 2\r',
    '\r',
    'Package: not-installed-yet',
    'Status: install ok not-installed',
    'Architecture: amd64',
    'Version: 1',
  ].join('\n'));
  assert.deepEqual(packages, [
    { name: 'ok', version: '1.0', arch: 'amd64', manager: 'dpkg' },
    { name: 'crlf', version: '2', arch: 'arm64', manager: 'dpkg' },
  ]);
  assert.deepEqual(parseDpkgStatus(''), []);
  assert.deepEqual(parseDpkgStatus('\0\n\n::::\n \n'), []);
});

test('rpm query output: epochs kept unless "(none)", malformed lines skipped', () => {
  const sample = [
    'bash\t(none):5.2.26-3.fc40\tx86_64',
    'openssl-libs\t1:3.2.2-3.fc40\tx86_64',
    'gpg-pubkey\t(none):a15b79cc-63d04c2c\t(none)',
    'kernel-core\t(none):6.9.7-200.fc40\tx86_64',
    'kernel-core\t(none):6.8.11-300.fc40\tx86_64',
    'glibc\t(none):2.39-15.fc40\ti686',
    '',
    'too\tfew',
    'no-epoch-separator\t5.2\tx86_64',
    '\t(none):1-1\tnoarch',
    'a\tb\tc\td',
  ].join('\n');
  assert.deepEqual(parseRpmQuery(sample), [
    { name: 'bash', version: '5.2.26-3.fc40', arch: 'x86_64', manager: 'rpm' },
    { name: 'openssl-libs', version: '1:3.2.2-3.fc40', arch: 'x86_64', manager: 'rpm' },
    { name: 'gpg-pubkey', version: 'a15b79cc-63d04c2c', arch: '(none)', manager: 'rpm' },
    { name: 'kernel-core', version: '6.9.7-200.fc40', arch: 'x86_64', manager: 'rpm' },
    { name: 'kernel-core', version: '6.8.11-300.fc40', arch: 'x86_64', manager: 'rpm' },
    { name: 'glibc', version: '2.39-15.fc40', arch: 'i686', manager: 'rpm' },
  ]);
});

test('rpm is asked when its database exists: a failing rpm is an error, a missing one is not', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'picket-packages-'));
  const savedPath = process.env.PATH;
  t.after(async () => {
    process.env.PATH = savedPath;
    await rm(root, { recursive: true, force: true });
  });
  await mkdir(join(root, 'var/lib/rpm'), { recursive: true });
  await writeFile(join(root, 'var/lib/rpm/rpmdb.sqlite'), '');
  const fakeRpm = async (dir: string, script: string) => {
    await mkdir(join(root, dir));
    await writeFile(join(root, dir, 'rpm'), `#!/bin/sh\n${script}\n`);
    await chmod(join(root, dir, 'rpm'), 0o755);
    process.env.PATH = join(root, dir);
  };

  // Answers only when asked about this root, in the query format.
  await fakeRpm('working', `[ "$1 $2 $3 $4" = "--root ${root} -qa --queryformat" ] || exit 9\nprintf 'zsh\\t(none):5.9-8.fc40\\tx86_64\\nbash\\t(none):5.2.26-3.fc40\\tx86_64\\n'`);
  assert.deepEqual(await collect(root), [
    { name: 'bash', version: '5.2.26-3.fc40', arch: 'x86_64', manager: 'rpm' },
    { name: 'zsh', version: '5.9-8.fc40', arch: 'x86_64', manager: 'rpm' },
  ]);

  await fakeRpm('failing', 'echo "error: cannot open Packages database" >&2; exit 1');
  await assert.rejects(collect(root), /rpm could not list the installed packages: .*cannot open Packages database/s);

  await mkdir(join(root, 'empty'));
  process.env.PATH = join(root, 'empty');
  assert.deepEqual(await collect(root), []);
});

test('smoke: the real host', async (t) => {
  if (!existsSync('/var/lib/dpkg/status') && !existsSync('/var/lib/rpm')) return t.skip('no dpkg or rpm database on this machine');
  assert.ok(Array.isArray(await collect('/')));
});
