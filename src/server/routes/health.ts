// Health and metrics: open to everyone (load balancers and Prometheus carry no key), revealing nothing of any tenant.
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../service/index.js';
import type { ServerMetrics } from '../metrics.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export function healthRoutes(app: FastifyInstance, ctx: ServiceContext, metrics: ServerMetrics, readiness: () => Promise<Readiness>): void {
  app.get('/health/live', { config: { public: true }, schema: { tags: ['health'], summary: 'The process is up' } }, async () => ({ status: 'live' }));
  app.get(
    '/health/ready',
    { config: { public: true }, schema: { tags: ['health'], summary: 'Stores reachable and deployments loaded (503 otherwise)' } },
    async (_req, reply) => {
      const r = await readiness();
      return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not_ready', checks: r.checks });
    },
  );
  app.get('/metrics', { config: { public: true }, schema: { tags: ['health'], summary: 'Prometheus metrics' } }, async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
