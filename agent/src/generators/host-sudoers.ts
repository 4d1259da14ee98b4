/**
 * host.sudoers: who may run what as whom, from `<root>/etc/sudoers` and the
 * files it includes. One item per user specification, Defaults line and alias
 * definition, keyed by file and normalized text (not by line number: an edit
 * above a rule must not make it look new).
 *
 * A user specification whose commands carry different Runas, options or tags
 * (`alice ALL = (root) NOPASSWD: /bin/ls, PASSWD: /bin/kill`) becomes one item
 * per run of commands sharing them, so every item's fields are exact.
 */
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';
import { readOptionalText } from './host-file.ts';

export interface SudoersEntry {
  /** The file the statement is in, relative to the root (e.g. "/etc/sudoers.d/90-admins"). */
  file: string;
  kind: 'rule' | 'defaults' | 'alias';
  /** Users and groups the statement applies to (rules; Defaults bound with `:`); empty otherwise. */
  principals: string[];
  hosts?: string[];
  /** The Runas_Spec without parentheses, e.g. "ALL:ALL"; absent when the rule names none (root). */
  runas?: string;
  /** NOPASSWD, SETENV…: each tag in effect for the commands, sorted. */
  tags?: string[];
  /** Option_Specs in effect (CWD=…, TIMEOUT=…), sorted. */
  options?: string[];
  /** In the written order: sudo lets the last match win, so `ALL, !/usr/bin/su` differs from its reverse. */
  commands?: string[];
  /** Defaults parameters in the written order, e.g. "!authenticate", "env_keep+=\"LANG\"". */
  settings?: string[];
  alias_type?: AliasType;
  name?: string;
  members?: string[];
  /** The statement rendered from the fields above, with whitespace normalized. */
  text: string;
}

export type AliasType = 'User_Alias' | 'Runas_Alias' | 'Host_Alias' | 'Cmnd_Alias';

export interface SudoersInclude {
  /** As written, unquoted: relative paths are relative to the including file's directory. */
  path: string;
  directory: boolean;
}

export const MAX_INCLUDE_DEPTH = 8;
const MAIN_FILE = '/etc/sudoers';

export const hostSudoers = defineGenerator({
  name: 'host.sudoers',
  schema: generatorSchema('host.sudoers', { interval: '5m' }, {
    root: rootOption,
  }),
  key: (entry: SudoersEntry) => `${entry.file}:${entry.text}`,
  async collect(config, { signal }) {
    const entries: SudoersEntry[] = [];
    await readSudoersFile(config.root, MAIN_FILE, 0, new Set(), entries, signal);
    return entries;
  },
});

/**
 * Reads one file and, depth first, what it includes. A file already read is
 * skipped: that breaks cycles and keeps keys unique.
 */
async function readSudoersFile(root: string, file: string, depth: number, seen: Set<string>, entries: SudoersEntry[], signal: AbortSignal): Promise<void> {
  if (depth > MAX_INCLUDE_DEPTH || seen.has(file)) return;
  seen.add(file);
  const text = await readOptionalText(join(root, file), signal);
  if (text === undefined) return; // no sudoers (sudo is not installed), or an include naming nothing: no rules either way
  const parsed = parseSudoers(text, file);
  entries.push(...parsed.entries);
  for (const include of parsed.includes) {
    signal.throwIfAborted();
    const target = posix.resolve(posix.dirname(file), include.path);
    const files = include.directory ? await listIncludeDir(root, target) : [target];
    for (const included of files) await readSudoersFile(root, included, depth + 1, seen, entries, signal);
  }
}

/** The files sudo reads from an `@includedir`: sorted, skipping names with a '.' or a trailing '~'. */
async function listIncludeDir(root: string, dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(root, dir));
  } catch (err) {
    if (isMissing(err)) return [];
    throw new Error(`cannot list ${dir}: ${describeFsError(err)}`, { cause: err });
  }
  return names.filter(isIncludedName).sort().map((name) => posix.join(dir, name));
}

