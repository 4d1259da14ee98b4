/**
 * Wires the agent together: state database, outbox, sources, generators,
 * shipper and the periodic status record. Start order opens storage first;
 * stop order closes inputs first, so everything accepted is flushed.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { AgentStatusSchema, VERSION, type Logger, type Problem } from '@picket/shared';
import type { AgentConfig } from './config.ts';
import type { GeneratorConfig } from './generators/define-generator.ts';
import { resolveGenerators } from './generators/definitions.ts';
import { GeneratorRunner } from './generators/runner.ts';
import { WorkerPool } from './generators/worker-pool.ts';
import { Outbox } from './outbox.ts';
import { Shipper } from './shipper.ts';
import { sources } from './sources/index.ts';
import { openStateDb } from './state-db.ts';
import type { RunningSource } from './units.ts';

export interface RunningAgent {
  agentId: string;
  home: string;
  endpoints: string[];
  outbox: Outbox;
  stop(): Promise<void>;
}

export function resolveHome(config: AgentConfig): string {
  return resolve(config.home ?? join(process.env.PICKET_HOME ?? '.picket', 'agent'));
}

export async function startAgent(config: AgentConfig, logger: Logger): Promise<RunningAgent> {
  // Loads module generators: a bad one fails start-up before anything opens.
  const configuredGenerators = await resolveGenerators(config.generators as GeneratorConfig[]);
  const home = resolveHome(config);
  await mkdir(home, { recursive: true, mode: 0o700 });
  const agentId = await loadOrCreateAgentId(home);
  const db = await openStateDb(join(home, 'state'));
  const outbox = await Outbox.open(db, {
    flushIntervalMs: config.outbox.flush_interval,
    maxPendingBytes: config.outbox.max_pending,
    sync: config.outbox.sync,
  });
  outbox.on('error', (err) => logger.error({ err, code: 'STORE_FAILED' }, 'outbox write failed'));

  let problems: Problem[] = [];
  const sendStatus = async () => {
    const backlog = await outbox.backlog();
    const reported = problems;
    problems = [];
    outbox.append({
      case: 'status',
      value: create(AgentStatusSchema, { version: VERSION, hostname: hostname(), backlogRecords: BigInt(backlog.records), backlogBytes: BigInt(backlog.bytes), problems: reported }),
    });
  };
  const reportProblem = (component: string, code: string, message: string) => {
    problems.push({ $typeName: 'picket.v1.Problem', component, code, message });
    void sendStatus();
  };

  // Inputs stop first (newest first); then what they produced is flushed and
  // shipped; then storage closes.
  const inputs: { stop(): Promise<void> }[] = [];
  let shipper: Shipper | undefined;
  const stopAll = async () => {
    for (const unit of inputs.reverse()) await unit.stop();
    await outbox.close();
    await shipper?.stop();
    await db.close();
  };

  try {
    const sourceUnits: RunningSource[] = [];
    for (const sourceConfig of config.sources) {
      const definition = sources.find((s) => s.type === sourceConfig.type)!;
      const source = definition.create(sourceConfig as never, { outbox, logger: logger.child({ source: sourceConfig.type }) });
      await source.start();
      inputs.push(source);
      sourceUnits.push(source);
    }
    const pool = new WorkerPool();
    inputs.push({ stop: () => pool.close() }); // after the runners, which stop first
    const runners = new Map<string, GeneratorRunner>();
    for (const generator of configuredGenerators) {
      const runner = new GeneratorRunner(generator, { db, outbox, logger, reportProblem, pool });
      runners.set(runner.name, runner);
      inputs.push(runner);
      await runner.start();
    }
    shipper = new Shipper(outbox, {
      address: config.server.address,
      agentId,
      maxBatchBytes: config.shipper.max_batch,
      maxInFlight: config.shipper.max_in_flight,
      backoffMinMs: config.shipper.backoff_min,
      backoffMaxMs: config.shipper.backoff_max,
      onResync: (names) => {
        logger.info({ generators: names }, 'server asked for a resync: sending whole snapshots');
        for (const name of names) runners.get(name)?.requestResync();
      },
    }, logger);
    await shipper.start();

    await sendStatus();
    const statusTimer = setInterval(() => void sendStatus(), config.status_interval).unref();
    inputs.push({ stop: async () => clearInterval(statusTimer) });

    let stopped: Promise<void> | undefined;
    return {
      agentId,
      home,
      endpoints: sourceUnits.map((s) => s.endpoint),
      outbox,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The agent's identity: generated once, kept in `<home>/agent-id`. */
async function loadOrCreateAgentId(home: string): Promise<string> {
  const file = join(home, 'agent-id');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  await writeFile(file, `${id}\n`, { mode: 0o600, flag: 'wx' });
  return id;
}
