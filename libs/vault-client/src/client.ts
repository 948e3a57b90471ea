/**
 * The only module that touches node-vault. It owns timeouts, bounded retries,
 * error mapping, secret redaction and the client token's lifecycle.
 *
 * Retry policy (conservative on purpose):
 * - Only unavailability is retried: connection refused/reset, network errors,
 *   per-attempt timeouts, 429, 502, 503 (sealed, standby) and 504. Any other
 *   status (every 4xx, 500, 501) is returned or thrown at once.
 * - Idempotent requests (GET, LIST, DELETE, and writes flagged idempotent such
 *   as policy writes and renew-self) are retried on any of the above.
 * - Non-idempotent writes (KV puts, SecretID generation, logins, unwraps,
 *   token creation) are retried ONLY when the request provably never left this
 *   process: the connection was refused or the host did not resolve. A timeout,
 *   a reset or a 5xx after sending may have taken effect, so it is not retried.
 * - Backoff: baseDelayMs · 2^(n-1), capped at maxDelayMs, with "equal jitter"
 *   (half fixed, half random). Each attempt is capped by timeoutMs and the
 *   whole call by totalTimeoutMs, so a caller never waits longer than that.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import vault from 'node-vault';
import {
  VaultCasMismatchError,
  VaultClientStateError,
  type VaultError,
  VaultNotFoundError,
  VaultPermissionError,
  VaultRequestError,
  VaultUnavailableError,
  type UnavailableReason,
} from './errors.js';
import { KvV2 } from './kv-v2.js';
import { createSend, nodeVaultTransport } from './transport.js';
import { Redactor } from './redact.js';
import type {
  RetryConfig,
  TokenLookup,
  TokenStatus,
  VaultAuth,
  VaultClientOptions,
  VaultLogger,
  VaultRequestEvent,
  VaultWrapInfo,
  VaultWriteResult,
} from './types.js';

type NodeVaultClient = ReturnType<typeof vault>;
export type VaultMethod = 'GET' | 'LIST' | 'POST' | 'DELETE';

/* eslint-disable @typescript-eslint/no-explicit-any -- Vault's JSON bodies are untyped at this boundary */
/** A raw answer: 200, 204 (body `null`) or 404 (body as sent, often `{errors: []}`). */
export interface VaultReply {
  status: 200 | 204 | 404;
  body: any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface SendOptions {
  body?: unknown;
  /** `null` sends no token; `undefined` uses the client's token (logging in with AppRole first if needed). */
  token?: string | null;
  wrapTTL?: string | number;
  /** Safe to repeat after an ambiguous failure (see the retry policy above). */
  idempotent: boolean;
  /** Per-request secrets (a SecretID, a wrapping token) to scrub from error texts. */
  secrets?: readonly string[];
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/**
 * Sockets kept open to Vault per client. Every call reuses one (no TCP set-up per request); the cap
 * bounds file descriptors and Vault's connection count — callers beyond it queue on the agent.
 */
const MAX_SOCKETS = 64;
/** Idle sockets kept for reuse; the rest close once idle. */
const MAX_FREE_SOCKETS = 16;
/** How long a socket is kept idle for reuse (Node's global agent's timeout). */
const IDLE_SOCKET_MS = 5_000;

/** A failure classified before it becomes a public error. */
class Unavailable {
  constructor(
    readonly reason: UnavailableReason,
    readonly detail: string,
    /** The request never reached Vault, so even a non-idempotent one may be resent. */
    readonly notSent: boolean,
    readonly retryable: boolean,
    readonly status?: number,
  ) {}
}

const noopLogger: VaultLogger = { warn: () => undefined, error: () => undefined };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorTexts(body: unknown): string[] {
  if (body && typeof body === 'object' && Array.isArray((body as { errors?: unknown }).errors)) {
    return ((body as { errors: unknown[] }).errors as unknown[]).filter((e): e is string => typeof e === 'string');
  }
  return [];
}

function checkPath(path: string): void {
  if (
    path.length === 0 ||
    path.startsWith('/') ||
    path.split(/[/?]/).some((seg) => seg === '..' || seg === '.') ||
    /[\s#\\]/.test(path) ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f]/.test(path)
  ) {
    throw new VaultClientStateError(`refusing an unsafe Vault path: ${JSON.stringify(path.slice(0, 200))}`);
  }
}

export class VaultClient {
  readonly address: string;
  private readonly nv: NodeVaultClient;
  private readonly timeoutMs: number;
  private readonly totalTimeoutMs: number;
  private readonly retry: Required<RetryConfig>;
  private readonly logger: VaultLogger;
  private readonly redactor = new Redactor();
  private readonly auth: VaultClientOptions['auth'];
  private readonly namespace: string | undefined;
  private readonly onRequest: VaultClientOptions['onRequest'];
  /** One keep-alive agent for the client's life; the transport sends every call through it. */
  private readonly agent: HttpAgent | HttpsAgent;

  private token: string | null = null;
  private loginInFlight: Promise<VaultAuth> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private status: TokenStatus;
  private reloginFailures = 0;

  constructor(options: VaultClientOptions) {
    this.address = options.address.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.totalTimeoutMs = options.totalTimeoutMs ?? this.timeoutMs * 2 + 1000;
    this.retry = {
      attempts: Math.max(1, Math.floor(options.retries?.attempts ?? 3)),
      baseDelayMs: Math.max(0, options.retries?.baseDelayMs ?? 100),
      maxDelayMs: Math.max(0, options.retries?.maxDelayMs ?? 2000),
    };
    this.logger = options.logger ?? noopLogger;
    this.auth = options.auth;
    this.namespace = options.namespace;
    this.onRequest = options.onRequest;
    // noDelay: a small request must not wait for Vault's delayed ACK of the previous one (Nagle). The idle timeout
    // (Node's global agent's) drops an idle socket before the server or a load balancer closes it under a request —
    // a write sent into that close is reset and cannot be retried — and lets Node shorten it under a server's
    // announced `Keep-Alive: timeout=`.
    const agentOptions = {
      keepAlive: true,
      timeout: IDLE_SOCKET_MS,
      noDelay: true,
      maxSockets: MAX_SOCKETS,
      maxFreeSockets: MAX_FREE_SOCKETS,
    };
    const secure = this.address.startsWith('https:');
    this.agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.nv = vault({
      apiVersion: 'v1',
      endpoint: this.address,
      // node-vault's debug logger prints request bodies (secrets); silence it.
      debug: () => undefined,
      'request-promise': nodeVaultTransport(createSend(this.agent, secure)),
    });
    // node-vault falls back to VAULT_TOKEN / VAULT_NAMESPACE / VAULT_PREFIX from the environment: never.
    this.nv.token = '';
    (this.nv as unknown as { namespace?: string; pathPrefix: string }).namespace = undefined;
    (this.nv as unknown as { pathPrefix: string }).pathPrefix = '';

    if ('token' in this.auth) {
      this.token = this.auth.token;
      this.redactor.add(this.auth.token);
    } else {
      this.redactor.add(this.auth.secretId);
    }
    this.status = {
      mode: 'token' in this.auth ? 'token' : 'approle',
      hasToken: this.token !== null,
      renewable: false,
      expiresAt: null,
      renewals: 0,
      logins: 0,
      lastError: null,
    };
  }

  // ---------------------------------------------------------------------------
  // Lifecycle

  /**
   * Static token: looks it up and, when renewable with a TTL, renews it at ~2/3
   * of its TTL until close(). AppRole: logs in, renews likewise and logs in
   * again when renewal fails. Timers are unref'd. Rejects when Vault is down or
   * the credentials are refused, so a service can fail fast at boot.
   */
  async start(): Promise<TokenStatus> {
    this.assertOpen();
    if ('token' in this.auth) {
      const self = await this.lookupSelf();
      this.track(self.ttl, self.renewable === true);
    } else {
      await this.relogin();
    }
    return this.tokenStatus();
  }

  /** Stops renewal timers; later calls reject with VaultClientStateError. Does not revoke the token. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Idle keep-alive sockets would otherwise hold the process open; busy ones close when their call ends.
    this.agent.destroy();
  }

  tokenStatus(): TokenStatus {
    return { ...this.status, hasToken: this.token !== null };
  }

  /**
   * One renewal step (what the timer runs): renew-self; with AppRole, log in
   * again when renewal is refused or the token is no longer renewable.
   */
  async refreshToken(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.status.renewable && this.token !== null) {
        const auth = await this.renewSelf();
        this.status.renewals += 1;
        this.status.lastError = null;
        this.logger.info?.('vault token renewed', { ttlSeconds: auth.lease_duration });
        this.track(auth.lease_duration, auth.renewable);
        return;
      }
      if ('roleId' in this.auth) await this.relogin();
    } catch (err) {
      const message = err instanceof Error ? this.redactor.redact(err.message) : 'unknown error';
      this.status.lastError = message;
      if (this.closed) return;
      if ('roleId' in this.auth && !(err instanceof VaultUnavailableError)) {
        this.logger.warn('vault token renewal refused; logging in again with AppRole', { error: message });
        try {
          await this.relogin();
          return;
        } catch (loginErr) {
          this.status.lastError = loginErr instanceof Error ? this.redactor.redact(loginErr.message) : 'unknown error';
        }
      }
      this.logger.error('vault token renewal failed', { error: this.status.lastError });
      // A static token Vault refuses to renew (past max TTL, revoked) cannot be helped by retrying.
      if ('token' in this.auth && !(err instanceof VaultUnavailableError)) return;
      this.scheduleRetry();
    }
  }

  private async relogin(): Promise<VaultAuth> {
    const auth = await this.ensureLogin(true);
    this.track(auth.lease_duration, auth.renewable);
    return auth;
  }

  /** Records the token's TTL and schedules the next refresh at 2/3 of it. */
  private track(ttlSeconds: number, renewable: boolean): void {
    this.status.renewable = renewable && ttlSeconds > 0;
    this.status.expiresAt = ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : null;
    this.reloginFailures = 0;
    if (ttlSeconds <= 0) return; // non-expiring token: nothing to do
    if (!renewable && !('roleId' in this.auth)) return; // static, not renewable: it will simply expire
    this.schedule(Math.max(250, Math.floor((ttlSeconds * 1000 * 2) / 3)));
  }

  private scheduleRetry(): void {
    this.reloginFailures += 1;
    const backoff = Math.min(30_000, Math.max(250, this.retry.baseDelayMs) * 2 ** Math.min(this.reloginFailures, 8));
    const left = this.status.expiresAt === null ? backoff : (this.status.expiresAt - Date.now()) / 2;
    this.schedule(Math.max(250, Math.min(backoff, left > 0 ? left : backoff)));
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refreshToken();
    }, delayMs);
    this.timer.unref();
  }

  private assertOpen(): void {
    if (this.closed) throw new VaultClientStateError(`the Vault client for ${this.address} is closed`);
  }

  /** Logs in with the configured AppRole (single flight) and adopts the token. */
  private ensureLogin(force: boolean): Promise<VaultAuth> {
    if (!('roleId' in this.auth)) {
      return Promise.reject(new VaultClientStateError('the Vault client has no AppRole credentials'));
    }
    if (this.loginInFlight) return this.loginInFlight;
    if (!force && this.token !== null) return Promise.reject(new VaultClientStateError('already logged in'));
    const { roleId, secretId, mount } = this.auth;
    this.loginInFlight = this.loginAppRole(roleId, secretId, { mount })
      .then((auth) => {
        const previous = this.token;
        this.token = auth.client_token;
        this.redactor.add(auth.client_token);
        if (previous && previous !== auth.client_token) this.redactor.forget(previous);
        this.status.logins += 1;
        this.status.lastError = null;
        this.logger.info?.('logged in to vault with approle', { ttlSeconds: auth.lease_duration });
        return auth;
      })
      .finally(() => {
        this.loginInFlight = null;
      });
    return this.loginInFlight;
  }

  private async currentToken(): Promise<string> {
    this.assertOpen();
    if (this.token !== null) return this.token;
    if (this.loginInFlight) return (await this.loginInFlight).client_token;
    return (await this.ensureLogin(true)).client_token;
  }

  // ---------------------------------------------------------------------------
  // Generic calls

  /** GET: the response's `data`, or `null` on 404. */
  async read<T = Record<string, unknown>>(path: string): Promise<T | null> {
    const reply = await this.send('GET', path, { idempotent: true });
    if (reply.status === 404) return null;
    return (reply.body?.data ?? null) as T | null;
  }

  /** POST with a JSON body; `wrapTTL` asks for response wrapping (e.g. "60s" or 60). */
  async write<T = Record<string, unknown>>(
    path: string,
    body: unknown,
    options: { wrapTTL?: string | number; idempotent?: boolean } = {},
  ): Promise<VaultWriteResult<T>> {
    const reply = await this.send('POST', path, {
      body,
      idempotent: options.idempotent ?? false,
      ...(options.wrapTTL !== undefined ? { wrapTTL: options.wrapTTL } : {}),
    });
    if (reply.status === 404) throw this.requestError('POST', path, 404, reply.body);
    return toWriteResult<T>(reply.body);
  }

  /** LIST: `data.keys`, or `[]` when Vault answers 404 (it does for an empty folder). */
  async list(path: string): Promise<string[]> {
    const reply = await this.send('LIST', path, { idempotent: true });
    if (reply.status === 404) return [];
    const keys: unknown = reply.body?.data?.keys;
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
  }

  /** DELETE (idempotent; a 404 counts as already deleted). */
  async delete(path: string): Promise<void> {
    await this.send('DELETE', path, { idempotent: true });
  }

  // ---------------------------------------------------------------------------
  // Policies (sys/policies/acl)

  async readPolicy(name: string): Promise<string | null> {
    const data = await this.read<{ name: string; policy: string }>(`sys/policies/acl/${name}`);
    return data?.policy ?? null;
  }

  async writePolicy(name: string, policy: string): Promise<void> {
    await this.write(`sys/policies/acl/${name}`, { policy }, { idempotent: true });
  }

  async deletePolicy(name: string): Promise<void> {
    await this.delete(`sys/policies/acl/${name}`);
  }

  // ---------------------------------------------------------------------------
  // Tokens, AppRole, wrapping

  async lookupSelf(): Promise<TokenLookup> {
    const data = await this.read<TokenLookup>('auth/token/lookup-self');
    if (!data) throw this.requestError('GET', 'auth/token/lookup-self', 404, null);
    return data;
  }

  /** Renews the client's token (idempotent: renewing twice is harmless). */
  async renewSelf(increment?: string | number): Promise<VaultAuth> {
    const result = await this.write('auth/token/renew-self', increment === undefined ? {} : { increment }, {
      idempotent: true,
    });
    if (!result.auth) throw this.requestError('POST', 'auth/token/renew-self', 400, { errors: ['no auth returned'] });
    this.status.expiresAt = result.auth.lease_duration > 0 ? Date.now() + result.auth.lease_duration * 1000 : null;
    return result.auth;
  }

  /** Revokes the client's own token (e.g. on SIGTERM) and stops renewing. */
  async revokeSelf(): Promise<void> {
    await this.write('auth/token/revoke-self', {}, { idempotent: true });
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.token = null;
  }

  /**
   * Logs in with a RoleID and SecretID and returns the auth block. Sent without
   * a token; does NOT change this client's token (use `auth: {roleId, secretId}`
   * for that). Never resent after an ambiguous failure: a login may consume a
   * SecretID use.
   */
  async loginAppRole(
    roleId: string,
    secretId: string,
    options: { mount?: string | undefined } = {},
  ): Promise<VaultAuth> {
    const path = `auth/${options.mount ?? 'approle'}/login`;
    const reply = await this.send('POST', path, {
      body: { role_id: roleId, secret_id: secretId },
      token: null,
      idempotent: false,
      secrets: [roleId, secretId],
    });
    const auth = reply.status === 200 ? (reply.body?.auth as VaultAuth | null) : null;
    if (!auth) throw this.requestError('POST', path, reply.status, reply.body);
    return auth;
  }

  /**
   * Unwraps a response-wrapping token (sent as X-Vault-Token, so no token of
   * our own is needed) and returns the original response. Single use, never resent.
   */
  async unwrap<T = Record<string, unknown>>(wrappingToken: string): Promise<VaultWriteResult<T>> {
    const reply = await this.send('POST', 'sys/wrapping/unwrap', {
      token: wrappingToken,
      idempotent: false,
      secrets: [wrappingToken],
    });
    if (reply.status === 404) throw this.requestError('POST', 'sys/wrapping/unwrap', 404, reply.body);
    return toWriteResult<T>(reply.body);
  }

  /** KV version 2 helpers on a mount (default `secret`). */
  kvV2(mount = 'secret'): KvV2 {
    return new KvV2(this, mount.replace(/^\/+|\/+$/g, ''));
  }

  // ---------------------------------------------------------------------------
  // Transport

  /**
   * One logical call with timeouts and bounded retries. Resolves for 200, 204
   * and 404; throws a VaultError subclass for anything else.
   */
  async send(method: VaultMethod, path: string, options: SendOptions): Promise<VaultReply> {
    checkPath(path);
    let token: string | null;
    let fromLogin = false;
    if (options.token === undefined) {
      token = await this.currentToken();
      fromLogin = 'roleId' in this.auth;
    } else {
      this.assertOpen();
      token = options.token;
    }
    try {
      return await this.sendWithRetries(method, path, token, options);
    } catch (err) {
      // An AppRole token that Vault no longer knows (revoked, expired): log in again once.
      if (
        fromLogin &&
        err instanceof VaultPermissionError &&
        err.errors.some((e) => e.includes('invalid token')) &&
        !this.closed
      ) {
        this.logger.warn('vault token rejected; logging in again with AppRole', { method, path });
        const auth = await this.relogin();
        return this.sendWithRetries(method, path, auth.client_token, options);
      }
      throw err;
    }
  }

  private async sendWithRetries(
    method: VaultMethod,
    path: string,
    token: string | null,
    options: SendOptions,
  ): Promise<VaultReply> {
    if (!this.onRequest) return this.sendWithRetriesUnobserved(method, path, token, options);
    const started = process.hrtime.bigint();
    const report = (outcome: VaultRequestEvent['outcome']) => {
      try {
        this.onRequest?.({
          method,
          path: path.split('?')[0] ?? path,
          outcome,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
        });
      } catch {
        // An observer must never break a Vault call.
      }
    };
    try {
      const reply = await this.sendWithRetriesUnobserved(method, path, token, options);
      report(reply.status === 404 ? 'not_found' : 'ok');
      return reply;
    } catch (err) {
      report(err instanceof VaultUnavailableError ? 'unavailable' : 'refused');
      throw err;
    }
  }

  private async sendWithRetriesUnobserved(
    method: VaultMethod,
    path: string,
    token: string | null,
    options: SendOptions,
  ): Promise<VaultReply> {
    const deadline = Date.now() + this.totalTimeoutMs;
    let everSent = false;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      let failure: Unavailable;
      if (remaining <= 0) {
        failure = new Unavailable('timeout', `no answer within ${this.totalTimeoutMs} ms`, false, false);
      } else {
        const outcome = await this.attempt(method, path, token, options, Math.min(this.timeoutMs, remaining));
        if (!(outcome instanceof Unavailable)) return outcome;
        failure = outcome;
      }
      if (!failure.notSent) everSent = true;
      const mayRetry = failure.notSent || (options.idempotent && failure.retryable);
      const delay = this.backoff(attempt);
      if (!mayRetry || attempt >= this.retry.attempts || Date.now() + delay >= deadline) {
        throw new VaultUnavailableError(failure.reason, {
          address: this.address,
          method,
          path,
          attempts: attempt,
          detail: failure.detail,
          neverSent: !everSent,
          ...(failure.status !== undefined ? { status: failure.status } : {}),
        });
      }
      this.logger.warn('vault unavailable; retrying', {
        method,
        path,
        attempt,
        reason: failure.reason,
        delayMs: Math.round(delay),
      });
      await sleep(delay);
    }
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return cap / 2 + Math.random() * (cap / 2);
  }

  /** One HTTP exchange: a reply, an Unavailable, or a thrown 4xx VaultError. */
  private async attempt(
    method: VaultMethod,
    path: string,
    token: string | null,
    options: SendOptions,
    timeoutMs: number,
  ): Promise<VaultReply | Unavailable> {
    // A fresh header object each time: node-vault mutates it.
    const headers: Record<string, string> = {};
    if (token) headers['X-Vault-Token'] = token;
    if (options.wrapTTL !== undefined) headers['X-Vault-Wrap-TTL'] = String(options.wrapTTL);
    if (this.namespace) headers['X-Vault-Namespace'] = this.namespace;
    const requestOptions = { headers, timeout: timeoutMs };

    let call: Promise<unknown>;
    switch (method) {
      case 'GET':
        call = this.nv.read(path, requestOptions);
        break;
      case 'LIST':
        call = this.nv.list(path, requestOptions);
        break;
      case 'DELETE':
        call = this.nv.delete(path, requestOptions);
        break;
      case 'POST':
        call = this.nv.write(path, options.body, requestOptions);
        break;
    }

    // The transport's timeout is a socket idle timeout; this guard makes the bound hard.
    let guard: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      guard = setTimeout(() => resolve('timeout'), timeoutMs + 50);
    });
    try {
      const result = await Promise.race([call, timedOut]);
      if (result === 'timeout') {
        call.catch(() => undefined);
        return new Unavailable('timeout', `timed out after ${timeoutMs} ms`, false, true);
      }
      return { status: result === '' || result === undefined ? 204 : 200, body: result === '' ? null : result };
    } catch (err) {
      return this.classify(err, method, path, options.secrets ?? []);
    } finally {
      clearTimeout(guard);
    }
  }

  private classify(
    err: unknown,
    method: VaultMethod,
    path: string,
    secrets: readonly string[],
  ): VaultReply | Unavailable {
    const e = err as {
      constructor?: { name?: string };
      response?: { statusCode?: number; body?: unknown };
      code?: string;
    };
    if (e?.constructor?.name === 'ApiResponseError' && typeof e.response?.statusCode === 'number') {
      const status = e.response.statusCode;
      const body = e.response.body;
      if (status === 404) return { status: 404, body };
      if (status === 429 || status >= 500) {
        const texts = errorTexts(body).join(' ');
        let reason: UnavailableReason = 'server-error';
        if (/sealed/i.test(texts)) reason = 'sealed';
        else if (/standby|not active|no active/i.test(texts)) reason = 'standby';
        const detail = reason === 'server-error' ? `HTTP ${status}` : `HTTP ${status}, ${reason}`;
        return new Unavailable(reason, detail, false, RETRYABLE_STATUSES.has(status), status);
      }
      throw this.requestError(method, path, status, body, secrets);
    }
    const code = typeof e?.code === 'string' ? e.code : '';
    if (NOT_SENT_CODES.has(code)) {
      const reason = code === 'ECONNREFUSED' ? 'connection-refused' : 'network';
      return new Unavailable(reason, reason === 'network' ? `network error ${code}` : 'connection refused', true, true);
    }
    if (TIMEOUT_CODES.has(code)) return new Unavailable('timeout', 'timed out', false, true);
    if (RESET_CODES.has(code)) return new Unavailable('connection-reset', 'connection reset', false, true);
    // Every transport failure carries Node's error code (transport.ts).
    if (code) return new Unavailable('network', `network error ${code}`, false, true);
    // Not an HTTP failure (a bug, or node-vault refusing its input): surface it without its details.
    throw new VaultClientStateError(
      `unexpected failure calling Vault at ${this.address} (${method} ${path}): ${
        err instanceof Error ? this.redactor.redact(err.message, secrets) : 'unknown'
      }`,
    );
  }

  private requestError(
    method: string,
    path: string,
    status: number,
    body: unknown,
    secrets: readonly string[] = [],
  ): VaultError {
    const errors = errorTexts(body).map((t) => this.redactor.redact(t, secrets));
    const details = { address: this.address, method, path, status, errors };
    if (status === 403) return new VaultPermissionError(details);
    if (status === 404) return new VaultNotFoundError(details);
    if (status === 400 && errors.some((t) => t.includes('check-and-set parameter'))) {
      return new VaultCasMismatchError(details);
    }
    return new VaultRequestError(details);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toWriteResult<T>(body: any): VaultWriteResult<T> {
  if (!body || typeof body !== 'object') return { data: null, auth: null, wrapInfo: null, warnings: [] };
  return {
    data: (body.data ?? null) as T | null,
    auth: (body.auth ?? null) as VaultAuth | null,
    wrapInfo: (body.wrap_info ?? null) as VaultWrapInfo | null,
    warnings: Array.isArray(body.warnings) ? (body.warnings as string[]) : [],
  };
}
