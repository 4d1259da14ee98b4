/**
 * host.files: ownership, permissions and content hashes of configured paths
 * and glob patterns, keyed by path. Symlinks are reported as links, never
 * followed; a path that disappears simply leaves the snapshot, which the
 * differ reports as a removal.
 *
 * Patterns are matched with Node's `fs.promises.glob`, like a shell: `*`
 * skips dot files (write `{.*,*}` to include them). A trailing `/**` is
 * walked by this module instead, because glob's `**` never enters hidden
 * directories, and a hidden file under `/usr/local/bin` is exactly what this
 * generator must not miss.
 */
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { glob, lstat, open, readdir, readlink, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { z } from 'zod';
import { size } from '@picket/shared';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';

export interface FileEntry {
  /** Absolute path as seen on the host (without `root`). */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** Permission bits with setuid, setgid and sticky, in octal: "0644", "4755". */
  mode: string;
  uid: number;
  gid: number;
  size: number;
  /** ISO 8601, millisecond precision. */
  mtime: string;
  /** Hex SHA-256 of the content: regular files within `max_file_size` that the agent may read. */
  sha256?: string;
  /** Symlinks: the link text, not resolved. */
  target?: string;
  /** Regular files over `max_file_size`, which are not hashed. */
  too_large?: boolean;
}

const DEFAULT_PATHS = [
  '/etc/passwd',
  '/etc/shadow',
  '/etc/group',
  '/etc/sudoers',
  '/etc/sudoers.d/*',
  '/etc/ssh/sshd_config',
  '/etc/hosts',
  '/etc/crontab',
  '/etc/ld.so.preload',
  '/root/.ssh/authorized_keys',
];

const pathPattern = z
  .string()
  .regex(/^\//, 'must be absolute, e.g. /etc/passwd')
  .refine((pattern) => !pattern.split('/').includes('..'), 'must not contain ".." (it could leave root)');

export const hostFiles = defineGenerator({
  name: 'host.files',
  schema: generatorSchema('host.files', { interval: '5m' }, {
    root: rootOption,
    paths: z.array(pathPattern).default(DEFAULT_PATHS).describe('Absolute paths and glob patterns to watch; "*" skips dot files, a trailing "/**" takes everything below without following symlinks.'),
    max_file_size: size.prefault('64MiB').describe('Larger files are reported with too_large instead of a hash.'),
    max_files: z.number().int().positive().default(10_000).describe('More matches fail the run (keeping the previous snapshot) rather than ship a truncated one.'),
  }),
  key: (entry: FileEntry) => entry.path,
  async collect(config, { signal }) {
    const paths = await matchPaths(config.root, config.paths, config.max_files, signal);
    const entries: FileEntry[] = [];
    for (const path of paths) {
      const entry = await describePath(config.root, path, config.max_file_size, signal);
      if (entry) entries.push(entry);
    }
    return entries;
  },
});

/**
 * The host paths matching `patterns` under `root`, sorted, each once. Throws
 * past `limit` so that a runaway pattern fails the run instead of shipping a
 * truncated snapshot (whose missing files would look deleted).
 */
export async function matchPaths(root: string, patterns: readonly string[], limit: number, signal: AbortSignal): Promise<string[]> {
  const found = new Set<string>();
  const add = (relative: string) => {
    signal.throwIfAborted();
    found.add(`/${relative}`);
    if (found.size > limit) throw new Error(`host.files: the paths match more than ${limit} files; narrow "paths" or raise "max_files"`);
  };
  for (const pattern of patterns) {
    const { base, recursive } = splitPattern(pattern);
    const bases = base === '' ? [''] : glob(base, { cwd: root });
    for await (const match of bases) {
      add(match);
      if (recursive) for await (const below of walk(root, match, signal)) add(below);
    }
  }
  return [...found].sort();
}

/** "/usr/local/bin/**" -> base "usr/local/bin", recursive; other patterns are their own base. */
export function splitPattern(pattern: string): { base: string; recursive: boolean } {
  const relative = posix.normalize(pattern).replace(/^\/+|\/+$/g, '');
  if (relative === '**' || relative.endsWith('/**')) return { base: relative.slice(0, -3).replace(/\/$/, ''), recursive: true };
  return { base: relative, recursive: false };
}

/**
 * Everything below `relative` (dot files included), as paths relative to
 * root. The starting directory is followed if it is a link the user named;
 * links met on the way are reported, never entered, so the walk cannot loop
 * or leave the tree.
 */
async function* walk(root: string, relative: string, signal: AbortSignal): AsyncGenerator<string> {
  const start = await orUndefined(stat(join(root, relative)));
  if (!start?.isDirectory()) return;
  const pending = [relative];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    signal.throwIfAborted();
    const entries = await orUndefined(readdir(join(root, dir), { withFileTypes: true }));
    for (const entry of entries ?? []) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      yield path;
      if (entry.isDirectory()) pending.push(path);
    }
  }
}

/** The entry for one host path; undefined when it no longer exists. */
export async function describePath(root: string, path: string, maxFileSize: number, signal: AbortSignal): Promise<FileEntry | undefined> {
  const file = join(root, path);
  const stats = await orUndefined(lstat(file));
  if (!stats) return undefined;
  const entry = fileMetadata(path, stats);
  if (entry.type === 'symlink') {
    const target = await orUndefined(readlink(file));
    if (target === undefined) return undefined;
    entry.target = target;
  } else if (entry.type === 'file') {
    if (stats.size > maxFileSize) entry.too_large = true;
    else {
      const sha256 = await hashFile(file, signal);
      if (sha256 === 'gone') return undefined;
      if (sha256 !== undefined) entry.sha256 = sha256;
    }
  }
  return entry;
}

export function fileMetadata(path: string, stats: Stats): FileEntry {
  return {
    path,
    type: stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : 'other',
    mode: formatMode(stats.mode),
    uid: stats.uid,
    gid: stats.gid,
    size: stats.size,
    mtime: stats.mtime.toISOString(),
  };
}

/** The permission bits of `st_mode` (setuid, setgid and sticky included) as four octal digits. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

const CHUNK_SIZE = 64 * 1024;

/**
 * Streams a file through SHA-256. Undefined when the agent may not read it;
 * 'gone' when it vanished since it was listed. Opened without following a
 * link and without blocking, and checked to be a regular file, in case it
 * was swapped for a link or a FIFO after the lstat.
 */
async function hashFile(file: string, signal: AbortSignal): Promise<string | 'gone' | undefined> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'gone';
    if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP' || code === 'ENXIO') return undefined;
    throw err;
  }
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK_SIZE);
    for (;;) {
      signal.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_SIZE, null);
      if (bytesRead === 0) return hash.digest('hex');
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

/** Resolves to undefined when the path is missing or unreadable: not an error for a watched path. */
async function orUndefined<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') return undefined;
    throw err;
  }
}
