/**
 * Request handling, after Vault's `vault/request_handling.go`: route to a
 * mount, validate wrapping tokens, decide create-vs-update by existence check
 * (before the ACL), check the token (policy, sudo, bound CIDRs, use counts),
 * call the backend, mint tokens for logins, wrap, audit, and build the answer.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditSink } from '../audit/types.js';
import { PersistRegistry } from '../persist/registry.js';
import { addrInCidrs } from '../sdk/cidr.js';
import {
  ERR_INVALID_TOKEN,
  ERR_INVALID_WRAPPING_TOKEN,
  ERR_PERMISSION_DENIED,
  VaultError,
  multierror,
} from '../sdk/errors.js';
import { sanitizePolicies } from '../sdk/fields.js';
import { type Backend, type BackendFactory, matchesSpecialPath } from '../sdk/framework.js';
import { goQuote } from '../sdk/go-text.js';
import { isRawHttpResponse, type Auth, type Request, type Response } from '../sdk/logical.js';
import { CubbyholeStore } from './cubbyhole.js';
import { IdentityStore } from './identity.js';
import { DEFAULT_LOCKOUT, type LockoutConfig, LockoutTracker } from './lockout.js';
import { type MountEntry, Router, systemViewOf } from './mounts.js';
import { PolicyStore } from './policy-store.js';
import { renderAuth, renderEnvelope, type WireResponse } from './respond.js';
import { TokenStore, type TokenEntry } from './token-store.js';
import { calculateTTL } from './ttl.js';
import { Wrapper } from './wrapping.js';

export interface CoreOptions {
  /** The dev root token id; random when unset. */
  rootTokenId?: string;
  lockout?: Partial<LockoutConfig>;
  now?: () => number;
  /** How often housekeeping runs (token expiry, SecretID tidy), ms. */
  housekeepingIntervalMs?: number;
}

export interface CoreFactories {
  secret: Record<string, (core: Core) => BackendFactory>;
  auth: Record<string, (core: Core) => BackendFactory>;
}

const WRAPPING_PATHS = new Set(['sys/wrapping/unwrap', 'sys/wrapping/rewrap']);

/** Login methods Vault applies user lockout to. */
const LOCKOUT_MOUNT_TYPES = new Set(['approle', 'userpass', 'ldap']);

export class Core {
  readonly tokens: TokenStore;
  readonly policies = new PolicyStore();
  readonly identity = new IdentityStore();
  readonly cubbyhole = new CubbyholeStore();
  readonly router: Router;
  readonly lockout: LockoutTracker;
  readonly wrapper: Wrapper;
  readonly now: () => number;
  /** The stores that make up the state, and (with a data dir) where changes are written after each request. */
  readonly persist: PersistRegistry;
  /** The dev root token; replaced when saved state is restored. */
  rootToken: TokenEntry;
  audit: AuditSink = { enabled: () => false, logRequest: () => {}, logResponse: () => {} };
  private readonly housekeeping: NodeJS.Timeout;

  constructor(factories: CoreFactories, options: CoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.tokens = new TokenStore(this.now);
    this.tokens.onRevoke((entry) => this.cubbyhole.dropToken(entry.id));
    this.lockout = new LockoutTracker({ ...DEFAULT_LOCKOUT, ...options.lockout }, this.now);
    const bind = (table: Record<string, (core: Core) => BackendFactory>) =>
      Object.fromEntries(Object.entries(table).map(([type, make]) => [type, make(this)]));
    this.router = new Router({ secret: bind(factories.secret), auth: bind(factories.auth) });
    this.persist = new PersistRegistry(() => this.router.all());
    this.wrapper = new Wrapper(this);

    const builtin = { builtin: true };
    this.router.mount(
      'secret',
      { path: 'cubbyhole/', type: 'cubbyhole', description: 'per-token private secret storage', local: true },
      builtin,
    );
    this.router.mount('secret', { path: 'identity/', type: 'identity', description: 'identity store' }, builtin);
    this.router.mount(
      'secret',
      {
        path: 'sys/',
        type: 'system',
        description: 'system endpoints used for control, policy and debugging',
        config: { passthroughRequestHeaders: ['Accept'] },
      },
      builtin,
    );
    this.router.mount('auth', { path: 'token/', type: 'token', description: 'token based credentials' }, builtin);

    this.rootToken = this.createRootToken(options.rootTokenId);

    this.housekeeping = setInterval(() => void this.runHousekeeping(), options.housekeepingIntervalMs ?? 5_000);
    this.housekeeping.unref();
  }

