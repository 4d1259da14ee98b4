/**
 * host.authorized_keys: the SSH public keys that let someone log in as each
 * local account, read from the account's authorized_keys files. Items carry
 * the key's fingerprint (as `ssh-keygen -lf` prints it), never the key itself,
 * and are keyed by account and fingerprint, so moving a key between files or
 * lines is a modification, not a new key.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { z } from 'zod';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';
import { readOptionalText } from './host-file.ts';
import { parsePasswd, type UserAccount } from './host-users.ts';

export interface AuthorizedKey {
  user: string;
  /** The file the key is in, relative to the root (e.g. "/home/alice/.ssh/authorized_keys"). */
  file: string;
  type: string;
  /** "SHA256:" and the unpadded base64 SHA-256 of the key blob. */
  fingerprint: string;
  comment?: string;
  /** Key options as written (`from="10.0.0.0/8"`, `no-pty`), except that `environment` values are redacted. */
  options?: string[];
}

/** One parsed line of an authorized_keys file. */
export type AuthorizedKeyLine = Omit<AuthorizedKey, 'user' | 'file'>;


// The key types sshd accepts in authorized_keys; certificates only ever appear as their CA's plain key.
const KEY_TYPES = new Set([
  'ssh-ed25519', 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ssh-ed25519@openssh.com',
]);

export const hostAuthorizedKeys = defineGenerator({
  name: 'host.authorized_keys',
  schema: generatorSchema('host.authorized_keys', { interval: '5m' }, {
    root: rootOption,
    files: z.array(z.string().min(1)).default(['.ssh/authorized_keys', '.ssh/authorized_keys2'])
      .describe('Key files per account, as sshd\'s AuthorizedKeysFile: relative to the home directory; %h, %u and %% are expanded.'),
  }),
  key: (key: AuthorizedKey) => `${key.user}:${key.fingerprint}`,
  async collect(config, { signal }) {
    const passwdPath = join(config.root, 'etc/passwd');
    const passwd = await readFile(passwdPath, { encoding: 'utf8', signal }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read ${passwdPath}: ${err.code ?? err.message}`, { cause: err });
    });
    const keys: AuthorizedKey[] = [];
    for (const account of parsePasswd(passwd)) {
      if (!account.home.startsWith('/')) continue; // no home directory to hold keys
      for (const pattern of config.files) {
        signal.throwIfAborted();
        const file = keyFilePath(pattern, account);
        const text = await readOptionalText(join(config.root, file), signal);
        if (text === undefined) continue;
        for (const line of parseAuthorizedKeys(text)) keys.push({ user: account.name, file, ...line });
      }
    }
    return keys;
  },
});

/** Expands an AuthorizedKeysFile pattern for one account into a normalized absolute path. */
export function keyFilePath(pattern: string, account: Pick<UserAccount, 'name' | 'home'>): string {
  const expanded = pattern.replace(/%([%hu])/g, (_, token: string) => token === 'h' ? account.home : token === 'u' ? account.name : '%');
  return posix.resolve(account.home, expanded);
}

/** Parses authorized_keys(5) text; comments, blank lines and lines sshd would reject are skipped. */
export function parseAuthorizedKeys(text: string): AuthorizedKeyLine[] {
  const keys: AuthorizedKeyLine[] = [];
  for (const line of text.split('\n')) {
    const key = parseAuthorizedKeyLine(line);
    if (key) keys.push(key);
  }
  return keys;
}

/** `[options] type base64 [comment]`; undefined for anything else. */
export function parseAuthorizedKeyLine(line: string): AuthorizedKeyLine | undefined {
  const trimmed = line.replace(/\r$/, '').trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  // Like sshd: the line is a key, or else options followed by a key.
  let options: string[] | undefined;
  let rest = trimmed;
  if (!KEY_TYPES.has(firstToken(trimmed))) {
    const end = endOfOptions(trimmed);
    if (end === undefined) return undefined;
    options = splitOptions(trimmed.slice(0, end));
    if (!options) return undefined;
    rest = trimmed.slice(end).trimStart();
  }
  const match = /^(\S+)[ \t]+([A-Za-z0-9+/]+={0,2})(?:[ \t]+(.*))?$/.exec(rest);
  if (!match) return undefined;
  const [, type, base64, comment] = match as unknown as [string, string, string, string | undefined];
  if (!KEY_TYPES.has(type)) return undefined;
  const blob = Buffer.from(base64, 'base64');
  if (blobKeyType(blob) !== type) return undefined; // not base64 at all, or a key of another type
  const key: AuthorizedKeyLine = { type, fingerprint: fingerprint(blob) };
  if (comment?.trim()) key.comment = comment.trim();
  if (options) key.options = options.map(redactOption);
  return key;
}

/** What `ssh-keygen -lf` prints for a key blob. */
export function fingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function firstToken(text: string): string {
  return /^\S*/.exec(text)![0];
}

/** The index of the first blank outside double quotes; undefined when a quote is left open. */
function endOfOptions(text: string): number | undefined {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '\\' && text[i + 1] === '"') i++;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && (char === ' ' || char === '\t')) return i;
  }
  return undefined; // open quote, or options with no key after them
}

/** Splits `a,b="x,y"` at commas outside quotes; undefined when an option is not `name` or `name="value"`. */
function splitOptions(text: string): string[] | undefined {
  const options: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const char = text[i];
    if (quoted && char === '\\' && text[i + 1] === '"') i++;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && (char === ',' || char === undefined)) {
      const option = text.slice(start, i);
      if (!/^[A-Za-z][A-Za-z0-9-]*(?:="(?:[^"\\]|\\.)*")?$/.test(option)) return undefined;
      options.push(option);
      start = i + 1;
    }
  }
  return options;
}

/** environment="NAME=value" can carry a credential: keep only the name. */
function redactOption(option: string): string {
  const environment = /^(environment=")([^="]*)=.*"$/i.exec(option);
  return environment ? `${environment[1]}${environment[2]}=[redacted]"` : option;
}

/** The key type a blob names in its first field (an SSH string: 32-bit length, then bytes). */
function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.toString('latin1', 4, 4 + length);
}

