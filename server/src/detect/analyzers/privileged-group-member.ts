import { defineAnalyzer, isChange, type Item } from '../define-analyzer.ts';

const members = (group: Item | undefined) => new Set([...((group?.members as string[]) ?? []), ...((group?.primary_members as string[]) ?? [])]);

/** A user who gains membership of a group that grants admin rights (sudo, wheel, admin, gid 0). */
export const privilegedGroupMember = defineAnalyzer({
  id: 'host.groups.privileged-member-added',
  generators: ['host.groups'],
  severity: 'high',
  analyze(change) {
    if (!isChange(change)) return [];
    const gains = [
      ...change.added.filter((a) => a.item.privileged === true).map((a) => ({ group: a.key, before: new Set<string>(), after: members(a.item) })),
      ...change.modified.filter((m) => m.new.privileged === true).map((m) => ({ group: m.key, before: m.old.privileged === true ? members(m.old) : new Set<string>(), after: members(m.new) })),
    ];
    return gains.flatMap(({ group, before, after }) =>
      [...after].filter((user) => !before.has(user)).sort().map((user) => ({
        dedupKey: `${change.agentId}/${group}/${user}`,
        title: `${user} added to privileged group ${group} on agent ${change.agentId}`,
        subject: { group, user },
      })),
    );
  },
  tests: [
    { name: 'a user joins sudo', change: { modified: [{ key: 'sudo', old: { privileged: true, members: ['alice'] }, new: { privileged: true, members: ['alice', 'mallory'] }, changedPaths: ['members.1'] }] }, findings: ['mallory added to privileged group sudo on agent a1'] },
    { name: 'a user joins an ordinary group', change: { modified: [{ key: 'audio', old: { privileged: false, members: [] }, new: { privileged: false, members: ['alice'] }, changedPaths: ['members.0'] }] }, findings: [] },
    { name: 'a new privileged group with a member', change: { added: [{ key: 'wheel', item: { privileged: true, members: ['eve'], primary_members: [] } }] }, findings: ['eve added to privileged group wheel on agent a1'] },
    { name: 'a user leaves sudo', change: { modified: [{ key: 'sudo', old: { privileged: true, members: ['alice', 'bob'] }, new: { privileged: true, members: ['alice'] }, changedPaths: ['members.1'] }] }, findings: [] },
  ],
});