  /** The dev root token (`id` when given), as `vault server -dev` makes it. */
  createRootToken(id?: string): TokenEntry {
    this.rootToken = this.tokens.create({
      ...(id ? { id } : {}),
      parent: '',
      policies: ['root'],
      // `vault server -dev -dev-root-token-id=X` creates X through auth/token/create, so it looks like any created token.
      path: id ? 'auth/token/create' : 'auth/token/root',
      mountPoint: 'auth/token/',
      displayName: id ? 'token' : 'root',
      ttl: 0,
      renewable: false,
    });
    return this.rootToken;
  }

  close(): void {
    clearInterval(this.housekeeping);
  }

  async runHousekeeping(): Promise<void> {
    this.tokens.sweepExpired();
    for (const entry of this.router.all()) {
      try {
        await entry.backend.periodic?.();
      } catch {
        // Housekeeping failures must not take the server down; the next round retries.
      }
    }
    this.persist.commitQuietly();
  }

  /**
   * Handles one logical request end to end and returns what goes on the
   * wire. With a data dir, whatever the request changed is on disk before the
   * answer is returned (Vault writes storage before it responds).
   */
  async handle(req: Request): Promise<WireResponse> {
    let wire: WireResponse;
    try {
      wire = await this.handleInner(req);
    } catch (err) {
      wire = this.errorWire(req, err);
    }
    try {
      this.persist.commit();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'write failed';
      return { status: 500, body: { errors: [multierror([`failed to persist state to the data dir: ${code}`])] } };
    }
    return wire;
  }

  private async handleInner(req: Request): Promise<WireResponse> {
    const mount = this.router.match(req.path);
    if (mount) this.attachMount(req, mount);

    // A wrapping token is validated before any normal token check (so a spent one is a 400, never a 403).
    if (WRAPPING_PATHS.has(req.path)) {
      const candidate =
        typeof req.data?.['token'] === 'string' && req.data['token'] !== '' ? req.data['token'] : req.clientToken;
      if (!this.wrapper.isValidWrappingToken(candidate)) {
        throw new VaultError(ERR_INVALID_WRAPPING_TOKEN, 'invalid-wrapping-token');
      }
    }

    if (!mount) {
      // Vault checks the ACL before it admits the path has no handler.
      const check = this.checkToken(req, undefined);
      if (check.lastUse) this.tokens.revokeTree(check.token.id);
      throw new VaultError(`no handler for route ${goQuote(req.path)}. route entry not found.`, 'unsupported-path');
    }

    const backend = mount.backend;
    const unauthenticated = matchesSpecialPath(backend.specialPaths.unauthenticated, req.relativePath);
    if (unauthenticated && mount.mountClass === 'auth') return this.handleLogin(req, mount, backend);

    if (req.operation === 'update') {
      const existence = await backend.handleExistenceCheck(req);
      if (existence.checkFound && !existence.exists) req.operation = 'create';
    }

    let check: CheckResult | undefined;
    if (!unauthenticated) {
      try {
        check = this.checkToken(req, mount);
      } catch (err) {
        this.auditDenied(req, mount, err);
        throw err;
      }
    } else if (req.clientToken) {
      const token = this.tokens.lookup(req.clientToken);
      if (token) req.tokenEntry = this.tokens.info(token);
    }

    const auditBase: AuditEvent = { request: req, mount };
    if (check) {
      auditBase.token = check.token;
      auditBase.tokenRemainingUses = check.remainingUses;
      auditBase.policyResults = { allowed: true, grantingPolicies: check.grantingPolicies };
    }
    if (this.audit.enabled()) this.audit.logRequest(auditBase);

    let resp: Response | null;
    try {
      resp = await backend.handleRequest(req);
    } catch (err) {
      if (check?.lastUse) this.tokens.revokeTree(check.token.id);
      const wire = this.errorWire(req, err);
      this.auditResponse(auditBase, null, wire, err);
      return wire;
    }

    if (resp?.auth && !resp.error) await this.mintLoginToken(req, mount, resp.auth, resp);

    if (check?.lastUse && resp?.leaseId && !resp.error) {
      // The token's last use made a lease, which dies with the token at once: Vault refuses to hand out credentials
      // that are already revoked (request_handling.go).
      this.tokens.revokeTree(check.token.id);
      const message =
        'Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.';
      const refused: WireResponse = { status: 400, body: { errors: [message] } };
      this.auditResponse(auditBase, null, refused, message);
      return refused;
    }

    const wire = this.answer(req, mount, resp);

    if (check?.lastUse) this.tokens.revokeTree(check.token.id);
    this.auditResponse(auditBase, resp, wire);
    return wire;
  }

  private attachMount(req: Request, mount: MountEntry): void {
    req.mountPoint = mount.routePrefix;
    req.mountType = mount.type;
    req.mountAccessor = mount.accessor;
    req.mountClass = mount.mountClass;
    req.relativePath = req.path.length >= mount.routePrefix.length ? req.path.slice(mount.routePrefix.length) : '';
  }

