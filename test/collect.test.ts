/**
 * `picket-agent collect`: prints what generators would ship, compared with
 * the agent's stored snapshots, and never writes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentCli, startAgent } from './processes.ts';

interface CollectLine { generator: string; status: string; items: number; added?: { key: string }[]; modified?: { key: string; changed_paths: string[] }[]; snapshot?: unknown[] }

function collect(args: string[]): Promise<{ code: number; lines: CollectLine[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [agentCli, 'collect', ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CollectLine);
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, lines, stderr });
    });
  });
}

test('collect compares with the stored snapshot and writes nothing', { timeout: 60_000 }, async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'picket-collect-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const root = join(home, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  const generators = `generators:\n  - type: host.users\n    root: ${JSON.stringify(root)}\n`;
  const config = join(home, 'collect.yaml');
  await writeFile(config, `home: ${JSON.stringify(join(home, 'agent'))}\n${generators}`);

  const fresh = await collect(['--once', '--print', '--config', config]);
  assert.equal(fresh.code, 0);
  assert.match(fresh.stderr, /comparing with an empty state/);
  assert.equal(fresh.lines[0]!.status, 'baseline');
  assert.equal(fresh.lines[0]!.snapshot!.length, 1);

  // The agent takes and stores its baseline (no server needed for that).
  const agent = await startAgent(home, '127.0.0.1:9', `sources: []\n${generators}`);
  t.after(() => agent.stop());
  const busy = await collect(['--once', '--config', config]);
  assert.match(busy.stderr, /in use \(is the agent running\?\)/);
  await agent.stop();

  const unchanged = await collect(['--once', '--config', config, '--generator', 'host.users']);
  assert.deepEqual(unchanged.lines.map((l) => [l.generator, l.status, l.items]), [['host.users', 'unchanged', 1]]);

  await appendFile(join(root, 'etc/passwd'), 'toor:x:0:0::/root:/bin/sh\n');
  for (let run = 0; run < 2; run++) {
    const changed = await collect(['--once', '--config', config]);
    assert.equal(changed.lines[0]!.status, 'changed', `run ${run}: the stored snapshot did not move`);
    assert.deepEqual(changed.lines[0]!.added!.map((a) => a.key), ['toor']);
  }
});
