/**
 * A local stand-in for the two Google endpoints a groups lookup uses, on 127.0.0.1:
 * - the OAuth2 token endpoint, for the service-account JWT-bearer grant (RFC 7523) with domain-wide delegation: it
 *   verifies the assertion's RS256 signature with the test service account's public key, its iss, aud, exp/iat,
 *   that every requested scope is one delegated to the client, and that `sub` is a user of the domain;
 * - the Admin SDK Directory `GET /admin/directory/v1/groups?userKey=…`, paged, answering as Google does: 401 without
 *   a valid token, 403 unless the token impersonates an admin, 404 for an unknown user, direct memberships only.
 * Switches inject failures and latency. Plus a guard that makes any connection leaving loopback fail and be
 * recorded, so a test can prove that nothing talked to Google.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { jwtVerify } from 'jose';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GROUP_READONLY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.group.readonly';
const GROUPS_PATH = '/admin/directory/v1/groups';

export interface StandInFaults {
  /** Answer every token request with this status (and an OAuth error body). */
  tokenStatus?: number;
  /** Wait this long before answering a token request. */
  tokenDelayMs?: number;
  /** Answer every groups request with this status (and a Google API error body). */
  groupsStatus?: number;
  /** Wait this long before answering a groups request. */
  groupsDelayMs?: number;
}

export interface StandInOptions {
  /** The Workspace admin the service account may impersonate. Default admin@example.com. */
  adminEmail?: string;
  /** Groups per page at most (whatever maxResults asks). Default 2, so small lists already page. */
  pageSize?: number;
  /** Scopes domain-wide delegation grants the service account. Default: groups read-only. */
  delegatedScopes?: string[];
}

export interface TokenGrant {
  sub: string | undefined;
  scope: string;
}

export interface GoogleDirectoryStandIn {
  /** Base URL of the Directory API (the client's rootUrl), ending in "/". */
  readonly rootUrl: string;
  /** The token endpoint (the key file's token_uri). */
  readonly tokenUri: string;
  readonly adminEmail: string;
  readonly clientEmail: string;
  /** Mutable: set fields to inject failures, delete them to heal. */
  readonly faults: StandInFaults;
  /** Token requests received (accepted or not) and the grants issued. */
  readonly tokenRequests: { count: number; granted: TokenGrant[] };
  /** userKey of every groups request received, in order (one entry per page). */
  readonly groupsRequests: string[];
  /** A user of the domain who is a direct member of `groups` (group emails). */
  addUser(email: string, groups?: string[]): void;
  /** A group that is itself a direct member of `parents` (nesting). */
  addGroup(email: string, parents?: string[]): void;
  /**
   * Writes a service-account JSON key for this stand-in (token_uri pointing here) into `dir` and returns its path.
   * `privateKey` swaps in another key (e.g. one the stand-in does not know), `fields` overrides JSON fields.
   */
  writeKeyFile(dir: string, options?: { privateKey?: string; fields?: Record<string, unknown>; name?: string }): string;
  close(): Promise<void>;
}

