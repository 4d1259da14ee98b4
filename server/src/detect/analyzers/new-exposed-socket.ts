import { defineAnalyzer, isChange, type Item } from '../define-analyzer.ts';

const isLoopback = (address: string) => address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
const endpoint = (s: Item) => `${String(s.protocol)} ${String(s.address).includes(':') ? `[${String(s.address)}]` : String(s.address)}:${String(s.port)}`;
const owner = (s: Item) => ((s.process as Item | undefined)?.name as string | undefined) ?? 'unknown process';

/** A new listening socket that other hosts can reach (not loopback). */
export const newExposedSocket = defineAnalyzer({
  id: 'host.sockets.new-exposed-listener',
  generators: ['host.sockets'],
  severity: 'medium',
  analyze(change) {
    if (!isChange(change)) return [];
    const exposed = [
      ...change.added.map((a) => ({ key: a.key, item: a.item })),
      // A listener that moved from loopback to a reachable address is new to the network.
      ...change.modified.filter((m) => isLoopback(String(m.old.address)) && !isLoopback(String(m.new.address))).map((m) => ({ key: m.key, item: m.new })),
    ].filter(({ item }) => !isLoopback(String(item.address)));
    return exposed.map(({ key, item }) => ({
      dedupKey: `${change.agentId}/${key}`,
      title: `New listening socket ${endpoint(item)} (${owner(item)}) on agent ${change.agentId}`,
      subject: item,
    }));
  },
  tests: [
    { name: 'a shell listening on all interfaces', change: { added: [{ key: 'tcp:0.0.0.0:4444', item: { protocol: 'tcp', address: '0.0.0.0', port: 4444, process: { name: 'nc' } } }] }, findings: ['New listening socket tcp 0.0.0.0:4444 (nc) on agent a1'] },
    { name: 'a database on loopback', change: { added: [{ key: 'tcp:127.0.0.1:5432', item: { protocol: 'tcp', address: '127.0.0.1', port: 5432 } }] }, findings: [] },
    { name: 'IPv6 any', change: { added: [{ key: 'tcp:::22', item: { protocol: 'tcp', address: '::', port: 22, process: { name: 'sshd' } } }] }, findings: ['New listening socket tcp [::]:22 (sshd) on agent a1'] },
  ],
});
