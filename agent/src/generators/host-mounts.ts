/**
 * host.mounts: mounted filesystems from `<root>/proc/mounts`, keyed by mount
 * point. Pseudo filesystems (proc, cgroup, tmpfs…) are kept: which of them
 * matter is for an analyzer to decide. Mounts stacked on one point keep the
 * kernel's order, which is mount order, so the one on top gets the '#2' key.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';

export interface Mount {
  device: string;
  mount_point: string;
  fs_type: string;
  /**
   * Sorted. The kernel prints each effective option once, in an order fixed
   * by its own code rather than by how the filesystem was mounted, so the
   * order carries no meaning; sorting keeps a kernel upgrade that reorders
   * them from showing up as a change.
   */
  options: string[];
}

export const hostMounts = defineGenerator({
  name: 'host.mounts',
  schema: generatorSchema('host.mounts', { interval: '5m' }, {
    root: rootOption,
  }),
  key: (mount: Mount) => mount.mount_point,
  async collect(config, { signal }) {
    // Every Linux system has it: a failure to read it is an error, not "no mounts".
    const path = join(config.root, 'proc/mounts');
    const text = await readFile(path, { encoding: 'utf8', signal }).catch((err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError') throw err;
      throw new Error(`cannot read ${path}: ${err.code ?? err.message}`, { cause: err });
    });
    return parseProcMounts(text);
  },
});

/**
 * Parses /proc/mounts (fstab format: device, mount point, type, options,
 * dump, pass). Malformed lines are skipped.
 */
export function parseProcMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const [device, mountPoint, fsType, options] = fields as [string, string, string, string];
    mounts.push({
      device: decodeOctalEscapes(device),
      mount_point: decodeOctalEscapes(mountPoint),
      fs_type: decodeOctalEscapes(fsType),
      // Split before decoding: a comma inside an option's value is escaped as \054.
      options: options.split(',').filter((option) => option !== '').map(decodeOctalEscapes).sort(),
    });
  }
  return mounts;
}

/**
 * The kernel writes space, tab, newline, backslash (and in some fields '#'
 * and ',') as a backslash and three octal digits, e.g. "\040" for a space.
 * It escapes only these ASCII characters, so each escape is one character.
 */
export function decodeOctalEscapes(text: string): string {
  return text.replace(/\\([0-3][0-7]{2})/g, (_escape, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