/** A fresh RSA key pair as a service account has one (PKCS#8 PEM private key). */
export function newServiceAccountKeyPair(): { privateKeyPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

export async function startGoogleDirectoryStandIn(options: StandInOptions = {}): Promise<GoogleDirectoryStandIn> {
  const adminEmail = (options.adminEmail ?? 'admin@example.com').toLowerCase();
  const pageSize = options.pageSize ?? 2;
  const delegatedScopes = new Set(options.delegatedScopes ?? [GROUP_READONLY_SCOPE]);
  const clientEmail = 'secret-api-groups@test-project.iam.gserviceaccount.com';
  const keyPair = newServiceAccountKeyPair();
  const privateKeyId = randomBytes(20).toString('hex');

  const users = new Set<string>([adminEmail]);
  /** member email -> groups it is a direct member of (insertion-ordered, like a directory listing). */
  const memberOf = new Map<string, Set<string>>();
  const accessTokens = new Map<string, TokenGrant>();
  const faults: StandInFaults = {};
  const tokenRequests = { count: 0, granted: [] as TokenGrant[] };
  const groupsRequests: string[] = [];
  let tokenUri = '';

  const addMemberships = (member: string, groups: string[]) => {
    const set = memberOf.get(member.toLowerCase()) ?? new Set<string>();
    for (const group of groups) set.add(group.toLowerCase());
    memberOf.set(member.toLowerCase(), set);
  };

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    tokenRequests.count++;
    const form = new URLSearchParams(await readBody(req));
    if (faults.tokenDelayMs !== undefined) await sleep(faults.tokenDelayMs);
    if (faults.tokenStatus !== undefined) {
      return json(res, faults.tokenStatus, { error: 'internal_failure', error_description: 'injected failure' });
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return json(res, 400, { error: 'invalid_request', error_description: 'form body required' });
    }
    if (form.get('grant_type') !== JWT_BEARER) {
      return json(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' });
    }
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(form.get('assertion') ?? '', keyPair.publicKey, {
        algorithms: ['RS256'],
        issuer: clientEmail,
        audience: tokenUri,
        requiredClaims: ['iat', 'exp', 'scope'],
        maxTokenAge: '1h',
      }));
    } catch (err) {
      return json(res, 400, { error: 'invalid_grant', error_description: `Invalid JWT: ${(err as Error).message}` });
    }
    const scope = typeof claims['scope'] === 'string' ? claims['scope'] : '';
    const requested = scope.split(' ').filter((s) => s !== '');
    if (requested.length === 0 || requested.some((s) => !delegatedScopes.has(s))) {
      return json(res, 401, {
        error: 'unauthorized_client',
        error_description:
          'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      });
    }
    const sub = typeof claims.sub === 'string' ? claims.sub.toLowerCase() : undefined;
    if (sub !== undefined && !users.has(sub)) {
      return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid email or User ID' });
    }
    const accessToken = `ya29.stand-in-${randomBytes(16).toString('hex')}`;
    const grant = { sub, scope };
    accessTokens.set(accessToken, grant);
    tokenRequests.granted.push(grant);
    json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }

  async function groups(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const userKey = (url.searchParams.get('userKey') ?? '').toLowerCase();
    groupsRequests.push(userKey);
    if (faults.groupsDelayMs !== undefined) await sleep(faults.groupsDelayMs);
    if (faults.groupsStatus !== undefined)
      return apiError(res, faults.groupsStatus, 'Injected failure', 'backendError');
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const grant = bearer === undefined ? undefined : accessTokens.get(bearer);
    if (grant === undefined) {
      return apiError(res, 401, 'Request had invalid authentication credentials.', 'authError');
    }
    if (grant.sub !== adminEmail) {
      return apiError(res, 403, 'Not Authorized to access this resource/api', 'forbidden');
    }
    if (!grant.scope.split(' ').includes(GROUP_READONLY_SCOPE)) {
      return apiError(res, 403, 'Request had insufficient authentication scopes.', 'insufficientPermissions');
    }
    if (userKey === '') return apiError(res, 400, 'Bad Request', 'badRequest');
    if (!users.has(userKey)) return apiError(res, 404, 'Resource Not Found: userKey', 'notFound');

    const all = [...(memberOf.get(userKey) ?? [])];
    const maxResults = Number(url.searchParams.get('maxResults') ?? '200');
    const size = Math.min(pageSize, Number.isInteger(maxResults) && maxResults > 0 ? maxResults : 200);
    const tokenParam = url.searchParams.get('pageToken');
    const offset = tokenParam === null ? 0 : Number(Buffer.from(tokenParam, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0 || offset > all.length) {
      return apiError(res, 400, 'Invalid Input: pageToken', 'invalid');
    }
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
    json(res, 200, {
      kind: 'admin#directory#groups',
      etag: `"${randomBytes(6).toString('hex')}"`,
      groups: page.map((email) => ({
        kind: 'admin#directory#group',
        id: Buffer.from(email).toString('hex').slice(0, 15),
        email,
        name: email.split('@')[0],
        description: '',
        adminCreated: true,
      })),
      ...(next === undefined ? {} : { nextPageToken: next }),
    });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const handle =
      req.method === 'POST' && url.pathname === '/token'
        ? token(req, res)
        : req.method === 'GET' && url.pathname === GROUPS_PATH
          ? groups(req, res, url)
          : Promise.resolve(apiError(res, 404, `no route ${req.method} ${url.pathname}`, 'notFound'));
    handle.catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'stand-in failure' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  tokenUri = `http://127.0.0.1:${port}/token`;

  return {
    rootUrl: `http://127.0.0.1:${port}/`,
    tokenUri,
    adminEmail,
    clientEmail,
    faults,
    tokenRequests,
    groupsRequests,
    addUser(email, groupList = []) {
      users.add(email.toLowerCase());
      addMemberships(email, groupList);
    },
    addGroup(email, parents = []) {
      addMemberships(email, parents);
    },
    writeKeyFile(dir, opts = {}) {
      const path = join(dir, opts.name ?? 'service-account.json');
      const key = {
        type: 'service_account',
        project_id: 'test-project',
        private_key_id: privateKeyId,
        private_key: opts.privateKey ?? keyPair.privateKeyPem,
        client_email: clientEmail,
        client_id: '100000000000000000001',
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: tokenUri,
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        universe_domain: 'googleapis.com',
        ...opts.fields,
      };
      writeFileSync(path, JSON.stringify(key, null, 2), { mode: 0o600 });
      return path;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface LoopbackGuard {
  /** host:port of every connection attempt that would have left the machine. */
  readonly attempts: string[];
  restore(): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Makes every TCP connection to a non-loopback host fail in this process, and records it. Sits under both node:http
 * and fetch, so whichever client a library uses, a request meant for Google cannot leave and cannot go unnoticed.
 */
export function forbidNonLoopbackConnections(): LoopbackGuard {
  const attempts: string[] = [];
  const original = net.Socket.prototype.connect;
  const patched = function (this: net.Socket, ...args: unknown[]) {
    // node:net hands Socket#connect either its own normalised [options, callback] array or the user's arguments.
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    let host: string | undefined;
    let port: unknown;
    if (typeof first === 'object' && first !== null) {
      const opts = first as { host?: string | null; port?: unknown; path?: string | null };
      // A Unix socket (no host, a path). TLS connections carry `path: null` next to their host: those are TCP.
      if (opts.host == null && typeof opts.path === 'string') {
        return (original as (...a: unknown[]) => net.Socket).apply(this, args);
      }
      host = opts.host ?? 'localhost';
      port = opts.port;
    } else {
      port = first;
      host = typeof args[1] === 'string' ? args[1] : 'localhost';
    }
    if (!LOOPBACK.has(host)) {
      attempts.push(`${host}:${String(port)}`);
      throw new Error(`test guard: connection to ${host}:${String(port)} refused (tests must not leave 127.0.0.1)`);
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  net.Socket.prototype.connect = patched as typeof net.Socket.prototype.connect;
  return {
    attempts,
    restore() {
      net.Socket.prototype.connect = original;
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

/** Google's JSON error envelope for its REST APIs. */
function apiError(res: ServerResponse, status: number, message: string, reason: string): void {
  json(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
