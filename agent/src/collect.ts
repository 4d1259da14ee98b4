/**
 * `picket-agent collect`: runs generators here and now and prints, as JSON
 * lines, what each would ship: the diff against the agent's stored snapshot
 * (and with --print the whole snapshot). It never writes: advancing the
 * stored snapshot without shipping the delta would lose that change.
 */
import { join } from 'node:path';
import { describeError } from '@picket/shared';
import type { AgentConfig } from './config.ts';
import { decodeSnapshot, type Snapshot } from './differ.ts';
import type { GeneratorDefinition, GeneratorSchedule } from './generators/define-generator.ts';
import { generators } from './generators/index.ts';
import { collectSnapshot, snapshotKey } from './generators/runner.ts';
import { resolveHome } from './agent.ts';
import { openStateDb } from './state-db.ts';

export interface CollectOptions {
  generator?: string;
  once: boolean;
  print: boolean;
}

interface Selected {
  definition: GeneratorDefinition;
  config: GeneratorSchedule;
  previous: Snapshot | undefined;
}

export async function runCollect(config: AgentConfig, options: CollectOptions, signal: AbortSignal): Promise<number> {
  const selected = selectGenerators(config, options.generator);
  if (typeof selected === 'string') {
    process.stderr.write(`picket-agent: ${selected}\n`);
    return 2;
  }
  await loadStoredSnapshots(config, selected);

  let failures = 0;
  const runOne = async (unit: Selected) => {
    const started = performance.now();
    try {
      const result = await collectSnapshot(unit.definition, unit.config, unit.previous, signal);
      const ms = Math.round(performance.now() - started);
      const line: Record<string, unknown> = { generator: unit.definition.name, status: result.status, items: result.snapshot.items.length, checksum: result.snapshot.checksum, ms };
      if (result.status !== 'unchanged') {
        line.added = result.diff.added.map((c) => ({ key: c.key, item: JSON.parse(c.item.json) }));
        line.removed = result.diff.removed.map((c) => ({ key: c.key, item: JSON.parse(c.item.json) }));
        line.modified = result.diff.modified.map((m) => ({ key: m.key, changed_paths: m.changedPaths, old: JSON.parse(m.old.json), new: JSON.parse(m.new.json) }));
      }
      if (options.print) line.snapshot = result.snapshot.items.map((item) => ({ key: item.key, item: JSON.parse(item.json) }));
      process.stdout.write(`${JSON.stringify(line)}\n`);
      unit.previous = result.snapshot;
    } catch (err) {
      if (signal.aborted) return;
      failures++;
      process.stdout.write(`${JSON.stringify({ generator: unit.definition.name, status: 'failed', error: describeError(err) })}\n`);
    }
  };

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
}

/** The configured generators, or the one named (configured or with its defaults). */
function selectGenerators(config: AgentConfig, name: string | undefined): Selected[] | string {
  const configured = config.generators as unknown as GeneratorSchedule[];
  if (name === undefined) {
    return configured.map((c) => ({ definition: generators.find((g) => g.name === c.type)!, config: c, previous: undefined }));
  }
  const definition = generators.find((g) => g.name === name);
  if (!definition) return `no generator named '${name}'; there are: ${generators.map((g) => g.name).join(', ')}`;
  const ownConfig = configured.find((c) => c.type === name) ?? (definition.schema.parse({ type: name }) as GeneratorSchedule);
  return [{ definition, config: ownConfig, previous: undefined }];
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
    for (const unit of selected) {
      const stored = await db.get(snapshotKey(unit.definition.name));
      unit.previous = stored ? decodeSnapshot(stored) : undefined;
    }
  } finally {
    await db.close();
  }
}
