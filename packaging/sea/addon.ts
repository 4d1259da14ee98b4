/**
 * Loads a native addon carried as an asset of the single executable.
 *
 * dlopen() needs a real file, so the first start writes the asset to a cache
 * directory and later starts reuse it. The file is named by its sha256: two
 * builds never overwrite each other's addon, and a finished file never changes,
 * so concurrent starts need no lock (each writes a temp file and renames it).
 * Only bundled into the executable (see plugins.ts); under plain node the
 * addons load through node-gyp-build as usual.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRawAsset, isSea } from 'node:sea';

export function loadAddon(key: string): unknown {
  if (!isSea()) throw new Error(`native addon ${key}: this bundle only runs inside the single executable built by npm run package`);
  const bytes = new Uint8Array(getRawAsset(key)); // a view of the executable's memory, no copy
  const digest = createHash('sha256').update(bytes).digest('hex');
  const dir = cacheDir();
  const file = join(dir, `${digest}-${key}`);
  if (!holds(file, digest)) writeAtomically(file, bytes);
  const module = { exports: {} };
  try {
    process.dlopen(module, file);
  } catch (err) {
    throw new Error(
      `cannot load native addon ${file}: ${(err as Error).message}` +
        ' (if its directory is on a noexec mount, point XDG_CACHE_HOME at one that is not)',
      { cause: err },
    );
  }
  return module.exports;
}

/**
 * $XDG_CACHE_HOME/picket if set, else a per-user directory in the temp dir.
 * Whoever can write to it can run code in the agent, so it must be ours and
 * closed to others; in a shared /tmp, someone may have made it first.
 */
function cacheDir(): string {
  const uid = process.getuid?.() ?? -1;
  const xdg = process.env.XDG_CACHE_HOME;
  const dir = xdg ? join(xdg, 'picket') : join(tmpdir(), `picket-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || (uid !== -1 && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new Error(`addon cache ${dir} must be a directory owned by uid ${uid} and writable by nobody else; remove it or set XDG_CACHE_HOME`);
  }
  return dir;
}

function holds(file: string, digest: string): boolean {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex') === digest;
  } catch {
    return false; // missing or unreadable: write it again
  }
}

function writeAtomically(file: string, bytes: Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  rmSync(temp, { force: true }); // left behind by a crashed process with our pid
  try {
    const fd = openSync(temp, 'wx', 0o500);
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd); // a crash must not leave a renamed but empty file
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
