import { defineAnalyzer, isChange } from '../define-analyzer.ts';

/** Any change to a file under integrity monitoring: content, mode, owner, or its appearance or removal. */
export const watchedFileChanged = defineAnalyzer({
  id: 'host.files.changed',
  generators: ['host.files'],
  severity: 'medium',
  analyze(change) {
    if (!isChange(change)) return [];
    const at = `on agent ${change.agentId}`;
    return [
      ...change.added.map((a) => ({ dedupKey: `${change.agentId}/${a.key}`, title: `Watched file created ${at}: ${a.key}`, subject: a.item })),
      ...change.removed.map((r) => ({ dedupKey: `${change.agentId}/${r.key}`, title: `Watched file removed ${at}: ${r.key}`, subject: r.item })),
      ...change.modified.map((m) => ({ dedupKey: `${change.agentId}/${m.key}`, title: `Watched file changed ${at}: ${m.key} (${m.changedPaths.join(', ')})`, subject: { old: m.old, new: m.new } })),
    ];
  },
  tests: [
    { name: 'sshd_config edited', change: { modified: [{ key: '/etc/ssh/sshd_config', old: { sha256: 'a' }, new: { sha256: 'b' }, changedPaths: ['mtime', 'sha256'] }] }, findings: ['Watched file changed on agent a1: /etc/ssh/sshd_config (mtime, sha256)'] },
    { name: 'ld.so.preload appears', change: { added: [{ key: '/etc/ld.so.preload', item: { path: '/etc/ld.so.preload' } }] }, findings: ['Watched file created on agent a1: /etc/ld.so.preload'] },
  ],
});
