/**
 * Wires the server together: store, detection, emitters, pipeline, gRPC
 * intake and HTTP. Stops in the reverse order: intake first, so nothing new
 * is acknowledged, then processing, then storage.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listenFailed, splitAddress, type Logger } from '@picket/shared';
import type { ServerConfig } from './config.ts';
import { AnalyzerEngine } from './detect/analyzer-engine.ts';
import { builtinAnalyzers } from './detect/analyzers/index.ts';
import { DetectionEngine } from './detect/engine.ts';
import { builtinRules } from './detect/rules/index.ts';
import type { EmitterRouting } from './emit/define-emitter.ts';
import { emitters } from './emit/index.ts';
import { EmitterRouter } from './emit/router.ts';
import { buildHttpApp } from './http/app.ts';
import { startGrpcIntake, type RunningIntake } from './intake/grpc-ingest.ts';
import { ServerMetrics } from './metrics.ts';
import { Pipeline } from './pipeline.ts';
import { SqliteStore } from './store/sqlite-store.ts';

export interface RunningServer {
  home: string;
  grpcAddress: string;
  httpUrl: string;
  pipeline: Pipeline;
  stop(): Promise<void>;
}

export interface ServerIo {
  stdout: NodeJS.WritableStream;
}

export function resolveHome(config: ServerConfig): string {
  return resolve(config.home ?? join(process.env.PICKET_HOME ?? '.picket', 'server'));
}

export async function startServer(config: ServerConfig, logger: Logger, io: ServerIo = { stdout: process.stdout }): Promise<RunningServer> {
  const home = resolveHome(config);
  await mkdir(home, { recursive: true, mode: 0o700 });
  const store = new SqliteStore(join(home, 'picket.db'));
  const metrics = new ServerMetrics();
  const engine = new DetectionEngine(builtinRules);
  const router = new EmitterRouter(
    config.emitters.map((emitterConfig, index) => {
      const definition = emitters.find((e) => e.type === emitterConfig.type)!;
      return {
        name: `${emitterConfig.type}#${index}`,
        routing: emitterConfig as never as EmitterRouting,
        emitter: definition.create(emitterConfig as never, { logger, stdout: io.stdout }),
      };
    }),
    logger,
    (emitter) => metrics.emitFailures.inc({ emitter }),
  );
  const analyzers = new AnalyzerEngine(builtinAnalyzers);
  let intake: RunningIntake | undefined;
  const pipeline = new Pipeline({ onResyncRequested: (agentId) => intake?.nudge(agentId), journal: store, state: store, engine, analyzers, emitters: router, metrics, logger, syslog: { timeZone: config.syslog.time_zone } });

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => logger.error({ err }, 'error while stopping'));
  };
  try {
    stops.push(async () => store.close());
    await pipeline.start();
    stops.push(async () => {
      await pipeline.stop();
      await router.stop();
    });
    intake = await startGrpcIntake({
      address: config.listen.grpc,
      journal: store,
      pendingResyncs: (agentId) => store.pendingResyncs(agentId),
      metrics,
      logger,
      onAppended: () => pipeline.notify(),
      maxMessageBytes: config.intake.max_message_size,
    });
    const running = intake;
    stops.push(() => running.stop());
    const app = buildHttpApp({ state: store, journal: store, metrics });
    const { host, port } = splitAddress(config.listen.http);
    await app.listen({ host, port }).catch((err: unknown) => {
      throw listenFailed(`http://${config.listen.http}`, err);
    });
    stops.push(() => app.close());
    const bound = app.server.address();
    const httpPort = typeof bound === 'object' && bound ? bound.port : port;
    let stopped: Promise<void> | undefined;
    return {
      home,
      grpcAddress: intake.address,
      httpUrl: `http://${host.includes(':') ? `[${host}]` : host}:${httpPort}`,
      pipeline,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
