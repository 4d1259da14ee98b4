/**
 * The HTTP side of the server (fastify): health, Prometheus metrics and the
 * read API. Query strings are validated; limits are capped.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServerMetrics } from '../metrics.ts';
import type { IntakeJournal, StateStore } from '../store/store.ts';

export interface HttpDeps {
  state: StateStore;
  journal: IntakeJournal;
  metrics: ServerMetrics;
}

const alertsQuery = z.strictObject({
  status: z.enum(['open', 'acknowledged', 'closed']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const eventsQuery = z.strictObject({
  dataset: z.string().max(200).optional(),
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const listQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

const inventoryQuery = z.strictObject({
  after: z.string().max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export function buildHttpApp({ state, journal, metrics }: HttpDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, requestTimeout: 30_000 });

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    if (error instanceof z.ZodError) {
      return reply.code(400).send({ error: 'INVALID_QUERY', message: error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') });
    }
    return reply.code(error.statusCode ?? 500).send({ error: 'INTERNAL', message: error.statusCode ? error.message : 'internal error' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/metrics', async (_request, reply) => {
    metrics.journalPending.set(await journal.pending());
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/api/v1/alerts', async (request) => {
    const query = alertsQuery.parse(request.query);
    const alerts = await state.listAlerts({ limit: query.limit, ...(query.status ? { status: query.status } : {}) });
    return { alerts: alerts.map((a) => ({ ...a, sample: JSON.parse(a.sample) as unknown })) };
  });

  app.get('/api/v1/events', async (request) => {
    const query = eventsQuery.parse(request.query);
    const rows = await state.listEvents({ afterId: query.after, limit: query.limit, ...(query.dataset ? { dataset: query.dataset } : {}) });
    return { events: rows.map((r) => ({ id: r.id, ...(JSON.parse(r.doc) as object) })), next: rows.at(-1)?.id ?? query.after };
  });

  app.get('/api/v1/agents', async () => ({ agents: await state.listAgents() }));

  app.get('/api/v1/quarantine', async (request) => {
    const query = listQuery.parse(request.query);
    const entries = await state.listQuarantine(query);
    return { entries: entries.map((e) => ({ ...e, data: Buffer.from(e.data).toString('base64') })) };
  });

  app.get<{ Params: { agent: string } }>('/api/v1/inventory/:agent', async (request) => ({
    generators: await state.inventoryStates(request.params.agent),
  }));

  app.get<{ Params: { agent: string; generator: string } }>('/api/v1/inventory/:agent/:generator', async (request, reply) => {
    const { agent, generator } = request.params;
    const query = inventoryQuery.parse(request.query);
    const found = (await state.inventoryStates(agent)).find((s) => s.generator === generator);
    if (!found) return reply.code(404).send({ error: 'NOT_FOUND', message: `no inventory of ${generator} for agent ${agent}` });
    const items = await state.inventoryItems(agent, generator, { limit: query.limit, ...(query.after !== undefined ? { after: query.after } : {}) });
    return { state: found, items: items.map((item) => ({ key: item.key, value: JSON.parse(item.value) as unknown })), next: items.at(-1)?.key ?? null };
  });

  return app;
}
