/**
 * The command generator type: fixture scripts in testdata/command/ stand in
 * for CLIs that list things as JSON, fail, hang or print too much.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@picket/shared';
import { agentConfigSchema } from '../config.ts';
import { decodeSnapshot } from '../differ.ts';
import { Outbox } from '../outbox.ts';
import { openStateDb } from '../state-db.ts';
import { bufferOf } from './collect-snapshot.ts';
import { commandSchema, parseItems } from './command.ts';
import type { GeneratorConfig } from './define-generator.ts';
import { GeneratorRunner } from './runner.ts';
import { WorkerPool } from './worker-pool.ts';

const fixture = (name: string) => fileURLToPath(new URL(`testdata/command/${name}`, import.meta.url));

function commandConfig(fields: Record<string, unknown>): GeneratorConfig {
  return commandSchema.parse({ type: 'command', name: 'test.command', key: 'UserName', ...fields }) as GeneratorConfig;
}

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'picket-command-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function pool(t: { after(fn: () => Promise<void>): void }): WorkerPool {
  const workers = new WorkerPool({ size: 1 });
  t.after(() => workers.close());
  return workers;
}

test('items come from a JSON array, from an array inside an object, or from NDJSON lines', () => {
  assert.deepEqual(parseItems('[{"a":1},{"a":2}]', { format: 'json' }), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(parseItems('{"Users":[{"a":1}],"IsTruncated":false}', { format: 'json', items_path: 'Users' }), [{ a: 1 }]);
  assert.deepEqual(parseItems('{"data":{"users":[]}}', { format: 'json', items_path: 'data.users' }), []);
  assert.deepEqual(parseItems('{"a":1}\n\n{"a":2}\n', { format: 'ndjson' }), [{ a: 1 }, { a: 2 }]);
  assert.throws(() => parseItems('{"Users":[]}', { format: 'json' }), /output is not a JSON array \(set items_path/);
  assert.throws(() => parseItems('{"Users":[]}', { format: 'json', items_path: 'Groups' }), /no array at "Groups"/);
  assert.throws(() => parseItems('', { format: 'json' }), /output is not JSON/);
  assert.throws(() => parseItems('{"a":1}\nnot json\n', { format: 'ndjson' }), /output line 2 is not JSON/);
});

test('a command generator through the runner: a baseline, then the change', { timeout: 30_000 }, async (t) => {
  const dir = await tempDir(t);
  const listing = join(dir, 'users.json');
  const users = [{ UserName: 'alice', Arn: 'arn:aws:iam::1:user/alice' }, { UserName: 'bob', Arn: 'arn:aws:iam::1:user/bob' }];
  await writeFile(listing, JSON.stringify({ Users: users, IsTruncated: false }));
  const db = await openStateDb(join(dir, 'state'));
  t.after(() => db.close());
  const outbox = await Outbox.open(db, { flushIntervalMs: 0, maxPendingBytes: 1 << 20, sync: false });
  const config = commandConfig({ name: 'aws.iam.users', command: fixture('print-file.sh'), args: [listing], items_path: 'Users' });
  const runner = new GeneratorRunner({ name: 'aws.iam.users', config }, { db, outbox, pool: pool(t), logger: createLogger('test', 'silent'), reportProblem: () => {} });

  const baseline = await runner.runOnce();
  assert.equal(baseline.status, 'baseline');
  users[1]!.Arn = 'arn:aws:iam::1:user/admins/bob';
  users.push({ UserName: 'mallory', Arn: 'arn:aws:iam::1:user/mallory' });
  await writeFile(listing, JSON.stringify({ Users: users }));
  const change = await runner.runOnce();
  assert.equal(change.status, 'changed');
  if (change.status !== 'changed') return;
  assert.deepEqual(change.diff.added.map((c) => c.key), ['mallory']);
  assert.deepEqual(change.diff.modified.map((m) => [m.key, m.changedPaths]), [['bob', ['Arn']]]);
});

test('a failing program: its exit code and the start of its stderr', async (t) => {
  await assert.rejects(
    pool(t).run({ config: commandConfig({ command: fixture('fail.sh') }) }),
    /fail\.sh exited with code 3; stderr: An error occurred \(AccessDenied\) when calling the ListUsers operation \| User is not authorized/,
  );
});

test('a program past its timeout is killed', { timeout: 30_000 }, async (t) => {
  const dir = await tempDir(t);
  const pidFile = join(dir, 'pid');
  await assert.rejects(pool(t).run({ config: commandConfig({ command: fixture('hang.sh'), args: [pidFile], timeout: '500ms' }) }), /timed out after 500 ms/);
  const pid = Number(await readFile(pidFile, 'utf8'));
  const deadline = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(isAlive(pid), false, `process ${pid} still runs`);
});

test('closing the pool, as the agent does when it stops, kills a running program', { timeout: 30_000 }, async (t) => {
  const dir = await tempDir(t);
  const pidFile = join(dir, 'pid');
  const workers = new WorkerPool({ size: 1 });
  const stopped = assert.rejects(workers.run({ config: commandConfig({ command: fixture('hang.sh'), args: [pidFile] }) }), /stopped/);
  const pid = await eventuallyPid(pidFile);
  await workers.close();
  await stopped;
  // The kill is sent by then; under load the process may take a moment to go.
  const deadline = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(isAlive(pid), false, `process ${pid} still runs`);
});

test('a program printing more than max_output fails the run and is killed', async (t) => {
  await assert.rejects(pool(t).run({ config: commandConfig({ command: fixture('flood.sh'), max_output: '64KiB' }) }), /flood\.sh printed more than max_output \(65536 bytes\) and was killed/);
});

test('an item without the key field fails the run, naming the item', async (t) => {
  const dir = await tempDir(t);
  const listing = join(dir, 'users.ndjson');
  await writeFile(listing, '{"UserName":"alice"}\n{"Name":"bob"}\n');
  await assert.rejects(pool(t).run({ config: commandConfig({ command: fixture('print-file.sh'), args: [listing], format: 'ndjson' }) }), /item 1 \(counting from 0\) has no key field "UserName"/);
});

test('arguments and env reach the program, stdin is closed, and a missing program is named', async (t) => {
  const workers = pool(t);
  // The program waits for the end of stdin, then prints what it was given.
  const script = 'process.stdin.resume().on("end", () => console.log(JSON.stringify([{ id: process.argv[1], value: process.env.PICKET_TEST_VALUE }])))';
  const result = await workers.run({ config: commandConfig({ command: process.execPath, args: ['-e', script, 'from-args'], env: { PICKET_TEST_VALUE: 'from-env' }, key: 'id', timeout: '10s' }), includeUnchanged: true });
  assert.equal(result.itemCount, 1);
  assert.deepEqual(decodeSnapshot(bufferOf(result.snapshot!))!.items.map((item) => JSON.parse(item.json)), [{ id: 'from-args', value: 'from-env' }]);
  await assert.rejects(workers.run({ config: commandConfig({ command: 'picket-no-such-program' }) }), /cannot run picket-no-such-program: not found/);
});

test('each command generator has its own name, which no other generator may have', () => {
  const command = (name: string) => ({ type: 'command', name, command: 'aws', args: ['iam', 'list-users'], items_path: 'Users', key: 'UserName' });
  const problems = (generators: unknown[]) => agentConfigSchema.safeParse({ generators }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.equal(problems([command('aws.iam.users'), command('aws.iam.roles'), { type: 'host.users' }]), undefined);
  assert.deepEqual(problems([command('aws.iam.users'), command('aws.iam.users')]), ['generators.1.name: generator name "aws.iam.users" is used twice']);
  assert.deepEqual(problems([command('host.users')]), ['generators.0.name: "host.users" is the name of a built-in generator']);
  assert.deepEqual(problems([{ type: 'host.users' }, { type: 'host.users' }]), ['generators.1.type: generator "host.users" is configured twice']);
  assert.match(problems([command('users')])!.join(), /generators\.0\.name: expected a dotted lowercase name/);
  assert.deepEqual(problems([{ ...command('aws.iam.users'), format: 'ndjson' }]), ['generators.0.items_path: items_path applies to format json only']);
});

/**
 * Whether the process still runs. A killed child whose worker thread was
 * terminated before reaping it stays a zombie (state Z) until the agent
 * exits: dead, though kill(pid, 0) still finds it.
 */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function eventuallyPid(file: string): Promise<number> {
  for (let tries = 0; tries < 250; tries++) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.endsWith('\n')) return Number(text);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no pid in ${file}`);
}