  /** The wire answer: wrapped when the request or backend asked for it and there is content to wrap. */
  private answer(req: Request, mount: MountEntry, resp: Response | null): WireResponse {
    const wrapTTL = this.effectiveWrapTTL(req, resp);
    if (wrapTTL > 0 && resp && !resp.error && !resp.raw && !isRawHttpResponse(resp)) {
      return this.wrapper.wrap(req, mount, resp, wrapTTL);
    }
    return renderEnvelope(req, mount, resp);
  }

  private effectiveWrapTTL(req: Request, resp: Response | null): number {
    const requested = req.wrap?.ttl ?? 0;
    const backend = resp?.wrapTTL ?? 0;
    if (requested > 0 && backend > 0) return Math.min(requested, backend);
    return requested || backend;
  }

  /** Vault's CheckToken: who is calling, and may they do this? Throws 403s. */
  checkToken(req: Request, mount: MountEntry | undefined): CheckResult {
    if (!req.clientToken) throw new VaultError(ERR_PERMISSION_DENIED, 'permission-denied');
    const token = this.tokens.lookup(req.clientToken);
    if (!token) throw new InvalidTokenError();
    if (token.boundCidrs.length > 0 && !addrInCidrs(req.remoteAddress, token.boundCidrs)) {
      throw new VaultError(ERR_PERMISSION_DENIED, 'permission-denied');
    }
    // Vault spends the use before the ACL verdict: a denied request still costs one.
    const remainingUses = token.numUses;
    const lastUse = this.tokens.use(token);
    const deny = (): never => {
      if (lastUse) this.tokens.revokeTree(token.id);
      throw new VaultError(ERR_PERMISSION_DENIED, 'permission-denied');
    };
    const acl = this.policies.acl(token.policies);
    const result = acl.allowOperation({
      path: req.path,
      operation: req.operation,
      data: req.data,
      ...(req.wrap ? { wrapTTL: req.wrap.ttl } : {}),
    });
    if (!result.allowed) deny();
    const rootProtected = mount ? matchesSpecialPath(mount.backend.specialPaths.root, req.relativePath) : false;
    if (rootProtected && !result.rootPrivs && !result.isRoot) deny();
    req.hasSudo = result.isRoot || result.rootPrivs;
    req.tokenEntry = this.tokens.info(token);
    return { token, lastUse, remainingUses, grantingPolicies: result.grantingPolicies };
  }

  private async handleLogin(req: Request, mount: MountEntry, backend: Backend): Promise<WireResponse> {
    const alias = backend.aliasLookahead?.(req);
    const lockKey = alias ? `${mount.accessor}\u0000${alias}` : undefined;
    const auditBase: AuditEvent = { request: req, mount };
    if (this.audit.enabled()) this.audit.logRequest(auditBase);
    if (!lockKey && this.lockout.enabled && LOCKOUT_MOUNT_TYPES.has(mount.type)) {
      // Vault resolves the alias for the lockout check before the backend runs, and stops here when it cannot.
      const message = 'failed to determine alias name from login request';
      const wire: WireResponse = { status: 500, body: { errors: [message] } };
      this.auditResponse(auditBase, null, wire, message);
      return wire;
    }
    if (lockKey && this.lockout.isLocked(lockKey)) {
      const wire: WireResponse = { status: 403, body: { errors: [ERR_PERMISSION_DENIED] } };
      this.auditResponse(auditBase, null, wire, new VaultError(ERR_PERMISSION_DENIED, 'permission-denied'));
      return wire;
    }
    let resp: Response | null;
    try {
      resp = await backend.handleRequest(req);
    } catch (err) {
      const wire = this.errorWire(req, err);
      this.auditResponse(auditBase, null, wire, err);
      return wire;
    }
    if (lockKey && resp?.error?.invalidCredentials) this.lockout.recordFailure(lockKey);
    if (resp?.auth && !resp.error) {
      if (lockKey) this.lockout.recordSuccess(lockKey);
      await this.mintLoginToken(req, mount, resp.auth, resp);
    }
    const wire = this.answer(req, mount, resp);
    const outer = resp?.error?.invalidCredentials ? 'invalid credentials' : undefined;
    this.auditResponse(auditBase, resp, wire, outer);
    return wire;
  }

