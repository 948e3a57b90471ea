/**
 * HTTP → logical request and back, after Vault's `http/handler.go`,
 * `http/logical.go` and `http/sys_health.go`: method → operation, token and
 * wrapping headers, JSON/form bodies, query data, `Cache-Control: no-store`,
 * and the endpoints Vault's http package answers itself (sys/health,
 * sys/seal-status, sys/init, sys/leader): bare JSON, no envelope, no token,
 * no audit.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseDurationSecond } from '../sdk/duration.js';
import { multierror } from '../sdk/errors.js';
import { FieldError, parseBool } from '../sdk/fields.js';
import type { Operation, Request, RequestData, WrapRequest } from '../sdk/logical.js';
import type { Core } from '../vault/core.js';
import type { WireResponse } from '../vault/respond.js';
import { BUILD_DATE, VAULT_VERSION } from '../vault/version.js';
import { originalMethod } from './list-method.js';

/** Vault's default max_request_size. */
export const MAX_REQUEST_SIZE = 32 * 1024 * 1024;

export interface HandlerOptions {
  maxRequestSize?: number;
  clusterName: string;
  clusterId: string;
  /** sys/seal-status `storage_type`: `inmem`, or `file` with a data dir. */
  storageType?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.join('; '));
  }
}

export function createHandler(core: Core, options: HandlerOptions) {
  const maxRequestSize = options.maxRequestSize ?? MAX_REQUEST_SIZE;

  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => {
      // Never a stack trace and never a crash: a bug becomes a plain 500.
      if (!res.headersSent) send(req, res, { status: 500, body: { errors: [multierror(['internal error'])] } });
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Go's ServeMux (which fronts Vault) redirects a non-canonical path ("..", ".", "//") to its clean form.
    const rawPath = (req.url ?? '/').split('?')[0] as string;
    const clean = cleanPath(rawPath);
    if (clean !== rawPath) {
      const query = (req.url ?? '').slice(rawPath.length);
      res.writeHead(301, { Location: clean + query }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://vault-dev');
    const method = originalMethod(req);

    if (!url.pathname.startsWith('/v1/')) {
      if (url.pathname === '/robots.txt') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('User-agent: *\nDisallow: /\n');
        return;
      }
      if (url.pathname === '/' && (method === 'GET' || method === 'HEAD')) {
        res.writeHead(307, { Location: '/ui/' }).end();
        return;
      }
      return send(req, res, { status: 404, body: { errors: [] } });
    }

    let path: string;
    try {
      path = decodeURIComponent(url.pathname.slice('/v1/'.length));
    } catch {
      return send(req, res, { status: 400, body: { errors: ['invalid URL path encoding'] } });
    }

    const direct = HTTP_SYS_PATHS[path];
    if (direct) {
      // Vault reads no body here; drain it so the connection stays usable.
      await drain(req, maxRequestSize)?.catch(() => undefined);
      return send(req, res, direct(url, method, options));
    }

    let logical: Request;
    try {
      logical = await buildRequest(req, url, method, path, maxRequestSize);
    } catch (err) {
      if (err instanceof HttpError) return send(req, res, { status: err.status, body: { errors: err.errors } });
      throw err;
    }
    send(req, res, await core.handle(logical));
  }
}

function operationOf(method: string, url: URL, contentType: string): Operation {
  switch (method) {
    case 'GET': {
      const list = url.searchParams.get('list');
      if (list !== null) {
        try {
          return parseBool(list) ? 'list' : 'read';
        } catch {
          throw new HttpError(400, []);
        }
      }
      return 'read';
    }
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'DELETE':
      return 'delete';
    case 'PATCH':
      if (contentType.split(';')[0]?.trim().toLowerCase() !== 'application/merge-patch+json') {
        throw new HttpError(415, [
          `PATCH requires Content-Type of application/merge-patch+json, provided ${contentType}`,
        ]);
      }
      return 'patch';
    case 'HEAD':
      return 'header';
    default:
      throw new HttpError(405, []);
  }
}

async function buildRequest(
  req: IncomingMessage,
  url: URL,
  method: string,
  path: string,
  maxRequestSize: number,
): Promise<Request> {
  const contentType = header(req, 'content-type');
  let operation = operationOf(method, url, contentType);
  let logicalPath = path;
  if (operation === 'list' && !logicalPath.endsWith('/')) logicalPath += '/';

  let data: RequestData | null = null;
  if (operation === 'update' || operation === 'patch') {
    data = parseBody(await readBody(req, maxRequestSize), contentType);
  } else {
    await drain(req, maxRequestSize);
    data = queryData(url);
  }
  if (operation === 'read' && url.searchParams.has('help')) operation = 'help';

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string') headers[k] = v;
    else if (Array.isArray(v)) headers[k] = v.join(',');
  }

  return {
    id: randomUUID(),
    operation,
    path: logicalPath,
    data,
    clientToken: tokenOf(req),
    headers,
    remoteAddress: plainAddress(req.socket.remoteAddress ?? ''),
    remotePort: req.socket.remotePort ?? 0,
    requestURI: req.url ?? '',
    ...wrapOf(req),
    mountPoint: '',
    mountType: '',
    mountAccessor: '',
    mountClass: 'secret',
    relativePath: logicalPath,
  };
}

