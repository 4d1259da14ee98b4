/**
 * The single executable from `npm run package` stands on its own: copied into
 * an empty directory, with no node_modules above it and none of this
 * repository's environment, it starts, takes a syslog line over TCP, keeps it
 * in its LevelDB outbox (the native addon works) and stops cleanly on SIGINT.
 * Its generators run on worker threads started from its own assets: every
 * built-in, and command and module (.mjs, .cjs, .ts) generators.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { VERSION } from '@picket/shared';
import { generators } from '../../agent/src/generators/index.ts';

const built = fileURLToPath(new URL('../../dist/picket-agent', import.meta.url));
const printFile = fileURLToPath(new URL('../../agent/src/generators/testdata/command/print-file.sh', import.meta.url));
const run = promisify(execFile);
const skip = existsSync(built) ? false : 'dist/picket-agent not built: run npm run package';

/** A copy of the executable alone in a new directory, and an environment with nothing of ours in it. */
async function isolated(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'picket-sea-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const agent = join(dir, 'picket-agent');
  await copyFile(built, agent);
  await chmod(agent, 0o755);
  // No NODE_OPTIONS, no test runner variables.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, PICKET_HOME: join(dir, 'home'), XDG_CACHE_HOME: join(dir, 'cache') };
  return { dir, agent, env };
}

interface CollectLine { generator: string; status: string; error?: string; added?: { key: string; item: Record<string, unknown> }[] }

async function collectOnce(agent: string, dir: string, env: Record<string, string>, args: string[] = []): Promise<CollectLine[]> {
  const { stdout } = await run(agent, ['collect', '--once', ...args], { cwd: dir, env, timeout: 60_000 });
  return stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as CollectLine);
}

test('dist/picket-agent collect --once runs every built-in generator on its worker threads', { skip, timeout: 90_000 }, async (t) => {
  const { dir, agent, env } = await isolated(t);
  // The real host: whatever it holds, a first run is a baseline, never a failure.
  const lines = await collectOnce(agent, dir, env).catch((err: { stdout?: string }) => {
    throw new Error(`collect --once failed:\n${err.stdout ?? String(err)}`);
  });
  assert.deepEqual(lines.map((l) => l.generator).sort(), generators.map((g) => g.name).sort());
  for (const line of lines) assert.equal(line.status, 'baseline', `${line.generator}: ${line.error ?? line.status}`);
});

test('dist/picket-agent runs command generators and module generators in .mjs, .cjs and .ts', { skip, timeout: 90_000 }, async (t) => {
  const { dir, agent, env } = await isolated(t);
  const generator = (name: string) => `{ name: "${name}", key: (item) => item.id, async collect(config) { return [{ id: "${name}", option: config.option }]; } }`;
  await writeFile(join(dir, 'esm.mjs'), `export default ${generator('acme.esm')};\n`);
  await writeFile(join(dir, 'common.cjs'), `module.exports = ${generator('acme.common')};\n`);
  await writeFile(join(dir, 'typed.ts'), `interface Options { option: number }\nexport const generator = { name: "acme.typed", key: (item: { id: string }) => item.id, async collect(config: Options) { return [{ id: "acme.typed", option: config.option }]; } };\n`);
  await writeFile(join(dir, 'users.json'), JSON.stringify({ Users: [{ UserName: 'alice' }] }));
  const config = join(dir, 'agent.yaml');
  await writeFile(config, `generators:
  - type: command
    name: aws.iam.users
    command: ${JSON.stringify(printFile)}
    args: [users.json]
    items_path: Users
    key: UserName
${['esm.mjs', 'common.cjs', 'typed.ts'].map((file, i) => `  - type: module\n    path: ${file}\n    option: ${i}\n`).join('')}`);

  const lines = await collectOnce(agent, dir, env, ['--config', config]);
  const added = Object.fromEntries(lines.map((l) => [l.generator, l.status === 'baseline' ? l.added!.map((a) => a.item) : l.error]));
  assert.deepEqual(added, {
    'aws.iam.users': [{ UserName: 'alice' }],
    'acme.esm': [{ id: 'acme.esm', option: 0 }],
    'acme.common': [{ id: 'acme.common', option: 1 }],
    'acme.typed': [{ id: 'acme.typed', option: 2 }],
  });
});

test('dist/picket-agent runs alone and keeps a syslog line in its outbox', { skip, timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'picket-sea-'));
  const agent = join(dir, 'picket-agent');
  const state = join(dir, 'home', 'agent', 'state');
  // Nothing inherited: no NODE_OPTIONS, no test runner variables.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, PICKET_HOME: join(dir, 'home'), XDG_CACHE_HOME: join(dir, 'cache') };
  const config = join(dir, 'agent.yaml');
  // Port 1 needs root to listen on, so no server answers and records stay in the outbox.
  await writeFile(config, 'server:\n  address: 127.0.0.1:1\nsources:\n  - type: syslog-tcp\n    listen: 127.0.0.1:0\n');
  await copyFile(built, agent);
  await chmod(agent, 0o755);

  const version = await run(agent, ['--version'], { cwd: dir, env, timeout: 10_000 });
  assert.equal(version.stdout, `${VERSION}\n`);
  const validate = await run(agent, ['validate', '--config', config], { cwd: dir, env, timeout: 10_000 });
  assert.match(validate.stdout, /: ok\n$/);

  const child = spawn(agent, ['--config', config], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const started = await within(15_000, 'the agent to start', new Promise<Record<string, unknown>>((resolve, reject) => {
      createInterface({ input: child.stderr }).on('line', (line) => {
        stderr.push(line);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.msg === 'agent started') resolve(entry);
        } catch {
          // not a log line
        }
      });
      void exited.then((code) => reject(new Error(`the agent exited with ${code}:\n${stderr.join('\n')}`)));
    }));
    const endpoint = (started.listening as string[]).find((e) => e.startsWith('tcp://'));
    assert.ok(endpoint, `no TCP endpoint in ${JSON.stringify(started)}`);
    const port = Number(new URL(endpoint).port);

    const marker = `sea-smoke-${randomUUID()}`;
    await within(5_000, 'the syslog line to be sent', new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => socket.end(`<13>Nov 22 04:00:00 sea-test picket: ${marker}\n`));
      socket.once('error', reject).once('close', () => resolve());
    }));
    await eventually(10_000, `${marker} in the outbox`, () => outboxHolds(state, marker));

    child.kill('SIGINT');
    assert.equal(await within(15_000, 'the agent to stop', exited), 0, stderr.join('\n'));
    assert.ok(await outboxHolds(state, marker), 'the line is still in the outbox after stopping');
    const cached = await readdir(join(dir, 'cache', 'picket'));
    assert.equal(cached.filter((f) => f.endsWith('-classic-level.node')).length, 1, `addon cache: ${cached.join(', ')}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await within(5_000, 'the agent to exit', exited).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

/** Whether any of LevelDB's files holds `text` (recent writes sit uncompressed in its .log). */
async function outboxHolds(state: string, text: string): Promise<boolean> {
  for (const file of await readdir(state).catch(() => [])) {
    if ((await readFile(join(state, file)).catch(() => Buffer.alloc(0))).includes(text)) return true;
  }
  return false;
}

async function eventually(ms: number, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