// `#include` only counts at the start of a line; `@include` may be indented.
const INCLUDE_LINE = /^(?:#|[ \t]*@)(includedir|include)[ \t]+(\S.*?)[ \t]*$/;
// An odd number of trailing backslashes: the last one joins the next line.
const CONTINUED = /(^|[^\\])(\\\\)*\\$/;

/** Whether sudo reads a file of this name from an `@includedir` (so editor backups and package leftovers are inert). */
export function isIncludedName(name: string): boolean {
  return name !== '' && !name.includes('.') && !name.endsWith('~');
}

/** Parses one sudoers file; statements it cannot parse are skipped. */
export function parseSudoers(text: string, file: string): { entries: SudoersEntry[]; includes: SudoersInclude[] } {
  const entries: SudoersEntry[] = [];
  const includes: SudoersInclude[] = [];
  for (const line of logicalLines(text)) {
    const include = parseInclude(line);
    if (include) {
      includes.push(include);
      continue;
    }
    entries.push(...parseStatement(line, file));
  }
  return { entries, includes };
}

/**
 * Joins continued lines (a trailing backslash) and drops comments, keeping
 * include directives whole: `#include` looks like a comment but is not.
 */
export function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const physical of text.split('\n')) {
    const line = physical.endsWith('\r') ? physical.slice(0, -1) : physical;
    if (pending === '' && INCLUDE_LINE.test(line)) {
      lines.push(line);
      continue;
    }
    let content = stripComment(line).trimEnd();
    if (pending !== '') content = content.trimStart();
    if (CONTINUED.test(content)) {
      pending += content.slice(0, -1).trimEnd() + ' ';
      continue;
    }
    const logical = (pending + content).trim();
    pending = '';
    if (logical !== '') lines.push(logical);
  }
  if (pending.trim() !== '') lines.push(pending.trim());
  return lines;
}

/** Cuts a line at its comment: a '#' outside quotes, not escaped, and not a uid or gid like `#1000`. */
export function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '\\') i++;
    else if (char === '"') quoted = !quoted;
    else if (char === '#' && !quoted && !/^#-?\d/.test(line.slice(i, i + 3))) return line.slice(0, i);
  }
  return line;
}

export function parseInclude(line: string): SudoersInclude | undefined {
  const match = INCLUDE_LINE.exec(line);
  if (!match) return undefined;
  let path = match[2]!;
  if (path.length > 1 && path.startsWith('"') && path.endsWith('"')) path = path.slice(1, -1);
  else path = path.replace(/\\([ \t])/g, '$1');
  return path === '' ? undefined : { path, directory: match[1] === 'includedir' };
}

/** One logical line to its entries: none when it is not a statement sudo would accept. */
export function parseStatement(line: string, file: string): SudoersEntry[] {
  if (/^Defaults(?=$|[\s:@>!])/.test(line)) {
    const entry = parseDefaults(line, file);
    return entry ? [entry] : [];
  }
  const alias = /^(User|Runas|Host|Cmnd|Cmd)_Alias\s+/.exec(line);
  if (alias) {
    const type: AliasType = alias[1] === 'Cmd' ? 'Cmnd_Alias' : `${alias[1] as 'User' | 'Runas' | 'Host' | 'Cmnd'}_Alias`;
    const tokens = tokenize(line.slice(alias[0].length));
    return tokens ? parseAliases(new Cursor(tokens), type, file) ?? [] : [];
  }
  const tokens = tokenize(line);
  return tokens ? parseUserSpec(new Cursor(tokens), file) ?? [] : [];
}

// ---------------------------------------------------------------- Defaults

/**
 * `Defaults[:users|@hosts|>runas|!commands] param, !flag, list+="a b"`. The
 * binding list ends at the first blank not next to a comma, as in sudo.
 */
function parseDefaults(line: string, file: string): SudoersEntry | undefined {
  const match = /^Defaults(?:([:@>!])\s*((?:[^\s,]+)(?:\s*,\s*[^\s,]+)*))?\s+(\S.*)$/.exec(line);
  if (!match) return undefined;
  const [, binding, boundTo, parameterText] = match as unknown as [string, string | undefined, string | undefined, string];
  const settings: string[] = [];
  for (const parameter of splitOutsideQuotes(parameterText, ',')) {
    const setting = normalizeSetting(parameter);
    if (setting === undefined) return undefined;
    settings.push(setting);
  }
  const targets = boundTo ? boundTo.split(',').map((target) => target.trim()) : [];
  const text = `Defaults${binding ? binding + targets.join(',') : ''} ${settings.join(', ')}`;
  const entry: SudoersEntry = { file, kind: 'defaults', principals: binding === ':' ? targets : [], settings, text };
  if (binding === '@') entry.hosts = targets;
  if (binding === '>') entry.runas = targets.join(', ');
  if (binding === '!') entry.commands = targets;
  return entry;
}

