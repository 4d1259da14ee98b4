import { defineAnalyzer, isChange } from '../define-analyzer.ts';

/** A new SSH key that can log in as an account: a classic persistence step. */
export const newAuthorizedKey = defineAnalyzer({
  id: 'host.authorized_keys.new-key',
  generators: ['host.authorized_keys'],
  severity: 'high',
  analyze(change) {
    if (!isChange(change)) return [];
    return change.added.map((a) => ({
      dedupKey: `${change.agentId}/${a.key}`,
      title: `New SSH authorized key for ${String(a.item.user)} on agent ${change.agentId} (${String(a.item.fingerprint)})`,
      severity: a.item.user === 'root' ? 'critical' as const : undefined,
      subject: a.item,
    }));
  },
  tests: [
    { name: 'a key for root', change: { added: [{ key: 'root:SHA256:abc', item: { user: 'root', fingerprint: 'SHA256:abc', type: 'ssh-ed25519' } }] }, findings: ['New SSH authorized key for root on agent a1 (SHA256:abc)'] },
    { name: 'a key removed', change: { removed: [{ key: 'bob:SHA256:x', item: { user: 'bob', fingerprint: 'SHA256:x' } }] }, findings: [] },
  ],
});