/** Go's path.Clean as ServeMux applies it: resolve "." and "..", collapse "//", keep a trailing slash. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let cleaned = `/${out.join('/')}`;
  if (p.endsWith('/') && cleaned !== '/') cleaned += '/';
  return cleaned;
}

/** The client IP as Vault reports it: an IPv4-mapped IPv6 peer is plain IPv4. */
function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? (m[1] as string) : address;
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** X-Vault-Token wins over `Authorization: Bearer`. */
function tokenOf(req: IncomingMessage): string {
  const token = header(req, 'x-vault-token');
  if (token) return token;
  const auth = header(req, 'authorization');
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  return m ? (m[1] as string).trim() : '';
}

function wrapOf(req: IncomingMessage): { wrap?: WrapRequest } {
  const raw = header(req, 'x-vault-wrap-ttl');
  if (!raw) return {};
  let ttl: number;
  try {
    ttl = parseDurationSecond(raw);
  } catch (err) {
    const detail = err instanceof FieldError ? err.message : 'invalid duration';
    throw new HttpError(400, [`error parsing X-Vault-Wrap-TTL header: ${detail}`]);
  }
  if (ttl < 0)
    throw new HttpError(400, ['error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative']);
  if (ttl === 0) return {};
  const format = header(req, 'x-vault-wrap-format');
  if (format && format !== 'jwt') throw new HttpError(400, ['invalid wrapping format specified']);
  return { wrap: { ttl, format: format === 'jwt' ? 'jwt' : '' } };
}

/** Reads the whole body with plain events (async iteration costs several event-loop turns per request). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(header(req, 'content-length') || '0') > limit) {
      req.resume();
      reject(new HttpError(413, ['http: request body too large']));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, ['http: request body too large']));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

/** Reads and checks a body the operation does not use (Vault ignores it; the size limit still applies). */
function drain(req: IncomingMessage, limit: number): Promise<void> | undefined {
  if (req.complete) return undefined;
  const declared = header(req, 'content-length');
  if (!declared && !header(req, 'transfer-encoding')) {
    req.resume();
    return undefined;
  }
  return readBody(req, limit).then(() => undefined);
}

/** JSON whatever the Content-Type, unless it is a form and does not look like JSON (Vault's rule). */
function parseBody(body: Buffer, contentType: string): RequestData | null {
  const text = body.toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed === '') return null;
  const isForm = contentType.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
  if (isForm && !trimmed.startsWith('{') && !trimmed.startsWith('[')) {
    const data: RequestData = {};
    for (const [k, v] of new URLSearchParams(text)) {
      const prev = data[k];
      data[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return data;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, ['error parsing JSON']);
  }
  if (parsed === null) return null;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, ['error parsing JSON']);
  return parsed as RequestData;
}

/** Query parameters become request data (one value → string, several → list), minus `list` and `help`. */
function queryData(url: URL): RequestData | null {
  const data: RequestData = {};
  for (const key of new Set(url.searchParams.keys())) {
    if (key === 'list' || key === 'help') continue;
    const values = url.searchParams.getAll(key);
    data[key] = values.length === 1 ? values[0] : values;
  }
  return Object.keys(data).length > 0 ? data : null;
}

