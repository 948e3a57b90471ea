/**
 * Drives the token backend and the sys/leases paths the way the core does,
 * without the core: a real TokenStore on a clock the tests move, a stand-in
 * policy table and mount table, the token check (unknown token → 403, sudo on
 * root-protected paths, one use spent per request, revocation after the last
 * use), the existence check before writes, and the wire rendering of
 * vault/respond.ts. Used by the *.test.ts files of the token store and leases.
 */
import { ERR_INVALID_TOKEN, ERR_PERMISSION_DENIED, VaultError, multierror } from '../../../sdk/errors.js';
import { FrameworkBackend, matchesSpecialPath, type Backend } from '../../../sdk/framework.js';
import type { Auth, Operation, RequestData, Response } from '../../../sdk/logical.js';
import { makeRequest } from '../../../testing/backend-harness.js';
import { IdentityStore } from '../../../vault/identity.js';
import { systemViewOf, type MountConfig } from '../../../vault/mounts.js';
import { renderEnvelope, type WireResponse } from '../../../vault/respond.js';
import { LEASE_ROOT_PATHS, leasePaths } from '../../../vault/sys/leases.js';
import { TokenStore, type TokenEntry } from '../../../vault/token-store.js';
import { tokenBackendFactory, type TokenBackendCore } from './backend.js';

/** 2024-01-01T00:00:00.250Z: a fractional start, so second truncation is exercised. */
export const START = Date.UTC(2024, 0, 1, 0, 0, 0, 250);
export const DAY = 24 * 3600;
export const DEFAULT_TTL = 768 * 3600;

export function mountConfig(overrides: Partial<MountConfig> = {}): MountConfig {
  return {
    defaultLeaseTTL: 0,
    maxLeaseTTL: 0,
    forceNoCache: false,
    auditNonHmacRequestKeys: [],
    auditNonHmacResponseKeys: [],
    listingVisibility: '',
    passthroughRequestHeaders: [],
    allowedResponseHeaders: [],
    tokenType: 'default-service',
    ...overrides,
  };
}

export interface CallOptions {
  /** Override whether the caller holds sudo on the path (default: only root tokens do). */
  sudo?: boolean;
}

/** A response body as tests read it: loosely, field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions walk arbitrary JSON
export type JsonBody = Record<string, any>;

export interface Wire extends WireResponse {
  /** The parsed JSON body (undefined when there is none). */
  json: JsonBody | undefined;
}

export class TokenHarness {
  time = START;
  readonly tokens: TokenStore;
  readonly policyNames = new Set(['default']);
  readonly mounts = new Map<string, { config: MountConfig; accessor: string; type: string }>();
  readonly backends = new Map<string, Backend>();
  readonly core: TokenBackendCore;
  readonly rootToken: TokenEntry;
  readonly tokenBackend: Backend;
  readonly sysBackend: Backend;

  constructor(options: { tokenMount?: Partial<MountConfig> } = {}) {
    this.tokens = new TokenStore(() => this.time);
    this.mounts.set('auth/token/', {
      config: mountConfig(options.tokenMount),
      accessor: 'auth_token_0a1b2c3d',
      type: 'token',
    });
    this.core = {
      tokens: this.tokens,
      policies: { exists: (name) => name === 'root' || this.policyNames.has(name) },
      router: { byRoutePrefix: (prefix) => this.mounts.get(prefix) },
      identity: new IdentityStore(),
      backendAt: (prefix) => this.backends.get(prefix),
      now: () => this.time,
    };
    const tokenMount = this.mounts.get('auth/token/') as { config: MountConfig };
    this.tokenBackend = tokenBackendFactory(this.core)({
      mountPoint: 'auth/token/',
      options: {},
      system: systemViewOf(tokenMount.config),
    });
    this.backends.set('auth/token/', this.tokenBackend);
    this.sysBackend = new FrameworkBackend('system', leasePaths(this.core), { root: LEASE_ROOT_PATHS });
    this.rootToken = this.tokens.create({
      parent: '',
      policies: ['root'],
      path: 'auth/token/root',
      mountPoint: 'auth/token/',
      displayName: 'root',
      ttl: 0,
      renewable: false,
    });
  }

  advance(seconds: number): void {
    this.time += seconds * 1000;
  }

  /** Mounts a stand-in auth backend whose login tokens renew through `renewAuth`. */
  mountAuth(path: string, renewAuth: (auth: Auth) => Auth, config: Partial<MountConfig> = {}): string {
    const prefix = `auth/${path}/`;
    this.mounts.set(prefix, { config: mountConfig(config), accessor: `auth_${path}_1234`, type: path });
    const backend = new FrameworkBackend(path, []) as FrameworkBackend & Backend;
    (backend as Backend).renewAuth = async (_req, auth) => renewAuth(auth);
    this.backends.set(prefix, backend);
    return prefix;
  }

  /** One request, as the core would run it, rendered to the wire. */
  async call(
    operation: Operation,
    path: string,
    data: RequestData | null = null,
    token: string = this.rootToken.id,
    options: CallOptions = {},
  ): Promise<Wire> {
    const mountPoint = path.startsWith('sys/') ? 'sys/' : 'auth/token/';
    const backend = mountPoint === 'sys/' ? this.sysBackend : this.tokenBackend;
    const relative = path.slice(mountPoint.length);
    const wire = (w: WireResponse): Wire => ({ ...w, json: w.body as JsonBody | undefined });

    const req = makeRequest(mountPoint, operation, relative, data, {
      clientToken: token,
      mountType: backend.type,
      mountAccessor: this.mounts.get(mountPoint)?.accessor ?? 'system_5678',
    });
    if (operation === 'update') {
      const existence = await backend.handleExistenceCheck(req);
      if (existence.checkFound && !existence.exists) req.operation = 'create';
    }

    const caller = this.tokens.lookup(token);
    if (!caller)
      return wire({ status: 403, body: { errors: [multierror([ERR_PERMISSION_DENIED, ERR_INVALID_TOKEN])] } });
    const sudo = options.sudo ?? caller.policies.includes('root');
    if (matchesSpecialPath(backend.specialPaths.root, relative) && !sudo) {
      return wire({ status: 403, body: { errors: [multierror([ERR_PERMISSION_DENIED])] } });
    }
    req.hasSudo = sudo;
    req.tokenEntry = this.tokens.info(caller);
    const lastUse = this.tokens.use(caller);

    let resp: Response | null;
    try {
      resp = await backend.handleRequest(req);
    } catch (err) {
      if (lastUse) this.tokens.revokeTree(caller.id);
      if (err instanceof VaultError) return wire({ status: err.status, body: { errors: [multierror([err.message])] } });
      throw err;
    }
    if (lastUse) this.tokens.revokeTree(caller.id);
    return wire(renderEnvelope(req, undefined, resp));
  }

  /** Creates a token as root (or as `token`) and returns its id, failing loudly on an error. */
  async createToken(
    data: RequestData = {},
    token?: string,
    path = 'auth/token/create',
    options: CallOptions = {},
  ): Promise<string> {
    const res = await this.call('update', path, data, token, options);
    if (res.status !== 200) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json?.['auth']?.['client_token'] as string;
  }

  async lookupSelf(token: string): Promise<Wire> {
    return this.call('read', 'auth/token/lookup-self', null, token);
  }

  /** Whether a token is still usable (without spending a use). */
  alive(token: string): boolean {
    return this.tokens.lookup(token) !== undefined;
  }
}
