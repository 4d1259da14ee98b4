/**
 * The module generator type: users' files from testdata/module/ (one
 * TypeScript with a schema for its options, one plain JavaScript) run like
 * built-ins, and a file that cannot be one fails start-up, naming itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@picket/shared';
import { agentConfigSchema } from '../config.ts';
import { Outbox } from '../outbox.ts';
import { openStateDb } from '../state-db.ts';
import type { GeneratorConfig } from './define-generator.ts';
import { resolveGenerators } from './definitions.ts';
import { moduleSchema } from './module.ts';
import { GeneratorRunner, type RunOutcome } from './runner.ts';
import { WorkerPool } from './worker-pool.ts';

const fixture = (name: string) => fileURLToPath(new URL(`testdata/module/${name}`, import.meta.url));

function moduleConfig(fields: Record<string, unknown>): GeneratorConfig {
  return moduleSchema.parse({ type: 'module', ...fields }) as GeneratorConfig;
}

/**
 * Runs the configured modules through the runner, as the agent does, each
 * time with the entries `configs` returns then (options are read once, when
 * a runner is made, as the agent reads its configuration once).
 */
async function setup(t: { after(fn: () => Promise<void>): void }, configs: () => GeneratorConfig[]) {
  const dir = await mkdtemp(join(tmpdir(), 'picket-module-'));
  const db = await openStateDb(join(dir, 'state'));
  const pool = new WorkerPool({ size: 1 });
  t.after(async () => {
    await pool.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  const outbox = await Outbox.open(db, { flushIntervalMs: 0, maxPendingBytes: 1 << 20, sync: false });
  const ctx = { db, outbox, pool, logger: createLogger('test', 'silent'), reportProblem: () => {} };
  const names = (await resolveGenerators(configs())).map((g) => g.name);
  const runAll = async () => Promise.all((await resolveGenerators(configs())).map((generator) => new GeneratorRunner(generator, ctx).runOnce()));
  return { names, runAll };
}

function changedKeys(outcome: RunOutcome): Record<string, string[]> {
  if (outcome.status !== 'changed' && outcome.status !== 'baseline') return { status: [outcome.status, 'error' in outcome ? outcome.error : ''] };
  const { added, removed, modified } = outcome.diff;
  return { added: added.map((c) => c.key), removed: removed.map((c) => c.key), modified: modified.map((m) => m.key) };
}

test('a TypeScript and a JavaScript module through the runner: baselines, then the changes', { timeout: 30_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'picket-module-root-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost ip6-localhost # loopback\n');
  const items = [{ name: 'root', uid: 0 }];
  const configs = () => [
    moduleConfig({ path: fixture('scripted.ts'), items }),
    moduleConfig({ path: fixture('etc-hosts.mjs'), file: join(root, 'etc/hosts') }),
  ];
  const { names, runAll } = await setup(t, configs);
  assert.deepEqual(names, ['test.scripted', 'example.etc_hosts'], 'named by their modules');

  assert.deepEqual((await runAll()).map(changedKeys), [
    { added: ['root'], removed: [], modified: [] },
    { added: ['127.0.0.1', '::1'], removed: [], modified: [] },
  ]);
  assert.deepEqual((await runAll()).map((o) => o.status), ['unchanged', 'unchanged']);

  await writeFile(join(root, 'etc/hosts'), '127.0.0.1 localhost\n203.0.113.7 updates.example.com\n');
  items.push({ name: 'toor', uid: 0 });
  assert.deepEqual((await runAll()).map(changedKeys), [
    { added: ['toor'], removed: [], modified: [] },
    { added: ['203.0.113.7'], removed: ['::1'], modified: [] },
  ]);
});

test('options reach collect, validated by the module\'s own schema; an entry can rename the module', async (t) => {
  const { names, runAll } = await setup(t, () => [moduleConfig({ path: fixture('scripted.ts'), name: 'acme.accounts', items: [{ name: 'svc', uid: 998 }] })]);
  assert.deepEqual(names, ['acme.accounts']);
  assert.deepEqual((await runAll()).map(changedKeys), [{ added: ['svc'], removed: [], modified: [] }]);
  await assert.rejects(
    resolveGenerators([moduleConfig({ path: fixture('scripted.ts'), items: 'none' })]),
    new RegExp(`^Error: module generator ${escape(fixture('scripted.ts'))}: invalid options: items: .*expected array`),
  );
});

test('start-up fails on a module that is missing, exports no generator or does not load, naming the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'picket-module-bad-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const enumTs = join(dir, 'with-enum.ts');
  await writeFile(enumTs, 'enum Kind { A }\nexport default { name: "acme.kinds", key: () => "a", collect: async () => [Kind.A] };\n');
  const missing = join(dir, 'missing.mjs');
  const fails = (path: string, message: RegExp) => assert.rejects(resolveGenerators([moduleConfig({ path })]), message);

  await fails(missing, new RegExp(`^Error: module generator ${escape(missing)}: no such file$`));
  await fails(fixture('no-generator.mjs'), /no-generator\.mjs: exports no generator: export default \(or export const generator =\) an object with name, key and collect$/);
  await fails(enumTs, /with-enum\.ts: cannot load it: .*enum.* \(TypeScript runs by type stripping: only erasable syntax, no enum or namespace; or compile it to \.js\)$/);
  await assert.rejects(
    resolveGenerators([moduleConfig({ path: fixture('scripted.ts') }), moduleConfig({ path: fixture('scripted.ts') })]),
    /two generators are named "test.scripted" \(types module and module\)/,
  );
  const impostor = join(dir, 'impostor.mjs');
  await writeFile(impostor, 'export default { name: "host.users", key: (u) => u.name, collect: async () => [] };\n');
  await fails(impostor, /a module generator is named "host.users", the name of a built-in generator; give it another name/);
});

test('the configuration checks what it can without loading code', () => {
  const problems = (generators: unknown[]) => agentConfigSchema.safeParse({ generators }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.equal(problems([{ type: 'module', path: 'generators/accounts.mjs', interval: '5m', any_option: [1, 2] }]), undefined);
  assert.deepEqual(problems([{ type: 'module', path: 'accounts.txt' }]), ['generators.0.path: expected a .js, .mjs, .cjs, .ts, .mts or .cts file']);
  assert.deepEqual(problems([{ type: 'module', path: 'a.mjs', name: 'host.users' }]), ['generators.0.name: "host.users" is the name of a built-in generator']);
  assert.deepEqual(problems([{ type: 'module', path: 'a.mjs', name: 'acme.a' }, { type: 'module', path: 'b.mjs', name: 'acme.a' }]), ['generators.1.name: generator name "acme.a" is used twice']);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
