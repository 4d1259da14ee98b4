import { defineAnalyzer, isChange } from '../define-analyzer.ts';

/** A sudoers rule that was not there before; one that needs no password is worse. */
export const newSudoersRule = defineAnalyzer({
  id: 'host.sudoers.new-rule',
  generators: ['host.sudoers'],
  severity: 'high',
  analyze(change) {
    if (!isChange(change)) return [];
    return change.added.filter((a) => a.item.kind === 'rule').map((a) => {
      const nopasswd = ((a.item.tags as string[] | undefined) ?? []).includes('NOPASSWD');
      return {
        dedupKey: `${change.agentId}/${a.key}`,
        title: `New sudoers rule${nopasswd ? ' without password' : ''} on agent ${change.agentId}: ${String(a.item.text)}`,
        severity: nopasswd ? 'critical' as const : 'high' as const,
        subject: a.item,
      };
    });
  },
  tests: [
    { name: 'a NOPASSWD rule', change: { added: [{ key: '/etc/sudoers.d/x:mallory ALL=(ALL) NOPASSWD: ALL', item: { kind: 'rule', text: 'mallory ALL=(ALL) NOPASSWD: ALL', tags: ['NOPASSWD'] } }] }, findings: ['New sudoers rule without password on agent a1: mallory ALL=(ALL) NOPASSWD: ALL'] },
    { name: 'a new Defaults line', change: { added: [{ key: 'f:Defaults env_reset', item: { kind: 'defaults', text: 'Defaults env_reset' } }] }, findings: [] },
    { name: 'a rule with a password', change: { added: [{ key: 'f:alice ALL=(ALL) ALL', item: { kind: 'rule', text: 'alice ALL=(ALL) ALL' } }] }, findings: ['New sudoers rule on agent a1: alice ALL=(ALL) ALL'] },
  ],
});
