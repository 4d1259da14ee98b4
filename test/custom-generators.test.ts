/**
 * Custom generators from the command line: `picket-agent collect --once`
 * runs command and module generators (on worker threads) beside built-ins,
 * and the agent refuses to start with a module generator it cannot load,
 * before it opens anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentCli } from './processes.ts';

const testdata = fileURLToPath(new URL('../agent/src/generators/testdata/', import.meta.url));

interface CollectLine { generator: string; status: string; items?: number; error?: string; added?: { key: string }[] }

function agent(args: string[]): Promise<{ code: number; lines: CollectLine[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [agentCli, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as CollectLine);
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, lines, stderr });
    });
  });
}

test('collect --once runs command and module generators beside a built-in', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'picket-custom-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'etc'));
  await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  await writeFile(join(dir, 'etc/hosts'), '127.0.0.1 localhost\n');
  await writeFile(join(dir, 'users.json'), JSON.stringify({ Users: [{ UserName: 'alice' }, { UserName: 'bob' }] }));
  const config = join(dir, 'agent.yaml');
  await writeFile(config, `home: ${JSON.stringify(join(dir, 'agent'))}
generators:
  - type: host.users
    root: ${JSON.stringify(dir)}
  - type: command
    name: aws.iam.users
    command: ${JSON.stringify(join(testdata, 'command/print-file.sh'))}
    args: [${JSON.stringify(join(dir, 'users.json'))}]
    items_path: Users
    key: UserName
  - type: command
    name: aws.iam.denied
    command: ${JSON.stringify(join(testdata, 'command/fail.sh'))}
    key: UserName
  - type: module
    path: ${JSON.stringify(join(testdata, 'module/etc-hosts.mjs'))}
    file: ${JSON.stringify(join(dir, 'etc/hosts'))}
  - type: module
    path: ${JSON.stringify(join(testdata, 'module/scripted.ts'))}
    name: acme.accounts
    items: [{ name: svc, uid: 998 }]
`);

  const { code, lines } = await agent(['collect', '--once', '--config', config]);
  const byName = new Map(lines.map((line) => [line.generator, line]));
  assert.deepEqual([...byName.keys()].sort(), ['acme.accounts', 'aws.iam.denied', 'aws.iam.users', 'example.etc_hosts', 'host.users']);
  for (const name of ['host.users', 'aws.iam.users', 'example.etc_hosts', 'acme.accounts']) assert.equal(byName.get(name)!.status, 'baseline', name);
  assert.deepEqual(byName.get('aws.iam.users')!.added!.map((a) => a.key), ['alice', 'bob']);
  assert.deepEqual(byName.get('acme.accounts')!.added!.map((a) => a.key), ['svc']);
  assert.equal(byName.get('aws.iam.denied')!.status, 'failed');
  assert.match(byName.get('aws.iam.denied')!.error!, /exited with code 3; stderr: An error occurred \(AccessDenied\)/);
  assert.equal(code, 1, 'a failed generator fails the command');
});

test('a module generator that cannot load stops collect and the agent at start-up, before anything opens', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'picket-custom-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const home = join(dir, 'agent');
  const config = join(dir, 'agent.yaml');
  const missing = join(dir, 'generators/accounts.mjs');
  await writeFile(config, `home: ${JSON.stringify(home)}\nsources: []\ngenerators:\n  - type: module\n    path: ${JSON.stringify(missing)}\n`);

  const validate = await agent(['validate', '--config', config]);
  assert.equal(validate.code, 0, 'validating configuration loads no code');
  const collect = await agent(['collect', '--once', '--config', config]);
  assert.equal(collect.code, 2);
  assert.equal(collect.stderr, `picket-agent: module generator ${missing}: no such file\n`);
  const run = await agent(['run', '--config', config]);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `picket-agent: agent could not start: module generator ${missing}: no such file\n`);
  assert.equal(existsSync(home), false, 'nothing was created');
});