/** `! flag`, `name = value`, `list += "a b"` to `!flag`, `name=value`, `list+="a b"`. */
function normalizeSetting(parameter: string): string | undefined {
  const match = /^((?:!\s*)*)([a-z_]+)\s*(?:(\+=|-=|=)\s*(\S.*?))?\s*$/s.exec(parameter.trim());
  if (!match) return undefined;
  const [, bangs, name, operator, value] = match as unknown as [string, string, string, string | undefined, string | undefined];
  if (operator !== undefined && value === undefined) return undefined;
  const negation = bangs.replace(/\s/g, '').length % 2 === 1 ? '!' : '';
  return operator === undefined ? `${negation}${name}` : `${negation}${name}${operator}${value}`;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '"') quoted = !quoted;
    else if (char === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

// ---------------------------------------------------------------- tokens

type Token =
  | { type: 'word'; text: string } // a user, group, host, alias name, ALL, or a quoted string
  | { type: 'command'; text: string } // a path, regex or sudoedit with its arguments, spaces collapsed
  | { type: 'tag'; text: string } // NOPASSWD and the like, without the colon
  | { type: 'digest'; text: string } // sha256:…
  | { type: ',' | ':' | '=' | '(' | ')' | '!'; text: string };

const TAGS = ['NOPASSWD', 'PASSWD', 'NOEXEC', 'EXEC', 'NOSETENV', 'SETENV', 'NOLOG_INPUT', 'LOG_INPUT', 'NOLOG_OUTPUT', 'LOG_OUTPUT',
  'NOMAIL', 'MAIL', 'NOFOLLOW', 'FOLLOW', 'NOINTERCEPT', 'INTERCEPT'];
const TAG_AT = new RegExp(`^(${TAGS.join('|')})[ \\t]*:`);
const DIGEST_AT = /^(sha224|sha256|sha384|sha512)[ \t]*:[ \t]*([A-Za-z0-9+/=]+)/;
// sudo reads an IPv6 address as one word, colons and all.
const IPV6_AT = /^(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:\/[0-9]{1,3})?(?![\w:])/;
const OPTION_NAMES = new Set(['CWD', 'CHROOT', 'TIMEOUT', 'NOTBEFORE', 'NOTAFTER', 'ROLE', 'TYPE', 'APPARMOR_PROFILE', 'PRIVS', 'LIMITPRIVS']);
const WORD_STOP = new Set([' ', '\t', '#', '>', '!', '=', ':', ',', '(', ')', '"']);
const ARG_STOP = new Set([' ', '\t', '#', ':', ',']);
const PATH_STOP = new Set([...ARG_STOP, '=']); // '=' may appear in arguments, not in the command's path

/** Splits a statement into tokens; undefined when it holds something no statement can (an open quote). */
export function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === ' ' || char === '\t') {
      i++;
    } else if (',:=()!'.includes(char)) {
      tokens.push({ type: char as ',' | ':' | '=' | '(' | ')' | '!', text: char });
      i++;
    } else if (char === '"') {
      const end = closingQuote(text, i);
      if (end < 0) return undefined;
      tokens.push({ type: 'word', text: text.slice(i, end + 1) });
      i = end + 1;
    } else if (expectsOptionValue(tokens)) {
      // CWD=/tmp: a path here is a value, not a command.
      const end = scanRun(text, i, ARG_STOP);
      tokens.push({ type: 'word', text: text.slice(i, end) });
      i = end;
    } else if (char === '/' || char === '^' || /^sudoedit(?![^\s,:#])/.test(text.slice(i, i + 9))) {
      const [command, end] = scanCommand(text, i);
      tokens.push({ type: 'command', text: command });
      i = end;
    } else {
      const rest = text.slice(i, i + 200);
      const tag = TAG_AT.exec(rest);
      const digest = tag ? null : DIGEST_AT.exec(rest);
      const ipv6 = tag || digest ? null : IPV6_AT.exec(rest);
      if (tag) tokens.push({ type: 'tag', text: tag[1]! });
      if (digest) tokens.push({ type: 'digest', text: `${digest[1]}:${digest[2]}` });
      if (ipv6) tokens.push({ type: 'word', text: ipv6[0] });
      const matched = tag ?? digest ?? ipv6;
      if (matched) {
        i += matched[0].length;
        continue;
      }
      // `%:group` names a non-Unix group; `#1000` a uid.
      const start = i;
      if (text.startsWith('%:', i)) i += 2;
      else if (char === '#') i++;
      i = scanRun(text, i, WORD_STOP);
      if (i === start) return undefined;
      tokens.push({ type: 'word', text: text.slice(start, i) });
    }
  }
  return tokens;
}

