import { z } from 'zod';
import { route } from './route.js';

export const ZHealthResponse = z.object({ status: z.literal('ok') });
export type THealthResponse = z.infer<typeof ZHealthResponse>;

export const ZDependencyStatus = z.enum(['ok', 'unavailable']);
export type TDependencyStatus = z.infer<typeof ZDependencyStatus>;

/** Readiness: 200 when every dependency is ok, 503 with the same shape otherwise. */
export const ZReadyResponse = z.object({
  status: ZDependencyStatus,
  checks: z.object({ database: ZDependencyStatus, vault: ZDependencyStatus }),
});
export type TReadyResponse = z.infer<typeof ZReadyResponse>;

export const ZOpenApiResponse = z.looseObject({ openapi: z.string() });

const PUBLIC = 'anyone (no token)';

export const healthzRoute = route({
  id: 'healthz',
  method: 'GET',
  path: '/healthz',
  summary: 'Liveness: the process is up',
  tag: 'operations',
  roles: PUBLIC,
  auth: false,
  responses: { 200: ZHealthResponse },
});

export const readyzRoute = route({
  id: 'readyz',
  method: 'GET',
  path: '/readyz',
  summary: 'Readiness: the database and Vault are reachable',
  tag: 'operations',
  roles: PUBLIC,
  auth: false,
  responses: { 200: ZReadyResponse, 503: ZReadyResponse },
});

export const metricsRoute = route({
  id: 'metrics',
  method: 'GET',
  path: '/metrics',
  summary: 'Prometheus metrics',
  tag: 'operations',
  roles: PUBLIC,
  auth: false,
  responses: { 200: z.string() },
  contentType: 'text/plain; version=0.0.4',
});

export const openApiRoute = route({
  id: 'openapi',
  method: 'GET',
  path: '/openapi.json',
  summary: 'This OpenAPI document',
  tag: 'operations',
  roles: PUBLIC,
  auth: false,
  responses: { 200: ZOpenApiResponse },
});

export const healthRoutes = [healthzRoute, readyzRoute, metricsRoute, openApiRoute] as const;
