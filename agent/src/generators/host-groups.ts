/**
 * host.groups: local groups from `<root>/etc/group`, keyed by name, with the
 * users who belong to each. Membership is both explicit (the group's member
 * list) and primary (a passwd entry's gid), so both are reported: an account
 * whose primary group is `sudo` has its rights without appearing in the list.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';
import { readRequiredText } from './host-file.ts';
import { parsePasswd, type UserAccount } from './host-users.ts';

export interface GroupEntry {
  name: string;
  gid: number;
  /** The group's own member list, sorted. */
  members: string[];
  /** Accounts whose primary group (passwd gid) this is, sorted. */
  primary_members: string[];
  /** Whether membership grants administrative rights (sudo, wheel… or gid 0). */
  privileged: boolean;
}

// Group databases grow with directory-synced hosts; far beyond this is not a group file.
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export const hostGroups = defineGenerator({
  name: 'host.groups',
  schema: generatorSchema('host.groups', { interval: '60s' }, {
    root: rootOption,
    privileged_groups: z.array(z.string()).default(['admin', 'root', 'sudo', 'wheel'])
      .describe('Group names whose members get administrative rights; a group with gid 0 always counts.'),
  }),
  key: (group: GroupEntry) => group.name,
  async collect(config, { signal }) {
    const groupText = await readRequiredText(join(config.root, 'etc/group'), signal, MAX_FILE_BYTES);
    const passwdText = await readRequiredText(join(config.root, 'etc/passwd'), signal, MAX_FILE_BYTES);
    return buildGroups(parseGroupFile(groupText), parsePasswd(passwdText), new Set(config.privileged_groups));
  },
});

export interface GroupLine {
  name: string;
  gid: number;
  members: string[];
}

/** Parses group(5) lines; comments, blank and malformed lines are skipped. */
export function parseGroupFile(text: string): GroupLine[] {
  const groups: GroupLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length !== 4) continue;
    const [name, , gid, members] = fields as [string, string, string, string];
    if (name === '' || !/^\d+$/.test(gid)) continue;
    groups.push({ name, gid: Number(gid), members: members.split(',').map((m) => m.trim()).filter((m) => m !== '') });
  }
  return groups;
}

/** Joins groups with the accounts whose primary group they are. */
export function buildGroups(groups: GroupLine[], accounts: UserAccount[], privilegedNames: ReadonlySet<string>): GroupEntry[] {
  const primaryByGid = new Map<number, Set<string>>();
  for (const account of accounts) {
    let names = primaryByGid.get(account.gid);
    if (!names) primaryByGid.set(account.gid, names = new Set());
    names.add(account.name);
  }
  return groups.map((group) => ({
    name: group.name,
    gid: group.gid,
    members: sortedUnique(group.members),
    primary_members: sortedUnique(primaryByGid.get(group.gid) ?? []),
    privileged: group.gid === 0 || privilegedNames.has(group.name),
  }));
}

function sortedUnique(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