function expectsOptionValue(tokens: Token[]): boolean {
  const name = tokens.at(-2);
  return tokens.at(-1)?.type === '=' && name?.type === 'word' && OPTION_NAMES.has(name.text);
}

/** The end of a run of characters none of which is in `stop`; a backslash escapes the next one. */
function scanRun(text: string, from: number, stop: ReadonlySet<string>): number {
  let i = from;
  while (i < text.length && !stop.has(text[i]!)) i += text[i] === '\\' ? 2 : 1;
  return Math.min(i, text.length);
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** A command and its arguments, up to an unescaped ':', ',' or '#'; a regex runs to its '$'. */
function scanCommand(text: string, from: number): [string, number] {
  const words: string[] = [];
  let i = from;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length || ARG_STOP.has(text[i]!)) break;
    let end: number;
    if (text[i] === '^') {
      const dollar = text.indexOf('$', i);
      end = dollar < 0 ? scanRun(text, i, ARG_STOP) : dollar + 1;
    } else {
      end = scanRun(text, i, words.length === 0 ? PATH_STOP : ARG_STOP);
    }
    if (end === i) break;
    words.push(text.slice(i, end));
    i = end;
    if (words.length === 1 && words[0]!.endsWith('/')) break; // a directory takes no arguments
  }
  return [words.join(' '), i];
}

class Cursor {
  readonly #tokens: Token[];
  #position = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  peek(ahead = 0): Token | undefined {
    return this.#tokens[this.#position + ahead];
  }

  next(): Token | undefined {
    return this.#tokens[this.#position++];
  }

  accept(type: Token['type']): Token | undefined {
    return this.peek()?.type === type ? this.next() : undefined;
  }

  get done(): boolean {
    return this.#position >= this.#tokens.length;
  }
}

// ---------------------------------------------------------------- user specifications

interface CommandSettings {
  runas?: string;
  options: Map<string, string>;
  tags: Map<string, string>;
}

/** `users hosts = [(runas)] [OPTION=v] [TAG:] cmnd, … [: hosts = …]`; undefined when malformed. */
function parseUserSpec(cursor: Cursor, file: string): SudoersEntry[] | undefined {
  const principals = parseNames(cursor);
  let hosts = parseNames(cursor);
  if (!principals || !hosts || !cursor.accept('=')) return undefined;
  const entries: SudoersEntry[] = [];
  let settings: CommandSettings = { options: new Map(), tags: new Map() };
  let current: SudoersEntry | undefined;
  for (;;) {
    if (cursor.accept('(')) {
      const runas = parseRunas(cursor);
      if (runas === undefined) return undefined;
      settings = { ...settings, runas };
    }
    while (cursor.peek()?.type === 'word' && OPTION_NAMES.has(cursor.peek()!.text) && cursor.peek(1)?.type === '=') {
      const name = cursor.next()!.text;
      cursor.next();
      const value = cursor.next();
      if (value?.type !== 'word' && value?.type !== 'command') return undefined;
      settings = { ...settings, options: new Map(settings.options).set(name, value.text) };
    }
    for (let tag = cursor.accept('tag'); tag; tag = cursor.accept('tag')) {
      // A tag replaces its opposite: NOPASSWD and PASSWD share the slot "PASSWD".
      settings = { ...settings, tags: new Map(settings.tags).set(tag.text.replace(/^NO/, ''), tag.text) };
    }
    const command = parseCommand(cursor);
    if (command === undefined) return undefined;
    const rule = renderRuleFields(principals, hosts, settings);
    if (current && sharesSettings(current, rule)) {
      current.commands!.push(command);
    } else {
      current = { file, kind: 'rule', ...rule, commands: [command], text: '' };
      entries.push(current);
    }
    if (cursor.accept(',')) continue;
    if (cursor.accept(':')) {
      // A new Host_List = Cmnd_Spec_List: Runas, options and tags start afresh.
      hosts = parseNames(cursor);
      if (!hosts || !cursor.accept('=')) return undefined;
      settings = { options: new Map(), tags: new Map() };
      current = undefined;
      continue;
    }
    if (cursor.done) break;
    return undefined;
  }
  for (const entry of entries) entry.text = renderRule(entry);
  return entries;
}