  /** Turns a login's auth block into a real token (Vault's RegisterAuth). */
  private async mintLoginToken(req: Request, mount: MountEntry, auth: Auth, resp: Response): Promise<void> {
    if (resp.issuedToken) return;
    const system = systemViewOf(mount.config);
    const { ttl, warnings } = calculateTTL(system, {
      increment: 0,
      backendTTL: auth.ttl,
      period: auth.period,
      backendMaxTTL: auth.maxTTL,
      explicitMaxTTL: auth.explicitMaxTTL,
      issueTime: this.now(),
      now: this.now(),
    });
    const type =
      auth.tokenType === 'batch' || (auth.tokenType === 'default' && mount.config.tokenType === 'default-batch')
        ? 'batch'
        : 'service';
    const policies = sanitizePolicies(auth.policies, !auth.noDefaultPolicy);
    const displayName = mount.path.replace(/\/$/, '') + (auth.displayName ? `-${auth.displayName}` : '');
    const entry = this.tokens.create({
      parent: '',
      policies,
      path: req.path,
      mountPoint: mount.routePrefix,
      meta: auth.metadata,
      displayName,
      numUses: auth.numUses,
      ttl,
      explicitMaxTTL: auth.explicitMaxTTL,
      maxTTL: auth.maxTTL,
      period: auth.period,
      type,
      boundCidrs: auth.boundCidrs,
      entityId: auth.aliasName ? this.identity.entityFor(mount.accessor, auth.aliasName) : '',
      renewable: type === 'service' && auth.renewable,
      auth,
    });
    resp.issuedToken = { entry, leaseDuration: ttl };
    resp.wrappedAccessor ??= entry.accessor;
    if (warnings.length > 0) resp.warnings = [...(resp.warnings ?? []), ...warnings];
  }

  /**
   * Vault audits a refused request too: the request line carries the plain
   * check error, the response line the text the client got.
   */
  private auditDenied(req: Request, mount: MountEntry, err: unknown): void {
    if (!this.audit.enabled()) return;
    const token = req.clientToken ? this.tokens.lookupTainted(req.clientToken) : undefined;
    const base: AuditEvent = {
      request: req,
      mount,
      ...(token ? { token } : {}),
      policyResults: { allowed: false, grantingPolicies: [] },
    };
    this.audit.logRequest({ ...base, outerError: err instanceof Error ? err.message : String(err) });
    const wire = this.errorWire(req, err);
    this.audit.logResponse({ ...base, response: null, envelope: null, outerError: wireErrorText(wire) });
  }

  /**
   * The response line's top-level `error`: a login's plain text (`invalid
   * credentials`), the wire text for errors thrown by a backend, and nothing
   * for a plain error response (Vault leaves it empty there).
   */
  private auditResponse(base: AuditEvent, resp: Response | null, wire: WireResponse, err?: unknown): void {
    if (!this.audit.enabled()) return;
    const event: AuditEvent = { ...base, response: resp, envelope: isObject(wire.body) ? wire.body : null };
    if (typeof err === 'string') event.outerError = err;
    else if (err !== undefined) event.outerError = wireErrorText(wire);
    this.audit.logResponse(event);
  }

  /** The wire form of a thrown error, with Vault's multierror text and status mapping. */
  errorWire(_req: Request, err: unknown): WireResponse {
    if (err instanceof InvalidTokenError) {
      return { status: 403, body: { errors: [multierror([ERR_PERMISSION_DENIED, ERR_INVALID_TOKEN])] } };
    }
    if (err instanceof VaultError) {
      // Vault answers these two without the multierror wrapper.
      if (err.kind === 'invalid-wrapping-token' || (err.kind === 'permission-denied' && !_req.clientToken)) {
        return { status: err.status, body: { errors: [err.message] } };
      }
      if (err.message.startsWith('no handler for route')) return { status: 404, body: { errors: [err.message] } };
      return { status: err.status, body: { errors: [multierror([err.message])] } };
    }
    // An unexpected bug is a 500 with a generic text: never a stack trace on the wire.
    return { status: 500, body: { errors: [multierror(['internal error'])] } };
  }

  /** The auth block for a token, as login/create/renew answers show it. */
  authBlock(entry: TokenEntry, leaseDuration: number): Record<string, unknown> {
    return renderAuth(entry, leaseDuration);
  }

  /** A mounted backend (for the token store's renewals). */
  backendAt(routePrefix: string): Backend | undefined {
    return this.router.byRoutePrefix(routePrefix)?.backend;
  }

  newRequestId(): string {
    return randomUUID();
  }
}

export interface CheckResult {
  token: TokenEntry;
  lastUse: boolean;
  remainingUses: number;
  grantingPolicies: string[];
}

/** Unknown, expired, revoked or garbage token (Vault ≥1.17 answers "permission denied" + "invalid token"). */
export class InvalidTokenError extends VaultError {
  constructor() {
    super(ERR_INVALID_TOKEN, 'invalid-token');
  }
}

function wireErrorText(wire: WireResponse): string {
  const errors = isObject(wire.body) ? wire.body['errors'] : undefined;
  return Array.isArray(errors) ? errors.join(', ') : '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
