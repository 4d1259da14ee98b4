/**
 * host.packages: installed packages, keyed by manager, name and architecture.
 * dpkg's database is a text file read under the root; rpm's is not, so the
 * `rpm` command reads it for us (`--root` keeps it under the same root).
 */
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';

export interface InstalledPackage {
  name: string;
  version: string;
  arch: string;
  manager: 'dpkg' | 'rpm';
  /** The source package, when dpkg names one (without its version). */
  source?: string;
}

const INSTALLED_STATES = new Set(['installed', 'triggers-pending', 'triggers-awaited']);
const RPM_QUERY_FORMAT = '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n';
/**
 * The database itself (sqlite, ndb or Berkeley DB), not just its directory,
 * which a dpkg system with the rpm tool installed may have empty. Newer
 * distributions keep it in /usr/lib/sysimage/rpm, with /var/lib/rpm a link to it.
 */
const RPM_DATABASE_FILES = ['var/lib/rpm', 'usr/lib/sysimage/rpm'].flatMap((dir) => ['rpmdb.sqlite', 'Packages.db', 'Packages'].map((file) => `${dir}/${file}`));
const RPM_TIMEOUT_MS = 30_000;

const execFileAsync = promisify(execFile);

export const hostPackages = defineGenerator({
  name: 'host.packages',
  schema: generatorSchema('host.packages', { interval: '10m' }, {
    root: rootOption,
  }),
  key: (pkg: InstalledPackage) => `${pkg.manager}:${pkg.name}:${pkg.arch}`,
  async collect(config, { signal }) {
    const packages = [...(await readDpkg(config.root, signal)), ...(await queryRpm(config.root, signal))];
    // rpm lists its database in no particular order, and some names (kernels,
    // gpg-pubkey) occur more than once per arch: sorting keeps the '#2' keys stable.
    return packages.sort(comparePackages);
  },
});

async function readDpkg(root: string, signal: AbortSignal): Promise<InstalledPackage[]> {
  const path = join(root, 'var/lib/dpkg/status');
  try {
    return parseDpkgStatus(await readFile(path, { encoding: 'utf8', signal }));
  } catch (err) {
    const { code, name, message } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT') return []; // not a dpkg system
    if (name === 'AbortError') throw err;
    throw new Error(`cannot read ${path}: ${code ?? message}`, { cause: err });
  }
}

async function queryRpm(root: string, signal: AbortSignal): Promise<InstalledPackage[]> {
  if (!(await anyExists(RPM_DATABASE_FILES.map((file) => join(root, file))))) return [];
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('rpm', ['--root', root, '-qa', '--queryformat', RPM_QUERY_FORMAT], {
      encoding: 'utf8', signal, timeout: RPM_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return []; // a database but no rpm binary to read it
    if ((err as Error).name === 'AbortError') throw err;
    // Failing loudly keeps the previous snapshot; an empty list would report every package removed.
    throw new Error(`rpm could not list the installed packages: ${(err as Error).message}`, { cause: err });
  }
  return parseRpmQuery(stdout);
}

async function anyExists(paths: string[]): Promise<boolean> {
  for (const path of paths) {
    try {
      await access(path);
      return true;
    } catch {
      // try the next one
    }
  }
  return false;
}

/**
 * Parses dpkg's status file (deb822 stanzas separated by blank lines) into the
 * packages whose state is `installed`: removed packages whose configuration
 * files remain ("deinstall ok config-files") and half-installed ones are left out.
 * Packages waiting only for triggers count as installed: they are configured,
 * and may stay in that state for a while if apt is interrupted.
 */
export function parseDpkgStatus(text: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  let fields = new Map<string, string>();
  const finishStanza = () => {
    const pkg = dpkgStanzaToPackage(fields);
    if (pkg) packages.push(pkg);
    fields = new Map();
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') {
      finishStanza();
      continue;
    }
    // Continuation lines belong to multi-line fields (Description, Conffiles) we do not keep.
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    // Field names are case-insensitive in deb822.
    fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  finishStanza();
  return packages;
}

function dpkgStanzaToPackage(fields: Map<string, string>): InstalledPackage | undefined {
  const name = fields.get('package');
  const version = fields.get('version');
  const arch = fields.get('architecture');
  const state = fields.get('status')?.split(/\s+/).at(-1);
  if (!name || !version || !arch || !state || !INSTALLED_STATES.has(state)) return undefined;
  const pkg: InstalledPackage = { name, version, arch, manager: 'dpkg' };
  // "Source: foo (1.2)" names a source whose version differs from the binary's (e.g. a binNMU).
  const source = fields.get('source')?.split(/\s+/)[0];
  if (source) pkg.source = source;
  return pkg;
}

/**
 * Parses `rpm -qa` output in RPM_QUERY_FORMAT: name, epoch:version-release
 * and arch separated by tabs. A "(none)" epoch is dropped, as rpm itself
 * prints versions; arch stays "(none)" for the gpg-pubkey pseudo-packages.
 */
export function parseRpmQuery(text: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    if (fields.length !== 3) continue;
    const [name, epochVersion, arch] = fields as [string, string, string];
    const match = /^(\(none\)|\d+):(.+)$/.exec(epochVersion.trim());
    if (!name.trim() || !match || !arch.trim()) continue;
    const epoch = match[1]!;
    const version = epoch === '(none)' ? match[2]! : `${epoch}:${match[2]!}`;
    packages.push({ name: name.trim(), version, arch: arch.trim(), manager: 'rpm' });
  }
  return packages;
}

function comparePackages(a: InstalledPackage, b: InstalledPackage): number {
  return compareStrings(a.manager, b.manager) || compareStrings(a.name, b.name) || compareStrings(a.arch, b.arch) || compareStrings(a.version, b.version);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
