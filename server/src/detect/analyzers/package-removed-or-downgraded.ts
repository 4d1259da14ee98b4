import { compareDpkgVersions } from '@picket/shared';
import { defineAnalyzer, isChange } from '../define-analyzer.ts';

/**
 * A package removed, or replaced by an older version: security tools get
 * removed, and downgrades reopen fixed holes. Versions compare in Debian's
 * order; for rpm packages that order agrees in the common cases (numeric
 * segments, epochs) but not in every rpm corner.
 */
export const packageRemovedOrDowngraded = defineAnalyzer({
  id: 'host.packages.removed-or-downgraded',
  generators: ['host.packages'],
  severity: 'low',
  analyze(change) {
    if (!isChange(change)) return [];
    const at = `on agent ${change.agentId}`;
    return [
      ...change.removed.map((r) => ({ dedupKey: `${change.agentId}/${r.key}`, title: `Package ${String(r.item.name)} ${String(r.item.version)} removed ${at}`, subject: r.item })),
      ...change.modified
        .filter((m) => typeof m.old.version === 'string' && typeof m.new.version === 'string' && compareDpkgVersions(m.new.version, m.old.version) < 0)
        .map((m) => ({
          dedupKey: `${change.agentId}/${m.key}`,
          title: `Package ${String(m.new.name)} downgraded from ${String(m.old.version)} to ${String(m.new.version)} ${at}`,
          severity: 'medium' as const,
          subject: { old: m.old, new: m.new },
        })),
    ];
  },
  tests: [
    { name: 'a downgrade', change: { modified: [{ key: 'dpkg:openssl:amd64', old: { name: 'openssl', version: '3.0.15-1~deb12u1' }, new: { name: 'openssl', version: '3.0.11-1~deb12u2' }, changedPaths: ['version'] }] }, findings: ['Package openssl downgraded from 3.0.15-1~deb12u1 to 3.0.11-1~deb12u2 on agent a1'] },
    { name: 'an upgrade', change: { modified: [{ key: 'dpkg:openssl:amd64', old: { name: 'openssl', version: '3.0.11-1' }, new: { name: 'openssl', version: '3.0.15-1' }, changedPaths: ['version'] }] }, findings: [] },
    { name: 'a removal', change: { removed: [{ key: 'dpkg:auditd:amd64', item: { name: 'auditd', version: '1:3.0.9-1' } }] }, findings: ['Package auditd 1:3.0.9-1 removed on agent a1'] },
  ],
});
