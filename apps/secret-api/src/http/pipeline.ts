/** Runs an operation: authenticate, validate, load, authorize, handle, check the response. */
import { validationProblem, type RouteContract } from '@secret-api/contract';
import type { App, Cluster } from '@secret-api/prisma';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { z } from 'zod';
import type { Identity } from '../auth/identity.js';
import { bearerToken } from '../auth/jwt-verifier.js';
import { decide } from '../authz/permissions.js';
import type { Role } from '../authz/roles.js';
import type { ApiContext } from '../context.js';
import { ApiError } from './api-error.js';
import type { Preconditions } from '../services/entity-tag.js';
import { problemCodeOf } from './error-handler.js';
import type { AuditInfo, Operation, OperationInput } from './operation.js';
import { hasBody, readJsonBody } from './json-body.js';
import type { Logger } from '../observability/logger.js';
import { requestLog, type ApiResponse } from './request-context.js';
import { sendEmpty, sendText } from './respond.js';
import type { RequestTarget, Route } from './route-table.js';

/** Thrown when a handler's result does not match its own contract: a bug, so a 500. */
class ResponseContractError extends Error {
  override name = 'ResponseContractError';
}

function parsePart<S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const p = validationProblem(result.error, { prefix });
    throw new ApiError('validation', p.detail, { errors: p.errors ?? [] });
  }
  return result.data;
}

const EMPTY = Object.freeze({});
const NO_QUERY = z.strictObject({});
const NO_ROLES: ReadonlySet<Role> = Object.freeze(new Set<Role>());

/**
 * Whether a request to this route may change app or cluster rows or an AppRole: edits and deletions
 * of apps and clusters, AppRole ensures, and applied changes. After one, cached rows and RoleIDs
 * are dropped in every process (services/targets.ts). Creations need nothing: absence is not cached.
 */
function mayChangeTargets(route: RouteContract): boolean {
  if (route.method === 'GET' || (route.method === 'POST' && !route.path.includes('/changes'))) return false;
  return (
    route.path === '/v1/apps/:app' ||
    route.path === '/v1/clusters/:cluster' ||
    route.path.endsWith('/approle') ||
    route.path.includes('/changes')
  );
}

export async function authenticate(req: IncomingMessage, ctx: ApiContext): Promise<Identity> {
  refuseRepeatedAuthorization(req);
  return ctx.verifier.verify(bearerToken(req.headers.authorization));
}

/**
 * Node keeps the first of repeated Authorization fields and drops the rest; a proxy in front may keep the last, and
 * then the two would authorise different callers. A request that repeats it is malformed (RFC 6750 §3.1:
 * `invalid_request`, 400).
 */
function refuseRepeatedAuthorization(req: IncomingMessage): void {
  const raw = req.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization' && ++seen > 1) {
      throw new ApiError('bad_request', 'the request repeats the Authorization header; send exactly one');
    }
  }
}

async function parseBody(route: RouteContract, req: IncomingMessage, res: ApiResponse): Promise<unknown> {
  if (!route.body) {
    // A route without a body takes none, or an empty JSON object (what some clients always send): anything else is
    // a request meant for another route, or a field this one does not have, and must not pass for a valid call.
    if (!hasBody(req)) return EMPTY;
    const sent = await readJsonBody(req, res);
    if (sent === undefined || isEmptyObject(sent)) return EMPTY;
    const members = typeof sent === 'object' && sent !== null && !Array.isArray(sent) ? Object.keys(sent) : [];
    // Named (shortened: a name is the caller's, of any length), with where this route's parameters go, if anywhere.
    const named = members.slice(0, 5).map((m) => JSON.stringify(m.length > 64 ? `${m.slice(0, 64)}…` : m));
    const inQuery = route.query ? '; its parameters go in the query string' : '';
    const message =
      members.length > 0
        ? `this route takes no request body (at most {}): it has no body parameter ${named.join(', ')}${members.length > 5 ? ', …' : ''}${inQuery}`
        : `this route takes no request body (at most {})${inQuery}`;
    throw new ApiError('validation', message, { errors: [{ path: '/body', message }] });
  }
  const body = await readJsonBody(req, res);
  if (body === undefined) {
    if (route.bodyRequired === false) return parsePart(route.body, {}, '/body');
    throw new ApiError('validation', 'a JSON request body is required', {
      errors: [{ path: '/body', message: 'a JSON request body is required' }],
    });
  }
  return parsePart(route.body, body, '/body');
}

