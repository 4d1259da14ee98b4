/**
 * host.sockets: listening TCP sockets and bound, unconnected UDP sockets from
 * `<root>/proc/net/{tcp,tcp6,udp,udp6}`, each with the process that holds it.
 * The owner is found by scanning `<root>/proc/<pid>/fd` for a link to
 * `socket:[inode]`, so sockets of processes the agent may not inspect (or
 * held by no process) come without one.
 */
import { endianness } from 'node:os';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';

export interface ListeningSocket {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  uid: number;
  process?: SocketOwner;
}

export interface SocketOwner {
  name: string;
  pid: number;
  exe?: string;
}

/** One row of a /proc/net socket table. */
export interface SocketRow {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  /** Kernel socket state, as the two hex digits the table shows (e.g. "0A"). */
  state: string;
  uid: number;
  inode: number;
}

const TABLES = [
  { file: 'tcp', protocol: 'tcp' },
  { file: 'tcp6', protocol: 'tcp' },
  { file: 'udp', protocol: 'udp' },
  { file: 'udp6', protocol: 'udp' },
] as const;

const TCP_LISTEN = '0A';
/** TCP_CLOSE, which for UDP means bound but not connected: a server socket. */
const UDP_UNCONNECTED = '07';

export const hostSockets = defineGenerator({
  name: 'host.sockets',
  schema: generatorSchema('host.sockets', { interval: '60s' }, {
    root: rootOption,
  }),
  key: (socket: ListeningSocket) => `${socket.protocol}:${socket.address}:${socket.port}`,
  // A restart gives the same service a new pid; a new name or exe is a real change.
  ignoredFields: ['process.pid'],
  async collect(config, { signal }) {
    // The tables print the kernel's words in its own byte order, which is ours.
    const littleEndian = endianness() === 'LE';
    const rows: SocketRow[] = [];
    for (const { file, protocol } of TABLES) {
      const text = await readOptional(join(config.root, 'proc/net', file), signal);
      if (text !== undefined) rows.push(...parseSocketTable(text, protocol, littleEndian).filter(isListening));
    }
    const owners = await findSocketOwners(config.root, new Set(rows.map((row) => row.inode).filter((inode) => inode !== 0)), signal);
    const processes = new Map<number, SocketOwner | undefined>();
    const sockets: ListeningSocket[] = [];
    for (const row of rows) {
      const socket: ListeningSocket = { protocol: row.protocol, address: row.address, port: row.port, uid: row.uid };
      const pid = owners.get(row.inode);
      if (pid !== undefined) {
        if (!processes.has(pid)) processes.set(pid, await describeProcess(config.root, pid, signal));
        const owner = processes.get(pid);
        if (owner) socket.process = owner;
      }
      sockets.push(socket);
    }
    // Sockets sharing an address (SO_REUSEPORT) get key suffixes in this order, so make it stable.
    return sockets.sort(compareSockets);
  },
});

export function isListening(row: SocketRow): boolean {
  return row.state === (row.protocol === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED);
}

/**
 * Parses a /proc/net/{tcp,tcp6,udp,udp6} table: a header line, then
 * `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …`.
 * The header and malformed rows are skipped.
 */
export function parseSocketTable(text: string, protocol: 'tcp' | 'udp', littleEndian = true): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || !/^\d+:$/.test(fields[0]!)) continue;
    const local = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(fields[1]!);
    const state = fields[3]!;
    const uid = fields[7]!;
    const inode = fields[9]!;
    if (!local || !/^[0-9A-Fa-f]{2}$/.test(state) || !/^\d+$/.test(uid) || !/^\d+$/.test(inode)) continue;
    rows.push({
      protocol,
      address: decodeAddress(local[1]!, littleEndian),
      port: parseInt(local[2]!, 16),
      state: state.toUpperCase(),
      uid: Number(uid),
      inode: Number(inode),
    });
  }
  return rows;
}

/**
 * Decodes a table address: 8 hex digits for IPv4, 32 for IPv6, printed as
 * 32-bit words in the kernel's byte order.
 */
export function decodeAddress(hex: string, littleEndian = true): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes = [0, 2, 4, 6].map((at) => parseInt(hex.slice(word + at, word + at + 2), 16));
    bytes.push(...(littleEndian ? wordBytes.reverse() : wordBytes));
  }
  return bytes.length === 4 ? bytes.join('.') : formatIPv6(bytes);
}

/** RFC 5952 text for 16 address bytes; IPv4-mapped addresses as `::ffff:a.b.c.d`. */
export function formatIPv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) return `::ffff:${bytes.slice(12).join('.')}`;

  // The longest run of two or more zero groups (the first on a tie) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end === start ? start + 1 : end;
  }
  const text = groups.map((group) => group.toString(16));
  if (bestStart < 0) return text.join(':');
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Maps socket inodes to the pid holding them. Pids are scanned in ascending
 * order and the first holder wins, so a socket shared by a master and its
 * forked workers is credited to the master (usually the lowest pid).
 */
export async function findSocketOwners(root: string, inodes: ReadonlySet<number>, signal: AbortSignal): Promise<Map<number, number>> {
  const owners = new Map<number, number>();
  if (inodes.size === 0) return owners;
  let entries: string[];
  try {
    entries = await readdir(join(root, 'proc'));
  } catch (err) {
    if (isUnavailable(err)) return owners;
    throw err;
  }
  const pids = entries.filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    signal.throwIfAborted();
    const fdDir = join(root, 'proc', String(pid), 'fd');
    const fds = await skipUnavailable(readdir(fdDir));
    if (!fds) continue;
    const targets = await Promise.all(fds.map((fd) => skipUnavailable(readlink(join(fdDir, fd)))));
    for (const target of targets) {
      const inode = target === undefined ? undefined : socketInode(target);
      if (inode !== undefined && inodes.has(inode) && !owners.has(inode)) owners.set(inode, pid);
    }
    if (owners.size === inodes.size) break;
  }
  return owners;
}

/** The inode of an fd link target such as "socket:[12345]". */
export function socketInode(target: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(target);
  return match ? Number(match[1]) : undefined;
}

/** Name and executable of a process; undefined when it has exited meanwhile. */
async function describeProcess(root: string, pid: number, signal: AbortSignal): Promise<SocketOwner | undefined> {
  const dir = join(root, 'proc', String(pid));
  const comm = await skipUnavailable(readFile(join(dir, 'comm'), { encoding: 'utf8', signal }));
  if (comm === undefined) return undefined;
  const owner: SocketOwner = { name: comm.replace(/\n$/, ''), pid };
  // Unreadable for other users' processes without privileges, absent for kernel threads.
  const exe = await skipUnavailable(readlink(join(dir, 'exe')));
  if (exe !== undefined) owner.exe = exe;
  return owner;
}

async function readOptional(file: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    return await readFile(file, { encoding: 'utf8', signal });
  } catch (err) {
    // No IPv6 (or no UDP) on this host means no such table.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Resolves to undefined when a process vanished or may not be inspected. */
async function skipUnavailable<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (err) {
    if (isUnavailable(err)) return undefined;
    throw err;
  }
}

function isUnavailable(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR' || code === 'EINVAL';
}

function compareSockets(a: ListeningSocket, b: ListeningSocket): number {
  return compare(a.protocol, b.protocol) || compare(a.address, b.address) || a.port - b.port
    || compare(a.process?.name ?? '', b.process?.name ?? '') || compare(a.process?.exe ?? '', b.process?.exe ?? '')
    || (a.process?.pid ?? 0) - (b.process?.pid ?? 0);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
