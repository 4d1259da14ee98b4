/**
 * host.interfaces: network interfaces from `<root>/sys/class/net/<name>/`,
 * keyed by name, with their addresses. IPv6 addresses come from
 * `<root>/proc/net/if_inet6`; IPv4 addresses are in no simple file, so they
 * are asked of the running kernel (`os.networkInterfaces()`) only when the
 * root is the host itself: a fixture or mounted root gives what its files give.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';

export interface NetworkInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** The operational state: up, down, unknown, dormant, lowerlayerdown… */
  state?: string;
  /** The ARPHRD_* hardware type: 1 Ethernet, 772 loopback, 65534 none (tun, WireGuard)… */
  link_type?: number;
  /** CIDR notation, sorted. */
  addresses: string[];
}

export interface InterfaceAddress {
  name: string;
  cidr: string;
}

/** IFA_F_TEMPORARY: an IPv6 privacy address, replaced by the kernel every few hours. */
const IPV6_TEMPORARY_FLAG = 0x01;

export const hostInterfaces = defineGenerator({
  name: 'host.interfaces',
  schema: generatorSchema('host.interfaces', { interval: '5m' }, {
    root: rootOption,
  }),
  key: (iface: NetworkInterface) => iface.name,
  async collect(config, { signal }) {
    const interfaces = new Map<string, NetworkInterface>();
    for (const name of await listInterfaces(join(config.root, 'sys/class/net'))) {
      signal.throwIfAborted();
      interfaces.set(name, await readInterface(join(config.root, 'sys/class/net', name), name, signal));
    }
    const addresses = parseIfInet6(await readOptional(join(config.root, 'proc/net/if_inet6'), signal) ?? '');
    if (config.root === '/') addresses.push(...ipv4Addresses());
    for (const { name, cidr } of addresses) {
      // An address on an interface sysfs does not show (sysfs not mounted) still counts.
      let iface = interfaces.get(name);
      if (!iface) interfaces.set(name, (iface = { name, addresses: [] }));
      if (!iface.addresses.includes(cidr)) iface.addresses.push(cidr);
    }
    for (const iface of interfaces.values()) iface.addresses.sort();
    return [...interfaces.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },
});

/** Interface directories; files beside them (bonding_masters) are not interfaces. */
async function listInterfaces(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const names: string[] = [];
  for (const entry of entries) {
    // On a real sysfs the entries are links to device directories: stat follows them.
    const isDirectory = await stat(join(dir, entry)).then((stats) => stats.isDirectory(), () => false);
    if (isDirectory) names.push(entry);
  }
  return names;
}

async function readInterface(dir: string, name: string, signal: AbortSignal): Promise<NetworkInterface> {
  const iface: NetworkInterface = { name, addresses: [] };
  const mac = await readOptional(join(dir, 'address'), signal);
  if (mac) iface.mac = mac;
  const mtu = parseDecimal(await readOptional(join(dir, 'mtu'), signal));
  if (mtu !== undefined) iface.mtu = mtu;
  const state = await readOptional(join(dir, 'operstate'), signal);
  if (state) iface.state = state;
  const linkType = parseDecimal(await readOptional(join(dir, 'type'), signal));
  if (linkType !== undefined) iface.link_type = linkType;
  return iface;
}

/**
 * A trimmed attribute, or undefined when it cannot be read: some devices
 * refuse some attributes (EINVAL), and an interface may vanish mid-read.
 */
async function readOptional(path: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    return (await readFile(path, { encoding: 'utf8', signal })).trim();
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    return undefined;
  }
}

function parseDecimal(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The running kernel's IPv4 addresses; alias labels ("eth0:1") belong to their interface. */
function ipv4Addresses(): InterfaceAddress[] {
  const addresses: InterfaceAddress[] = [];
  for (const [label, infos] of Object.entries(networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4') continue;
      addresses.push({ name: label.split(':')[0]!, cidr: info.cidr ?? `${info.address}/32` });
    }
  }
  return addresses;
}

/**
 * Parses /proc/net/if_inet6: "address ifindex prefix_len scope flags name",
 * all in hex but the name. Temporary (privacy) addresses are left out: they
 * change by themselves. Malformed lines are skipped.
 */
export function parseIfInet6(text: string): InterfaceAddress[] {
  const addresses: InterfaceAddress[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 6) continue;
    const [hex, , prefixLength, , flags, name] = fields as [string, string, string, string, string, string];
    const address = formatIpv6(hex);
    if (!address || !/^[0-9a-fA-F]{1,2}$/.test(prefixLength) || !/^[0-9a-fA-F]+$/.test(flags)) continue;
    const length = parseInt(prefixLength, 16);
    if (length > 128 || parseInt(flags, 16) & IPV6_TEMPORARY_FLAG) continue;
    addresses.push({ name, cidr: `${address}/${length}` });
  }
  return addresses;
}

/**
 * Formats 32 hex digits as an IPv6 address the way RFC 5952 says (and
 * inet_ntop prints): lower case, no leading zeros, the longest run of two or
 * more zero groups (the first, on a tie) written "::". Undefined for anything else.
 */
export function formatIpv6(hex: string): string | undefined {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is written "0", not "::"
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === '0') length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}
