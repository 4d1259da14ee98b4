import { defineAnalyzer, isChange } from '../define-analyzer.ts';

/** An account that appears with uid 0, or an existing one whose uid becomes 0: a second root. */
export const newRootAccount = defineAnalyzer({
  id: 'host.users.new-root-account',
  generators: ['host.users'],
  severity: 'critical',
  analyze(change) {
    if (!isChange(change)) return [];
    const added = change.added.filter((a) => a.item.uid === 0).map((a) => ({ key: a.key, item: a.item }));
    const promoted = change.modified.filter((m) => m.new.uid === 0 && m.changedPaths.includes('uid')).map((m) => ({ key: m.key, item: m.new }));
    return [...added, ...promoted].map(({ key, item }) => ({
      dedupKey: `${change.agentId}/${key}`,
      title: `New account with uid 0: ${key} on agent ${change.agentId}`,
      subject: item,
    }));
  },
  tests: [
    { name: 'a new uid-0 account', change: { added: [{ key: 'toor', item: { name: 'toor', uid: 0 } }] }, findings: ['New account with uid 0: toor on agent a1'] },
    { name: 'an ordinary new account', change: { added: [{ key: 'alice', item: { name: 'alice', uid: 1000 } }] }, findings: [] },
    { name: 'an account whose uid becomes 0', change: { modified: [{ key: 'bob', old: { uid: 1001 }, new: { uid: 0 }, changedPaths: ['uid'] }] }, findings: ['New account with uid 0: bob on agent a1'] },
    { name: "root changing its shell", change: { modified: [{ key: 'root', old: { uid: 0, shell: '/bin/sh' }, new: { uid: 0, shell: '/bin/bash' }, changedPaths: ['shell'] }] }, findings: [] },
    { name: 'the baseline', change: { baseline: true, added: [{ key: 'root', item: { name: 'root', uid: 0 } }] }, findings: [] },
  ],
});
