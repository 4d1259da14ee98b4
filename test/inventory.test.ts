/**
 * The server's inventory of an agent's state, kept by deltas and verified
 * by checksum; analyzers alert on changes; drift asks for a resync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, getJson, serverCli, startAgent, startServer } from './processes.ts';

const run = promisify(execFile);

interface InventoryState { generator: string; itemCount: number; verified: boolean; resyncRequested: boolean }

test('inventory, analyzers and drift detection with real processes', { timeout: 90_000 }, async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'picket-inventory-'));
  const root = join(home, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nmallory:x:1001:1001::/home/mallory:/bin/sh\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nsudo:x:27:alice\nmallory:x:1001:\n');
  const server = await startServer(home);
  const agent = await startAgent(home, server.grpc, `sources: []
generators:
  - type: host.users
    root: ${JSON.stringify(root)}
    interval: 300ms
  - type: host.groups
    root: ${JSON.stringify(root)}
    interval: 300ms
`);
  const agentId = String(agent.started.agentId);
  t.after(async () => {
    await agent.stop();
    await server.stop();
    await rm(home, { recursive: true, force: true });
  });
  const states = async () => (await getJson<{ generators: InventoryState[] }>(`${server.http}/api/v1/inventory/${agentId}`)).generators;

  await t.test('baselines fill the inventory, verified by checksum', async () => {
    const found = await eventually('both baselines', async () => ((await states()).length === 2 ? states() : undefined));
    assert.deepEqual(found.map((s) => [s.generator, s.itemCount, s.verified]), [['host.groups', 3, true], ['host.users', 3, true]]);
    const { items } = await getJson<{ items: { key: string; value: { uid: number } }[] }>(`${server.http}/api/v1/inventory/${agentId}/host.users`);
    assert.deepEqual(items.map((i) => [i.key, i.value.uid]), [['alice', 1000], ['mallory', 1001], ['root', 0]]);
    const cli = await run(process.execPath, [serverCli, 'inventory', agentId, 'host.users', '--url', server.http]);
    assert.deepEqual(cli.stdout.trim().split('\n').map((l) => JSON.parse(l).key), ['alice', 'mallory', 'root']);
  });

  await t.test('a user added to sudo raises the analyzer alert, once', async () => {
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nsudo:x:27:alice,mallory\nmallory:x:1001:\n');
    const alert = await eventually('the alert', async () => {
      const { alerts } = await getJson<{ alerts: { ruleId: string; title: string; count: number }[] }>(`${server.http}/api/v1/alerts`);
      return alerts.find((a) => a.ruleId === 'host.groups.privileged-member-added');
    });
    assert.match(alert.title, /^mallory added to privileged group sudo/);
    assert.equal(alert.count, 1);
  });

  await t.test('a server copy that drifted is detected, and the resync repairs it', async () => {
    // Lose an item behind the server's back, as a missed delta would.
    const db = new DatabaseSync(join(home, 'server', 'picket.db'));
    db.prepare("DELETE FROM inventory_items WHERE agent_id = ? AND generator = 'host.users' AND key = 'alice'").run(agentId);
    db.close();
    await appendFile(join(root, 'etc/passwd'), 'bob:x:1002:1002::/home/bob:/bin/sh\n');
    // The mismatch asks the agent for its whole snapshot, which replaces the copy.
    const repaired = await eventually('the repair', async () => {
      const users = (await states()).find((s) => s.generator === 'host.users');
      return users?.itemCount === 4 && users.verified && !users.resyncRequested ? users : undefined;
    });
    assert.equal(repaired.verified, true);
    const { items } = await getJson<{ items: { key: string }[] }>(`${server.http}/api/v1/inventory/${agentId}/host.users`);
    assert.deepEqual(items.map((i) => i.key), ['alice', 'bob', 'mallory', 'root'], 'the lost item is back');
    const log = server.stderrLines.join('\n');
    assert.match(log, /inventory differs from the agent's snapshot/, 'the drift was detected, not missed');
    const { alerts } = await getJson<{ alerts: { ruleId: string }[] }>(`${server.http}/api/v1/alerts`);
    assert.equal(alerts.filter((a) => a.ruleId === 'host.users.new-root-account').length, 0, 'a resync raises no alerts');
  });
});
