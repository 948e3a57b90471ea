/**
 * A local HTTP server that records every request it gets and answers each route of the contract with a small
 * valid body (or what a test tells it to). For what the CLI sends, not for what the API does: "nothing was sent"
 * and "this command reaches that route" are questions about the wire, answered here without the API's own
 * checks in the way. Behaviour of the real API is tested against the real API (apps.test.ts and the others).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ROUTES, type RouteContract } from '@secret-api/contract';

export interface RecordedRequest {
  method: string;
  /** The request target exactly as it arrived (no normalisation). */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The contract route it matched, if any. */
  routeId: string | undefined;
}

export interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Recorder {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const NOW = '2026-01-02T03:04:05.000Z';
const APP = { name: 'myapp', ownerGroups: ['team-a'], deployers: [], revealGroups: [], createdAt: NOW };
const CLUSTER = { name: 'aws.stg', cloud: 'aws', env: 'stg', controllerSubjects: ['ctrl'], createdAt: NOW };
const EMPTY_LIST = { items: [] };

/** A valid success body for each route, by operation id. */
function cannedBody(route: RouteContract): unknown {
  const id = route.id;
  if (id === 'healthz') return { status: 'ok' };
  if (id === 'readyz') return { status: 'ok', checks: { database: 'ok', vault: 'ok' } };
  if (id === 'whoami') {
    return { subject: 'tester', issuer: 'http://issuer.test', principal: 'tester', groups: ['team-a'], admin: true };
  }
  if (id === 'createApp' || id === 'getApp' || id === 'patchApp') return APP;
  if (id === 'createCluster' || id === 'getCluster' || id === 'patchCluster') return CLUSTER;
  if (id === 'ensureAppRole') return { roleName: 'aws.stg.myapp', roleId: 'role-id-1', changed: false };
  if (id === 'getAppRole') return { roleName: 'aws.stg.myapp', roleId: 'role-id-1' };
  if (id === 'planAppRole') {
    return {
      roleName: 'aws.stg.myapp',
      changes: [{ kind: 'approle', name: 'aws.stg.myapp', action: 'update', fields: ['token_ttl'] }],
    };
  }
  if (id === 'getDynamicProfiles' || id === 'putDynamicProfiles') {
    return { app: 'myapp', database: ['postgres-rw'], aws: [], pki: [], namespace: 'myapp' };
  }
  if (id === 'createSecretIdToken') return { token: 'hvs.token', ttl: 60, policies: ['p'] };
  if (id === 'createSecretId') return { wrappingToken: 'hvs.wrapped', ttl: 60, creationPath: 'auth/approle/x' };
  if (/^(set|rollback)\w*Secret$/.test(id)) return { key: 'KEY', version: 2 };
  if (/^get\w*Secret$/.test(id)) return { key: 'KEY', version: 1, updatedAt: NOW, updatedBy: 'tester' };
  if (id === 'listClusterChanges') {
    return {
      items: [{ scope: 'app', app: 'myapp', key: 'KEY', version: 2, changedAt: NOW }],
      nextCursor: '7',
      cursor: '7',
      more: false,
    };
  }
  if (id.startsWith('list')) return EMPTY_LIST;
  return undefined;
}

function matcher(route: RouteContract): RegExp {
  const pattern = route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+');
  return new RegExp(`^${pattern}$`);
}
const MATCHERS = ROUTES.map((route) => ({ route, re: matcher(route) }));

export function routeOf(method: string, url: string): RouteContract | undefined {
  const path = url.split('?')[0] ?? '';
  return MATCHERS.find((m) => m.route.method === method && m.re.test(path))?.route;
}

/** Starts a recorder; `respond` may answer a request its own way (return undefined for the canned answer). */
export async function startRecorder(respond?: (request: RecordedRequest) => Reply | undefined): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = routeOf(req.method ?? '', req.url ?? '');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        routeId: route?.id,
      };
      requests.push(recorded);
      const reply = respond?.(recorded) ?? canned(route);
      res.statusCode = reply.status;
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.body === undefined) return res.end();
      res.setHeader('Content-Type', reply.contentType ?? 'application/json');
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function canned(route: RouteContract | undefined): Reply {
  if (route === undefined) {
    return {
      status: 404,
      contentType: 'application/problem+json',
      body: { type: 'urn:secret-api:problem:not_found', title: 'Not found', status: 404, detail: 'no such route' },
    };
  }
  const status = Number(Object.keys(route.responses)[0]);
  return { status, body: cannedBody(route) };
}
