/**
 * host.users: local accounts from `<root>/etc/passwd`, keyed by name.
 * Reading under a configurable root lets tests use fixture trees.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';

export interface UserAccount {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export const hostUsers = defineGenerator({
  name: 'host.users',
  schema: generatorSchema('host.users', { interval: '60s' }, {
    root: rootOption,
  }),
  key: (user: UserAccount) => user.name,
  async collect(config, { signal }) {
    return parsePasswd(await readFile(join(config.root, 'etc/passwd'), { encoding: 'utf8', signal }));
  },
});

/** Parses passwd(5) lines; comments, blank and malformed lines are skipped. */
export function parsePasswd(text: string): UserAccount[] {
  const users: UserAccount[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length !== 7) continue;
    const [name, , uid, gid, gecos, home, shell] = fields as [string, string, string, string, string, string, string];
    if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid) || name === '') continue;
    users.push({ name, uid: Number(uid), gid: Number(gid), gecos, home, shell });
  }
  return users;
}
