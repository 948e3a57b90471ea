import { buildOpenApiDocument, healthzRoute, metricsRoute, openApiRoute, readyzRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';
import { checkReadiness } from '../services/readiness.js';

export const healthOperations = [
  operation({
    route: healthzRoute,
    action: 'health.live',
    permission: 'public',
    handle: async () => ({ status: 200, body: { status: 'ok' as const } }),
  }),
  operation({
    route: readyzRoute,
    action: 'health.ready',
    permission: 'public',
    handle: async (_input, ctx) => {
      const ready = await checkReadiness(ctx);
      return { status: ready.status === 'ok' ? 200 : 503, body: ready };
    },
  }),
  operation({
    route: metricsRoute,
    action: 'metrics.read',
    permission: 'public',
    handle: async (_input, ctx) => ({ status: 200, body: await ctx.metrics.registry.metrics() }),
  }),
  operation({
    route: openApiRoute,
    action: 'openapi.read',
    permission: 'public',
    handle: async () => ({ status: 200, body: openApiDocument() }),
  }),
];

let cachedDocument: Record<string, unknown> | undefined;
function openApiDocument(): { openapi: string } {
  cachedDocument ??= buildOpenApiDocument({ version: '1.0.0' });
  return cachedDocument as { openapi: string };
}