/** A comma-separated list of (possibly negated) names; undefined when there is none. */
function parseNames(cursor: Cursor): string[] | undefined {
  const names: string[] = [];
  do {
    const negated = countNegations(cursor) % 2 === 1;
    const word = cursor.accept('word');
    if (!word) return undefined;
    names.push(negated ? `!${word.text}` : word.text);
  } while (cursor.accept(','));
  return names;
}

function countNegations(cursor: Cursor): number {
  let count = 0;
  while (cursor.accept('!')) count++;
  return count;
}

/** After '(': `users[:groups])`, either list possibly empty. */
function parseRunas(cursor: Cursor): string | undefined {
  const users = startsName(cursor.peek()) ? parseNames(cursor) : [];
  if (users === undefined) return undefined;
  let runas = users.join(', ');
  if (cursor.accept(':')) {
    const groups = startsName(cursor.peek()) ? parseNames(cursor) : [];
    if (groups === undefined) return undefined;
    runas += `:${groups.join(', ')}`;
  }
  return cursor.accept(')') ? runas : undefined;
}

function startsName(token: Token | undefined): boolean {
  return token?.type === 'word' || token?.type === '!';
}

/** `[!][sha256:digest …] /path args | ALL | ALIAS`, rendered as one string. */
function parseCommand(cursor: Cursor): string | undefined {
  const negated = countNegations(cursor) % 2 === 1;
  const digests: string[] = [];
  for (let digest = cursor.accept('digest'); digest; digest = cursor.accept('digest')) {
    digests.push(digest.text);
    cursor.accept(',');
  }
  const command = cursor.accept('command') ?? cursor.accept('word');
  if (!command) return undefined;
  return (negated ? '!' : '') + [...digests, command.text].join(' ');
}

function renderRuleFields(principals: string[], hosts: string[], settings: CommandSettings): Omit<SudoersEntry, 'file' | 'kind' | 'text'> {
  const fields: Omit<SudoersEntry, 'file' | 'kind' | 'text'> = { principals, hosts };
  if (settings.runas !== undefined) fields.runas = settings.runas;
  if (settings.tags.size > 0) fields.tags = [...settings.tags.values()].sort();
  if (settings.options.size > 0) fields.options = [...settings.options].map(([name, value]) => `${name}=${value}`).sort();
  return fields;
}

function sharesSettings(a: Partial<SudoersEntry>, b: Partial<SudoersEntry>): boolean {
  return a.runas === b.runas && String(a.tags) === String(b.tags) && String(a.options) === String(b.options);
}

/** E.g. `alice ALL=(ALL:ALL) NOPASSWD: /usr/bin/apt, /bin/systemctl restart nginx`. */
function renderRule(entry: SudoersEntry): string {
  const parts: string[] = [];
  if (entry.runas !== undefined) parts.push(`(${entry.runas})`);
  for (const option of entry.options ?? []) parts.push(option);
  for (const tag of entry.tags ?? []) parts.push(`${tag}:`);
  parts.push(entry.commands!.join(', '));
  return `${entry.principals.join(', ')} ${entry.hosts!.join(', ')}=${parts.join(' ')}`;
}

// ---------------------------------------------------------------- aliases

/** `NAME = member, … [: NAME2 = …]` after the alias keyword. */
function parseAliases(cursor: Cursor, type: AliasType, file: string): SudoersEntry[] | undefined {
  const entries: SudoersEntry[] = [];
  do {
    const name = cursor.accept('word');
    if (!name || !/^[A-Z][A-Z0-9_]*$/.test(name.text) || !cursor.accept('=')) return undefined;
    const members = type === 'Cmnd_Alias' ? parseCommandList(cursor) : parseNames(cursor);
    if (!members) return undefined;
    entries.push({
      file, kind: 'alias', principals: [], alias_type: type, name: name.text, members,
      text: `${type} ${name.text} = ${members.join(', ')}`,
    });
  } while (cursor.accept(':'));
  return cursor.done ? entries : undefined;
}

function parseCommandList(cursor: Cursor): string[] | undefined {
  const commands: string[] = [];
  do {
    const command = parseCommand(cursor);
    if (command === undefined) return undefined;
    commands.push(command);
  } while (cursor.accept(','));
  return commands;
}

// ---------------------------------------------------------------- files

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function describeFsError(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}
