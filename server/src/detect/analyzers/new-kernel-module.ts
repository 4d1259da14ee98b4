import { defineAnalyzer, isChange } from '../define-analyzer.ts';

/** A kernel module loaded since the last snapshot; an out-of-tree or unsigned one (taint O or E) is worse. */
export const newKernelModule = defineAnalyzer({
  id: 'host.kernel_modules.new-module',
  generators: ['host.kernel_modules'],
  severity: 'medium',
  analyze(change) {
    if (!isChange(change)) return [];
    return change.added.map((a) => {
      const taint = typeof a.item.taint === 'string' ? a.item.taint : '';
      return {
        dedupKey: `${change.agentId}/${a.key}`,
        title: `New kernel module ${a.key}${taint ? ` (taint ${taint})` : ''} on agent ${change.agentId}`,
        severity: /[OE]/.test(taint) ? 'high' as const : undefined,
        subject: a.item,
      };
    });
  },
  tests: [
    { name: 'an unsigned out-of-tree module', change: { added: [{ key: 'diamorphine', item: { name: 'diamorphine', taint: 'OE' } }] }, findings: ['New kernel module diamorphine (taint OE) on agent a1'] },
    { name: 'the baseline', change: { baseline: true, added: [{ key: 'ext4', item: { name: 'ext4' } }] }, findings: [] },
  ],
});
