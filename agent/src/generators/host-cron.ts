/**
 * host.cron: scheduled jobs from the system crontab and /etc/cron.d (which
 * name the user), the per-user crontabs in the spool (named after the user),
 * and the scripts run-parts runs from /etc/cron.{hourly,daily,weekly,monthly}
 * (reported with a hash of their content, since a script can change without
 * any crontab changing).
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';
import { withRegularFile } from './host-file.ts';

export interface CronJob {
  /** The file the job is in, relative to the root (e.g. "/etc/cron.d/certbot"). */
  file: string;
  user: string;
  /** Five time fields joined by single spaces ("*\/5 * * * *"), or a keyword ("@reboot"). */
  schedule: string;
  command: string;
  /** Scripts in a cron.{hourly,…} directory: the hex SHA-256 of the script. */
  sha256?: string;
  /** Scripts in a cron.{hourly,…} directory: run-parts skips a script without execute permission. */
  executable?: boolean;
}

/** A crontab line, before the file and (for user crontabs) the user are known. */
export type CrontabEntry = Omit<CronJob, 'file' | 'user' | 'sha256' | 'executable'> & { user?: string };

const MAX_CRONTAB_BYTES = 4 * 1024 * 1024;
const SYSTEM_CRONTAB_DIR = '/etc/cron.d';
// Debian keeps user crontabs in crontabs/; Red Hat puts them straight into the spool.
const USER_CRONTAB_DIRS = ['/var/spool/cron/crontabs', '/var/spool/cron'];
const SCRIPT_DIRS = [['/etc/cron.hourly', '@hourly'], ['/etc/cron.daily', '@daily'], ['/etc/cron.weekly', '@weekly'], ['/etc/cron.monthly', '@monthly']] as const;
const SCHEDULE_KEYWORDS = new Set(['@reboot', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

export const hostCron = defineGenerator({
  name: 'host.cron',
  schema: generatorSchema('host.cron', { interval: '5m' }, {
    root: rootOption,
  }),
  key: (job: CronJob) => job.sha256 === undefined ? `${job.file}:${job.schedule} ${job.command}` : job.file,
  async collect(config, { signal }) {
    const jobs: CronJob[] = [];
    const systemFiles = ['/etc/crontab', ...(await listJobFiles(config.root, SYSTEM_CRONTAB_DIR))];
    for (const file of systemFiles) {
      const text = await readCrontab(config.root, file, signal);
      if (text === undefined) continue;
      for (const entry of parseCrontab(text, { hasUserField: true })) jobs.push({ file, user: entry.user!, schedule: entry.schedule, command: entry.command });
    }
    for (const dir of USER_CRONTAB_DIRS) {
      for (const file of await listJobFiles(config.root, dir)) {
        const text = await readCrontab(config.root, file, signal);
        if (text === undefined) continue;
        const user = posix.basename(file);
        for (const entry of parseCrontab(text, { hasUserField: false })) jobs.push({ file, user, schedule: entry.schedule, command: entry.command });
      }
    }
    for (const [dir, schedule] of SCRIPT_DIRS) {
      for (const file of await listJobFiles(config.root, dir)) {
        const script = await hashScript(join(config.root, file), signal);
        if (script) jobs.push({ file, user: 'root', schedule, command: file, ...script });
      }
    }
    return jobs;
  },
});

/**
 * Parses crontab(5) text. System crontabs have a user field after the
 * schedule; user crontabs do not. Environment settings, comments, blank and
 * malformed lines are skipped.
 */
export function parseCrontab(text: string, { hasUserField }: { hasUserField: boolean }): CrontabEntry[] {
  const entries: CrontabEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const entry = parseCrontabLine(rawLine.replace(/\r$/, ''), hasUserField);
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseCrontabLine(line: string, hasUserField: boolean): CrontabEntry | undefined {
  const trimmed = line.trim();
  // A job starts with a time field (digits, '*') or a keyword; anything else, NAME=value included, is not a job.
  if (!/^[0-9*@]/.test(trimmed)) return undefined;
  const timeFieldCount = trimmed.startsWith('@') ? 1 : 5;
  const fields = splitFields(trimmed, timeFieldCount + (hasUserField ? 1 : 0));
  if (!fields) return undefined;
  const { leading, rest: command } = fields;
  const timeFields = leading.slice(0, timeFieldCount);
  if (timeFieldCount === 1 ? !SCHEDULE_KEYWORDS.has(timeFields[0]!) : !timeFields.every((field) => /^[0-9A-Za-z*,/~-]+$/.test(field))) return undefined;
  const entry: CrontabEntry = { schedule: timeFields.join(' '), command };
  if (hasUserField) entry.user = leading[timeFieldCount]!;
  return entry;
}

/** The first `count` blank-separated fields and the non-empty rest of the line, kept as written. */
function splitFields(line: string, count: number): { leading: string[]; rest: string } | undefined {
  const leading: string[] = [];
  let rest = line;
  for (let i = 0; i < count; i++) {
    const match = /^(\S+)[ \t]+(?=\S)/.exec(rest);
    if (!match) return undefined;
    leading.push(match[1]!);
    rest = rest.slice(match[0].length);
  }
  return { leading, rest: rest.trimEnd() };
}

/**
 * A directory's job files, sorted. Hidden files and editor backups ('~') are
 * skipped; other names are kept even where one cron implementation would
 * ignore them, since another would not.
 */
async function listJobFiles(root: string, dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(root, dir), { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new Error(`cannot list ${dir}: ${code ?? (err as Error).message}`, { cause: err });
  }
  return entries
    .filter((entry) => !entry.isDirectory() && !entry.name.startsWith('.') && !entry.name.endsWith('~'))
    .map((entry) => posix.join(dir, entry.name))
    .sort();
}

/** Reads a crontab; undefined when it is absent, not a regular file, or too large to be one. */
async function readCrontab(root: string, file: string, signal: AbortSignal): Promise<string | undefined> {
  return withRegularFile(join(root, file), async (handle, size) =>
    size > MAX_CRONTAB_BYTES ? undefined : handle.readFile({ encoding: 'utf8', signal }));
}

/** Hashes a script as it streams (scripts can be large binaries); undefined when it is absent or not a file. */
async function hashScript(path: string, signal: AbortSignal): Promise<{ sha256: string; executable: boolean } | undefined> {
  return withRegularFile(path, async (handle, _size, mode) => {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      signal.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
    return { sha256: hash.digest('hex'), executable: (mode & 0o111) !== 0 };
  });
}

