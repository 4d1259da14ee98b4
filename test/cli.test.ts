/**
 * The command lines: help, version, and configuration errors that name the
 * file, line and field and stop the program before it opens anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentCli, serverCli } from './processes.ts';

function run(cli: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('--help and --version', async () => {
  for (const cli of [agentCli, serverCli]) {
    const help = await run(cli, ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage:/);
    const version = await run(cli, ['--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  }
});

test('unknown commands and options exit 2 with a hint', async () => {
  const unknown = await run(agentCli, ['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'.*\n.*--help/);
  const option = await run(serverCli, ['--colour']);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /--colour/);
});

test('a bad configuration names file, line and field, and nothing is opened', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'picket-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  const agentConfig = join(dir, 'agent.yaml');
  const agentHome = join(dir, 'agent-home');
  await writeFile(agentConfig, `home: ${JSON.stringify(agentHome)}\nsources:\n  - type: syslog-tcp\n    listen: 127.0.0.1:0\n    max_mesage_size: 1KiB\n`);
  for (const command of ['validate', 'run']) {
    const result = await run(agentCli, [command, '--config', agentConfig]);
    assert.equal(result.code, 2, command);
    assert.match(result.stderr, /agent\.yaml:5: sources\.0\.max_mesage_size: unknown key/);
  }
  assert.equal(existsSync(agentHome), false, 'no state directory was created');

  const serverConfig = join(dir, 'server.yaml');
  const serverHome = join(dir, 'server-home');
  await writeFile(serverConfig, `home: ${JSON.stringify(serverHome)}\nlisten:\n  http: 0.0.0.0:8080\nsyslog:\n  time_zone: Mars/Olympus\n`);
  const result = await run(serverCli, ['run', '--config', serverConfig]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /server\.yaml:3: listen\.http: only loopback addresses/);
  assert.match(result.stderr, /server\.yaml:5: syslog\.time_zone: not a time zone/);
  assert.equal(existsSync(serverHome), false, 'no state directory was created');

  const missing = await run(serverCli, ['validate', '--config', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read configuration .*nope\.yaml: ENOENT/);

  const good = await run(agentCli, ['validate']);
  assert.equal(good.code, 0);
  assert.match(good.stdout, /default configuration: ok/);
});