function send(req: IncomingMessage, res: ServerResponse, wire: WireResponse): void {
  const headers: Record<string, string> = {
    'Cache-Control': 'no-store',
    // A raw response has only the content type its backend chose (none for an empty body).
    ...(wire.rawBody === undefined ? { 'Content-Type': 'application/json' } : {}),
    ...wire.headers,
  };
  const namespace = header(req, 'x-vault-namespace');
  if (namespace) headers['X-Vault-Namespace'] = namespace;
  if (wire.rawBody !== undefined) {
    const empty = wire.rawBody.length === 0 || wire.status === 204;
    if (!empty) headers['Content-Length'] = String(wire.rawBody.length);
    res.writeHead(wire.status, headers).end(empty || req.method === 'HEAD' ? undefined : wire.rawBody);
    return;
  }
  if (wire.body === undefined || req.method === 'HEAD') {
    res.writeHead(wire.status, headers).end();
    return;
  }
  const payload = JSON.stringify(wire.body);
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(wire.status, headers).end(payload);
}

type HttpSysHandler = (url: URL, method: string, options: HandlerOptions) => WireResponse;

const METHOD_NOT_ALLOWED: WireResponse = { status: 405, body: { errors: [] } };

/**
 * The sys paths Vault's http/handler.go routes to its own handlers instead of
 * the system backend (of those vault-dev serves): they answer bare JSON.
 */
const HTTP_SYS_PATHS: Record<string, HttpSysHandler> = {
  'sys/health': health,
  'sys/seal-status': (_url, method, options) =>
    method === 'GET' ? { status: 200, body: sealStatus(options) } : METHOD_NOT_ALLOWED,
  'sys/init': initStatus,
  'sys/leader': (_url, method) => (method === 'GET' ? { status: 200, body: leaderStatus() } : METHOD_NOT_ALLOWED),
};

/** Vault 1.18's status-code parameters (1.19 adds removedcode and haunhealthycode; 1.18 ignores them). */
const HEALTH_CODES = {
  activecode: 200,
  standbycode: 429,
  drsecondarycode: 472,
  performancestandbycode: 473,
  sealedcode: 503,
  uninitcode: 501,
} as const;

/** GET|HEAD sys/health: always active, unsealed and initialised; `*code` overrides honoured. */
function health(url: URL, method: string, options: HandlerOptions): WireResponse {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, body: { errors: [] } };
  const codes: Record<string, number> = { ...HEALTH_CODES };
  for (const name of Object.keys(HEALTH_CODES)) {
    const raw = url.searchParams.get(name);
    if (raw === null) continue;
    // Go's strconv.Atoi: an optional sign and decimal digits.
    if (!/^[+-]?\d+$/.test(raw)) return { status: 400, body: { errors: [] } };
    codes[name] = Number(raw);
  }
  for (const flag of ['standbyok', 'perfstandbyok']) {
    const raw = url.searchParams.get(flag);
    if (raw === null || raw === '') continue;
    try {
      parseBool(raw);
    } catch {
      return { status: 400, body: { errors: [] } };
    }
  }
  const now = Date.now();
  const body = {
    initialized: true,
    sealed: false,
    standby: false,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(now / 1000),
    version: VAULT_VERSION,
    enterprise: false,
    cluster_name: options.clusterName,
    cluster_id: options.clusterId,
    echo_duration_ms: 0,
    clock_skew_ms: 0,
    replication_primary_canary_age_ms: 0,
  };
  return { status: codes['activecode'] as number, body: method === 'HEAD' ? undefined : body };
}

function sealStatus(options: HandlerOptions): Record<string, unknown> {
  return {
    type: 'shamir',
    initialized: true,
    sealed: false,
    t: 1,
    n: 1,
    progress: 0,
    nonce: '',
    version: VAULT_VERSION,
    build_date: BUILD_DATE,
    migration: false,
    cluster_name: options.clusterName,
    cluster_id: options.clusterId,
    recovery_seal: false,
    storage_type: options.storageType ?? 'inmem',
  };
}

/** GET sys/init reports the (always true) init state; PUT/POST fail as on an initialised Vault. */
function initStatus(_url: URL, method: string): WireResponse {
  if (method === 'GET') return { status: 200, body: { initialized: true } };
  if (method === 'PUT' || method === 'POST') return { status: 400, body: { errors: ['Vault is already initialized'] } };
  return METHOD_NOT_ALLOWED;
}

/** A standalone node without HA, as `vault server -dev` answers (last_wal is 0 and so omitted). */
function leaderStatus(): Record<string, unknown> {
  return {
    ha_enabled: false,
    is_self: false,
    active_time: '0001-01-01T00:00:00Z',
    leader_address: '',
    leader_cluster_address: '',
    performance_standby: false,
    performance_standby_last_remote_wal: 0,
  };
}