/** A project scope names a cloud: like a cluster scope's cluster, one that no registered cluster runs on is a 404. */
async function requireCloud(ctx: ApiContext, cloud: string): Promise<undefined> {
  const any = await ctx.prisma.cluster.findFirst({ where: { cloud }, select: { name: true } });
  if (!any) throw new ApiError('not_found', `no cluster of cloud '${cloud}' is registered`);
  return undefined;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/**
 * An operation's `log`, the request's child logger made on first use (most requests log nothing). A getter on a
 * class, never in an object literal: V8 keeps a literal's own accessor in its hidden class, so every request got a
 * hidden class of its own in the old generation, pointing at that request's objects — which then outlived every
 * scavenge. ~2.7 MB was promoted per scavenge and each one paused the API for 7–9 ms, the RoleID read's p99
 * (bench/README.md, "Issue 15, session 7").
 */
class RequestLogOnDemand {
  readonly #res: ApiResponse;

  constructor(res: ApiResponse) {
    this.#res = res;
  }

  get log(): Logger {
    return requestLog(this.#res);
  }
}

/** The operation as a route of the route table (route-table.ts). */
export function operationRoute(op: Operation, ctx: ApiContext): Route {
  const { route } = op;
  const changesTargets = mayChangeTargets(route);
  const handle = async (req: IncomingMessage, res: ApiResponse, target: RequestTarget): Promise<void> => {
    res.locals.route = route.path;
    const identity = route.auth ? await authenticate(req, ctx) : undefined;
    if (identity) res.locals.subject = identity.principal;

    const params = route.params ? parsePart(route.params, target.params, '/params') : EMPTY;
    // node's querystring, as express's "simple" query parser: a repeated name is an array, nothing nests. A route
    // without query parameters refuses any (`?force=yes` on a delete must not pass for a flag that does nothing);
    // the unauthenticated probes, metrics and document take what scrapers and caches add.
    const query =
      route.query || (target.query && route.auth)
        ? parsePart(route.query ?? NO_QUERY, { ...parseQuery(target.query ?? '') }, '/query')
        : EMPTY;
    const body = await parseBody(route, req, res);

    const names = params as { app?: string; cluster?: string; cloud?: string };
    const [app, cluster]: [App | undefined, Cluster | undefined, undefined] = await Promise.all([
      names.app === undefined ? undefined : ctx.targets.app(names.app),
      names.cluster === undefined ? undefined : ctx.targets.cluster(names.cluster),
      names.cloud === undefined ? undefined : requireCloud(ctx, names.cloud),
    ]);

    const { requestId, callerRequestId } = res.locals;
    const record = auditRecorder(ctx, op, {
      identity,
      params,
      query,
      body,
      path: target.path,
      requestId,
      callerRequestId,
    });

    let roles = NO_ROLES;
    if (identity && op.permission !== 'public') {
      const decision = decide(op.permission, identity, { app, cluster }, ctx.config.auth.adminGroups);
      if (!decision.allowed) {
        await record('denied');
        throw new ApiError('forbidden', decision.reason);
      }
      roles = decision.roles;
    }

    const input = Object.assign(new RequestLogOnDemand(res), {
      params,
      query,
      body,
      identity: identity as Identity,
      roles,
      app,
      cluster,
      requestId,
      preconditions: { ifMatch: req.headers['if-match'], ifNoneMatch: req.headers['if-none-match'] },
    }) as OperationInput<RouteContract>;
    let result;
    try {
      if (!route.preconditions) refusePreconditions(route, input.preconditions);
      result = await op.handle(input, ctx);
    } catch (err) {
      // A failed change may still have changed something before it failed.
      if (changesTargets) await ctx.targetsChanged();
      const forbidden = err instanceof ApiError && err.code === 'forbidden';
      await record(forbidden ? 'denied' : 'error', forbidden ? undefined : problemCodeOf(err));
      throw err;
    }
    if (changesTargets && result.targetsChanged !== false) await ctx.targetsChanged();
    await record('success', undefined, result.auditDetails);

    sendResult(req, res, route, result);
  };
  return { method: route.method, path: route.path, handle };
}

/**
 * A change whose contract takes no preconditions has no entity tag to compare them with, so it cannot tell
 * whether If-Match or If-None-Match holds: it refuses them (412) rather than act as if they held (RFC 9110
 * §13.1.1: a server that receives If-Match must evaluate it). A read ignores them, as a cache may.
 */
function refusePreconditions(route: RouteContract, { ifMatch, ifNoneMatch }: Preconditions): void {
  if (route.method === 'GET') return;
  const sent = ifMatch !== undefined ? 'If-Match' : ifNoneMatch !== undefined ? 'If-None-Match' : undefined;
  if (sent === undefined) return;
  const setsSecret = route.method === 'PUT' && route.path.includes('/secrets/');
  const instead = setsSecret ? ': send cas in the body to change only the version you read' : '';
  throw new ApiError(
    'precondition_failed',
    `${route.method} ${route.path} has no entity tag to compare ${sent} with, so nothing was changed${instead}`,
  );
}

/**
 * What the audit trail records for this request: the operation's own event, or — for a denial of
 * an operation that is not itself audited — the route and path, since every denial is an event.
 */
function auditRecorder(
  ctx: ApiContext,
  op: Operation,
  request: {
    identity: Identity | undefined;
    params: unknown;
    query: unknown;
    body: unknown;
    path: string;
    requestId: string;
    callerRequestId: string | undefined;
  },
): (result: 'success' | 'denied' | 'error', error?: string, details?: Record<string, unknown>) => Promise<void> {
  const { identity, params, query, body, path, requestId, callerRequestId } = request;
  const audit = identity ? op.audit?.({ params, query, body } as never) : undefined;
  // In the form every audited operation writes its target: `apps/myapp/secrets/KEY`, not the URL path.
  const denial = audit ?? { target: path.replace(/^\/v1\//, '').slice(0, 512), app: (params as { app?: string }).app };
  return async (result, error, details) => {
    const info: AuditInfo | undefined = result === 'denied' ? denial : audit;
    if (!info || !identity || (result === 'success' && info.recordSuccess === false)) return;
    const { recordSuccess: _ignored, batched, discloses, ...event } = info;
    const recorded = await ctx.audit.record(
      {
        actor: identity.principal,
        ...event,
        action: event.action ?? op.action,
        result,
        requestId,
        ...(callerRequestId !== undefined && { callerRequestId }),
        ...(error !== undefined && { error }),
        ...(details !== undefined && { details }),
      },
      { batched: result === 'success' && batched === true },
    );
    if (!recorded && result === 'success' && discloses === true) {
      throw new ApiError(
        'database_unavailable',
        'the audit trail could not record this request, so its answer is withheld (nothing was disclosed); try again later',
      );
    }
  };
}

/**
 * The checked JSON of frozen bodies, by the schema that checked it. A frozen body cannot change — cached answers are
 * frozen deep (services/secrets/history-cache.ts) — so its contract check and serialization are done once, not on
 * every request it answers. Held weakly: it goes when the body does.
 */
const checkedJson = new WeakMap<object, { schema: z.ZodType; json: string }>();

/** The body as the route's schema parses it: what leaves the server is what the contract says. */
function checked(route: RouteContract, schema: z.ZodType, body: unknown): unknown {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ResponseContractError(`${route.id} response does not match its schema: ${result.error.message}`);
  }
  return result.data;
}

/** The body as checked JSON; a frozen body's is made once. */
function checkedJsonOf(route: RouteContract, schema: z.ZodType, body: unknown): string {
  const frozen = typeof body === 'object' && body !== null && Object.isFrozen(body);
  const known = frozen ? checkedJson.get(body) : undefined;
  if (known?.schema === schema) return known.json;
  const json = JSON.stringify(checked(route, schema, body));
  if (frozen) checkedJson.set(body, { schema, json });
  return json;
}

/** Sends the result, checked against the route's own response schema. */
function sendResult(
  req: IncomingMessage,
  res: ApiResponse,
  route: RouteContract,
  result: { status: number; body: unknown; headers?: Record<string, string> },
): void {
  const schema = route.responses[result.status];
  if (schema === undefined)
    throw new ResponseContractError(`${route.id} answered ${result.status}, not in its contract`);
  if ((result.headers?.['ETag'] !== undefined) !== (route.etag === true)) {
    throw new ResponseContractError(`${route.id}: an ETag is sent exactly when its contract says it has one`);
  }
  if (result.headers) for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
  if (schema === null) return sendEmpty(res, result.status);
  if (route.contentType && typeof result.body === 'string') {
    return sendText(req, res, result.status, route.contentType, checked(route, schema, result.body) as string);
  }
  sendText(req, res, result.status, 'application/json', checkedJsonOf(route, schema, result.body));
}
