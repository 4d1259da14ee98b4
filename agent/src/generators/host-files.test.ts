import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, lutimes, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMode, hostFiles, splitPattern, type FileEntry } from './host-files.ts';

const MTIME = new Date('2024-01-02T03:04:05.000Z');
const HELLO_SHA256 = '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03';
/** Spans several read chunks, to check the streamed hash. */
const MULTI_CHUNK = Buffer.alloc(200_000, 'picket\n');

let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'picket-files-'));
  const files: [string, string | Buffer, number][] = [
    ['etc/passwd', 'hello\n', 0o644],
    ['etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640],
    ['etc/sudoers.d/alice', 'alice ALL=(ALL) ALL\n', 0o440],
    ['etc/sudoers.d/.hidden', 'mallory ALL=(ALL) NOPASSWD: ALL\n', 0o440],
    ['usr/local/bin/tool', '#!/bin/sh\n', 0o4755],
    ['usr/local/bin/sub/helper', MULTI_CHUNK, 0o755],
    ['usr/local/bin/.cache/payload', 'not so hidden\n', 0o700],
    ['outside/secret', 'must not be reached through a link\n', 0o600],
  ];
  for (const [path, content, mode] of files) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
    await chmod(join(root, path), mode);
  }
  await symlink('../../../outside', join(root, 'usr/local/bin/outside-link'));
  await symlink('/usr/share/zoneinfo/UTC', join(root, 'etc/localtime'));
  await chmod(join(root, 'usr/local/bin'), 0o755);
  // Directory mtimes moved as entries were created, so fix every time last.
  for (const path of ['etc/passwd', 'etc/shadow', 'etc/sudoers.d/alice', 'usr/local/bin/tool', 'usr/local/bin/sub/helper', 'usr/local/bin/.cache/payload', 'usr/local/bin/sub', 'usr/local/bin/.cache', 'usr/local/bin']) {
    await utimes(join(root, path), MTIME, MTIME);
  }
  await lutimes(join(root, 'etc/localtime'), MTIME, MTIME);
});

after(() => rm(root, { recursive: true, force: true }));

const collect = (options: Record<string, unknown>) =>
  hostFiles.collect(hostFiles.schema.parse({ type: 'host.files', root, ...options }), { signal: new AbortController().signal });

const byPath = (entries: FileEntry[]) => new Map(entries.map((entry) => [entry.path, entry]));
const owner = { uid: process.getuid!(), gid: process.getgid!() };

test('paths, globs and a recursive pattern; missing paths are absent', async () => {
  const entries = await collect({ paths: ['/etc/passwd', '/etc/sudoers.d/*', '/usr/local/bin/**', '/etc/localtime', '/etc/ld.so.preload'] });
  assert.deepEqual(entries.map((entry) => entry.path), [
    '/etc/localtime',
    '/etc/passwd',
    '/etc/sudoers.d/alice',
    '/usr/local/bin',
    '/usr/local/bin/.cache',
    '/usr/local/bin/.cache/payload',
    '/usr/local/bin/outside-link',
    '/usr/local/bin/sub',
    '/usr/local/bin/sub/helper',
    '/usr/local/bin/tool',
  ]);
  const found = byPath(entries);
  assert.deepEqual(found.get('/etc/passwd'), { path: '/etc/passwd', type: 'file', mode: '0644', ...owner, size: 6, mtime: '2024-01-02T03:04:05.000Z', sha256: HELLO_SHA256 });
  assert.equal(found.get('/usr/local/bin/tool')!.mode, '4755');
  assert.equal(found.get('/usr/local/bin/sub/helper')!.sha256, createHash('sha256').update(MULTI_CHUNK).digest('hex'));
  assert.deepEqual(found.get('/usr/local/bin')!, { path: '/usr/local/bin', type: 'directory', mode: '0755', ...owner, size: found.get('/usr/local/bin')!.size, mtime: '2024-01-02T03:04:05.000Z' });
});

test('symlinks are reported, never followed', async () => {
  const found = byPath(await collect({ paths: ['/etc/localtime', '/usr/local/bin/**'] }));
  const link = found.get('/etc/localtime')!;
  assert.equal(link.type, 'symlink');
  assert.equal(link.target, '/usr/share/zoneinfo/UTC');
  assert.equal(link.sha256, undefined);
  assert.equal(link.mtime, '2024-01-02T03:04:05.000Z');
  assert.equal(found.get('/usr/local/bin/outside-link')!.target, '../../../outside');
  assert.ok(![...found.keys()].some((path) => path.includes('secret')));
});

test('a directory link named by the pattern itself is walked', async () => {
  const found = byPath(await collect({ paths: ['/usr/local/bin/outside-link/**'] }));
  assert.deepEqual([...found.keys()], ['/usr/local/bin/outside-link', '/usr/local/bin/outside-link/secret']);
  assert.equal(found.get('/usr/local/bin/outside-link')!.type, 'symlink');
});

test('files over max_file_size get too_large instead of a hash', async () => {
  const found = byPath(await collect({ paths: ['/etc/passwd', '/etc/shadow'], max_file_size: '16' }));
  assert.equal(found.get('/etc/passwd')!.sha256, HELLO_SHA256);
  assert.equal(found.get('/etc/shadow')!.too_large, true);
  assert.equal(found.get('/etc/shadow')!.sha256, undefined);
  assert.equal(found.get('/etc/shadow')!.mode, '0640');
});

test('more matches than max_files fail the run, naming the option', async () => {
  await assert.rejects(collect({ paths: ['/usr/local/bin/**'], max_files: 3 }), /more than 3 files.*max_files/);
  assert.equal((await collect({ paths: ['/usr/local/bin/**'], max_files: 7 })).length, 7);
});

test('an aborted run stops', async () => {
  const config = hostFiles.schema.parse({ type: 'host.files', root, paths: ['/usr/local/bin/**'] });
  await assert.rejects(hostFiles.collect(config, { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('options: defaults, and patterns that could leave root are refused', () => {
  const config = hostFiles.schema.parse({ type: 'host.files' });
  assert.equal(config.max_file_size, 64 * 1024 * 1024);
  assert.equal(config.max_files, 10_000);
  assert.ok(config.paths.includes('/etc/shadow'));
  assert.equal(hostFiles.schema.safeParse({ type: 'host.files', paths: ['etc/passwd'] }).success, false);
  assert.equal(hostFiles.schema.safeParse({ type: 'host.files', paths: ['/etc/../root/x'] }).success, false);
});

test('patterns and modes', () => {
  assert.deepEqual(splitPattern('/usr/local/bin/**'), { base: 'usr/local/bin', recursive: true });
  assert.deepEqual(splitPattern('/etc/sudoers.d/*'), { base: 'etc/sudoers.d/*', recursive: false });
  assert.deepEqual(splitPattern('/**'), { base: '', recursive: true });
  assert.deepEqual(splitPattern('//etc//**/passwd'), { base: 'etc/**/passwd', recursive: false });
  assert.equal(formatMode(0o100644), '0644');
  assert.equal(formatMode(0o41777), '1777');
  assert.equal(formatMode(0o102755), '2755');
});
