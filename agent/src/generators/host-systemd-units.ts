/**
 * host.systemd_units: systemd unit files and whether they are enabled, keyed
 * by unit name. Everything but the active state is derived from the files
 * under the root, the way `systemctl is-enabled` reads them:
 *
 *   - a unit is found in the first of UNIT_DIRS that has it (etc overrides
 *     run, which overrides the vendor's lib);
 *   - masked: the file found is a link to /dev/null;
 *   - alias: the file found is a link to a unit of another name (its path
 *     says which; that unit has an item of its own);
 *   - enabled: a link in some etc/systemd/system/<unit>.{wants,requires}/ is
 *     named after it (or after one of its instances, for a template), or an
 *     alias in etc/systemd/system points at it;
 *   - static: its [Install] section is missing or empty; else disabled.
 *
 * Links are followed by hand, relative to the root, because an absolute link
 * in a fixture or mounted root points into that root, not into the host.
 * Drop-ins (`<unit>.d/*.conf`) are applied to ExecStart= and listed, since
 * overriding ExecStart in a drop-in leaves the unit file itself untouched.
 * Type-wide (`service.d/`) and prefix drop-ins, generator output and transient
 * units are not read.
 */
import { execFile } from 'node:child_process';
import { access, lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';

export type Enablement = 'enabled' | 'disabled' | 'static' | 'masked' | 'alias';

export interface SystemdUnit {
  name: string;
  /** The unit file, relative to the root (links followed); for a masked unit, the mask link. */
  path: string;
  enabled: Enablement;
  /** From systemctl, only when the root is the running host. */
  active?: string;
  sub?: string;
  /** The first command ExecStart= runs, drop-ins applied (services only). */
  exec_start?: string;
  /** Drop-in files applied, in the order systemd applies them; omitted when there are none. */
  drop_ins?: string[];
}

export interface UnitState {
  load: string;
  active: string;
  sub: string;
}

/** In order of precedence. */
const UNIT_DIRS = ['etc/systemd/system', 'run/systemd/system', 'lib/systemd/system', 'usr/lib/systemd/system'];
const UNIT_NAME = /^[^./\s][^/\s]*\.(service|socket|timer|path|mount|target)$/;
const ENABLEMENT_DIR = /\.(wants|requires)$/;
const MAX_LINK_HOPS = 16;
const SYSTEMCTL_TIMEOUT_MS = 30_000;

const execFileAsync = promisify(execFile);

export const hostSystemdUnits = defineGenerator({
  name: 'host.systemd_units',
  schema: generatorSchema('host.systemd_units', { interval: '5m' }, {
    root: rootOption,
  }),
  key: (unit: SystemdUnit) => unit.name,
  // A timer's sub-state flips between waiting and running on its own; whether it is active is what matters.
  ignoredFields: ['sub'],
  async collect(config, { signal }) {
    const root = config.root;
    const listings = await listUnitDirs(root, signal);
    const enabledNames = await readEnablementLinks(root, signal);
    const states = root === '/' ? await queryUnitStates(signal) : undefined;
    const units: SystemdUnit[] = [];
    for (const [name, candidates] of findUnitFiles(listings)) {
      signal.throwIfAborted();
      const unit = await describeUnit(root, name, candidates, listings, enabledNames, signal);
      if (!unit) continue;
      const state = states?.get(name);
      if (state) {
        unit.active = state.active;
        unit.sub = state.sub;
      }
      units.push(unit);
    }
    return units.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },
});

interface DirListing {
  /** Relative to the root, starting with '/'. */
  dir: string;
  entries: string[];
}

/** The entries of each unit directory that exists, in order of precedence. */
async function listUnitDirs(root: string, signal: AbortSignal): Promise<DirListing[]> {
  const listings: DirListing[] = [];
  for (const dir of UNIT_DIRS) {
    signal.throwIfAborted();
    const entries = await readdirIfExists(join(root, dir));
    if (entries) listings.push({ dir: `/${dir}`, entries: entries.sort() });
  }
  return listings;
}

/** Every unit name, with the candidate paths that may define it, best first. */
function findUnitFiles(listings: DirListing[]): Map<string, string[]> {
  const candidates = new Map<string, string[]>();
  for (const { dir, entries } of listings) {
    for (const entry of entries) {
      if (!UNIT_NAME.test(entry)) continue;
      const paths = candidates.get(entry) ?? [];
      paths.push(`${dir}/${entry}`);
      candidates.set(entry, paths);
    }
  }
  return candidates;
}

async function describeUnit(
  root: string, name: string, candidates: string[], listings: DirListing[], enabledNames: Set<string>, signal: AbortSignal,
): Promise<SystemdUnit | undefined> {
  // A dangling link does not hide the unit: systemd goes on to the next directory.
  for (const candidate of candidates) {
    const resolved = await resolveLinks(root, candidate);
    if (resolved === undefined) continue;
    if (resolved === '/dev/null') return { name, path: candidate, enabled: 'masked' };

    // The unit it points at has its own item, with its own settings.
    if (posix.basename(resolved) !== name) return { name, path: resolved, enabled: 'alias' };

    const settings = parseUnitFile(await readUnitFile(root, resolved, signal));
    const dropIns = await findDropIns(root, name, listings);
    const unit: SystemdUnit = { name, path: resolved, enabled: 'disabled' };
    if (enabledNames.has(name)) unit.enabled = 'enabled';
    else if (!settings.some((setting) => setting.section === 'Install')) unit.enabled = 'static';

    if (name.endsWith('.service')) {
      const dropInSettings: UnitSetting[] = [];
      for (const path of dropIns) dropInSettings.push(...parseUnitFile(await readUnitFile(root, path, signal)));
      const execStart = effectiveExecStart([...settings, ...dropInSettings]);
      if (execStart !== undefined) unit.exec_start = execStart;
    }
    if (dropIns.length > 0) unit.drop_ins = dropIns;
    return unit;
  }
  return undefined;
}

/**
 * The `<unit>.d/*.conf` files that apply, sorted by file name: a file in a
 * directory of higher precedence replaces one of the same name below it, and
 * one linked to /dev/null cancels it.
 */
async function findDropIns(root: string, name: string, listings: DirListing[]): Promise<string[]> {
  const byFileName = new Map<string, string | undefined>();
  for (const { dir, entries } of listings) {
    if (!entries.includes(`${name}.d`)) continue;
    const dropInDir = `${dir}/${name}.d`;
    for (const file of (await readdirIfExists(join(root, dropInDir))) ?? []) {
      if (!file.endsWith('.conf') || byFileName.has(file)) continue;
      const resolved = await resolveLinks(root, `${dropInDir}/${file}`);
      if (resolved === undefined) continue;
      byFileName.set(file, resolved === '/dev/null' ? undefined : resolved);
    }
  }
  return [...byFileName.keys()].sort().flatMap((file) => byFileName.get(file) ?? []);
}

/**
 * Names enabled by links in etc/systemd/system: the entries of its .wants and
 * .requires directories (an instance also enables its template), and the
 * targets of alias links (`dbus-org.freedesktop.timesync1.service` ->
 * `systemd-timesyncd.service`), which `systemctl enable` makes from Alias=.
 */
async function readEnablementLinks(root: string, signal: AbortSignal): Promise<Set<string>> {
  const names = new Set<string>();
  const add = (name: string) => {
    names.add(name);
    const template = templateOf(name);
    if (template) names.add(template);
  };
  const etc = '/etc/systemd/system';
  for (const entry of (await readdirIfExists(join(root, etc))) ?? []) {
    signal.throwIfAborted();
    if (ENABLEMENT_DIR.test(entry)) {
      for (const wanted of (await readdirIfExists(join(root, etc, entry))) ?? []) add(wanted);
    } else if (UNIT_NAME.test(entry)) {
      const target = await readlinkIfLink(join(root, etc, entry));
      if (target === undefined) continue;
      const targetName = posix.basename(target);
      if (target !== '/dev/null' && targetName !== entry) add(targetName);
    }
  }
  return names;
}

/** "getty@tty1.service" -> "getty@.service"; undefined for a name that is no instance. */
function templateOf(name: string): string | undefined {
  const at = name.indexOf('@');
  const dot = name.lastIndexOf('.');
  if (at < 0 || dot < at + 2) return undefined;
  return `${name.slice(0, at + 1)}${name.slice(dot)}`;
}

/**
 * Follows links from `path` (relative to the root) and returns where they
 * end, still relative to the root: '/dev/null' for a mask, undefined when
 * the chain is dangling, loops, or ends in something other than a file.
 */
export async function resolveLinks(root: string, path: string): Promise<string | undefined> {
  let current = path;
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    if (current === '/dev/null') return current;
    let target: string;
    try {
      const stats = await lstat(join(root, current));
      if (!stats.isSymbolicLink()) return stats.isFile() ? current : undefined;
      target = await readlink(join(root, current));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    // Resolving against '/' keeps '..' from climbing out of the root.
    current = posix.resolve(posix.dirname(current), target);
  }
  return undefined;
}

async function readUnitFile(root: string, path: string, signal: AbortSignal): Promise<string> {
  try {
    return await readFile(join(root, path), { encoding: 'utf8', signal });
  } catch (err) {
    const { code, name, message } = err as NodeJS.ErrnoException;
    if (name === 'AbortError') throw err;
    // Guessing a unit's state without its file would report a false change; keep the last snapshot.
    throw new Error(`cannot read ${join(root, path)}: ${code ?? message}`, { cause: err });
  }
}

async function readdirIfExists(path: string): Promise<string[] | undefined> {
  try {
    return await readdir(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

async function readlinkIfLink(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch {
    return undefined; // not a link, or gone
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export interface UnitSetting {
  section: string;
  key: string;
  value: string;
}

/**
 * Parses a unit file (INI-like, systemd.syntax(7)) into its settings in
 * order. A line ending in a backslash continues on the next one; comment
 * lines start with '#' or ';'. Lines that are not settings are skipped.
 */
export function parseUnitFile(text: string): UnitSetting[] {
  const settings: UnitSetting[] = [];
  let section = '';
  let pending = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line.startsWith('#') || line.startsWith(';')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    const logical = (pending + line).trim();
    pending = '';
    const header = /^\[([^\]]+)\]$/.exec(logical);
    if (header) {
      section = header[1]!;
      continue;
    }
    const equals = logical.indexOf('=');
    if (equals <= 0 || section === '') continue;
    settings.push({ section, key: logical.slice(0, equals).trim(), value: logical.slice(equals + 1).trim() });
  }
  return settings;
}

/** The first command of a service's ExecStart= list, where an empty assignment clears the list. */
export function effectiveExecStart(settings: UnitSetting[]): string | undefined {
  let commands: string[] = [];
  for (const { section, key, value } of settings) {
    if (section !== 'Service' || key !== 'ExecStart') continue;
    commands = value === '' ? [] : [...commands, value];
  }
  return commands[0];
}

/**
 * Active and sub states from systemctl, only on a host whose init is
 * systemd (it creates /run/systemd/system at boot, which is how sd_booted(3)
 * tells). Undefined when there is no systemd or no systemctl.
 */
async function queryUnitStates(signal: AbortSignal): Promise<Map<string, UnitState> | undefined> {
  try {
    await access('/run/systemd/system');
  } catch {
    return undefined;
  }
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('systemctl', ['list-units', '--all', '--no-legend', '--plain', '--no-pager', '--type=service,socket,timer,path,mount,target'], {
      encoding: 'utf8', signal, timeout: SYSTEMCTL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((err as Error).name === 'AbortError') throw err;
    // Dropping every active state would look like a change to every unit: keep the last snapshot instead.
    throw new Error(`systemctl could not list the units: ${(err as Error).message}`, { cause: err });
  }
  return parseSystemctlListUnits(stdout);
}

/**
 * Parses `systemctl list-units --plain --no-legend` lines: UNIT LOAD ACTIVE
 * SUB DESCRIPTION, the description taking the rest of the line. A leading
 * status mark ("●", shown for failed units by some versions) is skipped.
 */
export function parseSystemctlListUnits(text: string): Map<string, UnitState> {
  const states = new Map<string, UnitState>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === '●' || fields[0] === '*') fields.shift();
    if (fields.length < 4) continue;
    const [name, load, active, sub] = fields as [string, string, string, string];
    if (!name.includes('.')) continue;
    states.set(name, { load, active, sub });
  }
  return states;
}
