/**
 * `picket-agent collect`: runs generators here and now and prints, as JSON
 * lines, what each would ship: the diff against the agent's stored snapshot
 * (and with --print the whole snapshot). It never writes: advancing the
 * stored snapshot without shipping the delta would lose that change.
 */
import { join } from 'node:path';
import { describeError } from '@picket/shared';
import type { AgentConfig } from './config.ts';
import { decodeSnapshot } from './differ.ts';
import { bufferOf } from './generators/collect-snapshot.ts';
import type { GeneratorConfig } from './generators/define-generator.ts';
import { resolveGenerators, type ConfiguredGenerator } from './generators/definitions.ts';
import { generators } from './generators/index.ts';
import { snapshotKey } from './generators/runner.ts';
import { WorkerPool } from './generators/worker-pool.ts';
import { resolveHome } from './agent.ts';
import { openStateDb } from './state-db.ts';

export interface CollectOptions {
  generator?: string;
  once: boolean;
  print: boolean;
}

interface Selected extends ConfiguredGenerator {
  /** The snapshot to compare with, encoded. */
  previous: Uint8Array | undefined;
}

export async function runCollect(config: AgentConfig, options: CollectOptions, signal: AbortSignal): Promise<number> {
  let selected: Selected[];
  try {
    selected = await selectGenerators(config, options.generator);
  } catch (err) {
    process.stderr.write(`picket-agent: ${describeError(err)}\n`);
    return 2;
  }
  await loadStoredSnapshots(config, selected);

  // Generators run on worker threads here too: the same code path as the agent's.
  const pool = new WorkerPool();
  let failures = 0;
  const runOne = async (unit: Selected) => {
    const started = performance.now();
    try {
      const result = await pool.run({ config: unit.config, previous: unit.previous, includeUnchanged: options.print }, signal);
      const ms = Math.round(performance.now() - started);
      const line: Record<string, unknown> = { generator: unit.name, status: result.status, items: result.itemCount, checksum: result.checksum, ms };
      if (result.status !== 'unchanged') {
        line.added = result.diff.added.map((c) => ({ key: c.key, item: JSON.parse(c.item.json) }));
        line.removed = result.diff.removed.map((c) => ({ key: c.key, item: JSON.parse(c.item.json) }));
        line.modified = result.diff.modified.map((m) => ({ key: m.key, changed_paths: m.changedPaths, old: JSON.parse(m.old.json), new: JSON.parse(m.new.json) }));
      }
      if (options.print && result.snapshot) {
        line.snapshot = decodeSnapshot(bufferOf(result.snapshot))!.items.map((item) => ({ key: item.key, item: JSON.parse(item.json) }));
      }
      process.stdout.write(`${JSON.stringify(line)}\n`);
      // As the agent does: an unchanged run keeps the snapshot it compared with.
      if (result.status !== 'unchanged') unit.previous = result.snapshot;
    } catch (err) {
      if (signal.aborted) return;
      failures++;
      process.stdout.write(`${JSON.stringify({ generator: unit.name, status: 'failed', error: describeError(err) })}\n`);
    }
  };

  try {
    await Promise.all(selected.map(runOne));
    if (options.once) return failures > 0 ? 1 : 0;
    // Keep going on each generator's own schedule, diffing against the last run.
    await Promise.all(selected.map(async (unit) => {
      while (!signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, unit.config.interval).unref());
        if (!signal.aborted) await runOne(unit);
      }
    }));
    return 0;
  } finally {
    await pool.close();
  }
}

/**
 * The configured generators, or the one named (configured, or a built-in
 * with its defaults). Loads module generators, so a bad one throws here.
 */
async function selectGenerators(config: AgentConfig, name: string | undefined): Promise<Selected[]> {
  const configured = await resolveGenerators(config.generators as GeneratorConfig[]);
  const withState = (unit: ConfiguredGenerator): Selected => ({ ...unit, previous: undefined });
  if (name === undefined) return configured.map(withState);
  const own = configured.find((unit) => unit.name === name);
  if (own) return [withState(own)];
  const builtIn = generators.find((g) => g.name === name);
  if (builtIn) return [withState({ name, config: builtIn.schema.parse({ type: name }) as GeneratorConfig })];
  const names = [...new Set([...configured.map((unit) => unit.name), ...generators.map((g) => g.name)])];
  throw new Error(`no generator named '${name}'; there are: ${names.join(', ')}`);
}

/** The agent's stored snapshots, when its state can be opened (not while the agent runs: LevelDB allows one process). */
async function loadStoredSnapshots(config: AgentConfig, selected: Selected[]): Promise<void> {
  const directory = join(resolveHome(config), 'state');
  let db;
  try {
    db = await openStateDb(directory, { createIfMissing: false });
  } catch (err) {
    const locked = (err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED';
    const reason = locked ? 'it is in use (is the agent running?)' : 'there is none yet';
    process.stderr.write(`picket-agent: comparing with an empty state: cannot open ${directory}: ${reason}\n`);
    return;
  }
  try {
    for (const unit of selected) unit.previous = await db.get(snapshotKey(unit.name));
  } finally {
    await db.close();
  }
}
