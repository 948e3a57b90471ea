/**
 * A small Vault HTTP client: node:http(s) rather than fetch, because fetch cannot take a CA
 * bundle (VAULT_CACERT) without an extra dependency. Keep-alive sockets so a run's parallel
 * reads share connections; a deadline per request; bounded retries with backoff only where a
 * retry cannot do something twice (see `retryable`).
 */
import http from 'node:http';
import https from 'node:https';
import { VaultHttpError, VaultUnreachableError, vaultErrorText } from '../errors.js';
import { encodePath } from './paths.js';

export interface VaultClientOptions {
  addr: URL;
  caCert?: Buffer | undefined;
  namespace?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  /** First backoff step; doubles per retry, capped at 2 s. */
  retryBaseMs?: number;
}

/** Vault's response envelope, the parts we use. */
export interface VaultEnvelope {
  lease_id?: string;
  renewable?: boolean;
  lease_duration?: number;
  data?: Record<string, unknown> | null;
  auth?: {
    client_token: string;
    accessor?: string;
    lease_duration: number;
    renewable: boolean;
    policies?: string[];
  } | null;
  errors?: string[];
}

export interface VaultRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  /** Token for this call; `null` sends none (unauthenticated endpoints). Default: the client's. */
  token?: string | null;
  /**
   * The request may be sent again after a timeout or a 502/504 (reads, lookups). Requests that
   * create something (a lease, a certificate, a login) are retried only when Vault surely did
   * not act: the connection was refused, or Vault said 503 (sealed, standby).
   */
  idempotent?: boolean;
  /** Put Vault's error text into error messages (false where the request carried secret data). */
  quoteVaultErrors?: boolean;
  /** Retries for this request; default the client's `maxRetries`. */
  retries?: number;
}

export interface VaultReply {
  status: number;
  body: VaultEnvelope | undefined;
}

/** Parallel connections to Vault: enough for a run's reads in one go, few enough to be polite. */
const MAX_SOCKETS = 32;
/** Connections opened ahead while the intake waits (see openConnections). */
const MAX_WARM_CONNECTIONS = 4;

/**
 * An idle kept-alive connection is closed after this long: well under the idle timeouts of Vault (5 min)
 * and of load balancers in front of it (60 s for an AWS ALB), so a request is not sent down a connection
 * the other side has silently dropped. (Node also honours a server's `Keep-Alive: timeout=` hint.)
 */
const IDLE_SOCKET_MS = 30_000;

/** Socket errors raised before a request could reach Vault: always safe to retry. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export class VaultClient {
  token: string | undefined;
  private readonly agent: http.Agent;
  private readonly base: string;

  constructor(private readonly options: VaultClientOptions) {
    const tls = options.addr.protocol === 'https:';
    const pool = { keepAlive: true, maxSockets: MAX_SOCKETS, timeout: IDLE_SOCKET_MS };
    this.agent = tls
      ? new https.Agent({ ...pool, ...(options.caCert ? { ca: options.caCert } : {}) })
      : new http.Agent(pool);
    this.base = options.addr.toString().replace(/\/+$/, '');
  }

  get address(): string {
    return this.base;
  }

  /** Sends the request; answers any status (callers decide), throws only when Vault is unreachable. */
  async send(req: VaultRequest): Promise<VaultReply> {
    const max = req.retries ?? this.options.maxRetries;
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await this.once(req);
        const again =
          reply.status === 503 || (req.idempotent === true && (reply.status === 502 || reply.status === 504));
        if (again && attempt < max) {
          await this.backoff(attempt);
          continue;
        }
        return reply;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        const retryable = CONNECT_ERRORS.has(code) || req.idempotent === true;
        if (retryable && attempt < max) {
          await this.backoff(attempt);
          continue;
        }
        const reason =
          code === 'ETIMEDOUT' ? `no answer within ${this.options.timeoutMs} ms` : code || (err as Error).message;
        throw new VaultUnreachableError(
          `Vault at ${this.base} is unreachable (${reason}) for ${req.method} ${req.path} after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}`,
        );
      }
    }
  }

  /** Sends the request and returns the envelope of a 2xx answer; anything else is a VaultHttpError. */
  async call(req: VaultRequest): Promise<VaultEnvelope> {
    const reply = await this.send(req);
    if (reply.status >= 200 && reply.status < 300) return reply.body ?? {};
    throw httpError(req, reply);
  }

  /**
   * Opens up to `count` kept-alive connections now (unauthenticated `sys/seal-status` reads, not
   * retried, failures ignored), so a burst of parallel reads later finds them ready instead of
   * paying for TCP and TLS handshakes, on both sides, at the moment that counts.
   */
  async openConnections(count: number): Promise<void> {
    // A few, not one per parallel read: in a pod storm every waiting pod holds these open, and a Vault behind a
    // connection-limited load balancer must not see thousands of idle sockets.
    const n = Math.min(Math.max(count, 0), MAX_WARM_CONNECTIONS);
    await Promise.allSettled(
      Array.from({ length: n }, () =>
        this.send({ method: 'GET', path: 'sys/seal-status', token: null, idempotent: true, retries: 0 }),
      ),
    );
  }

  close(): void {
    this.agent.destroy();
  }

  private backoff(attempt: number): Promise<void> {
    const ms = Math.min(2000, (this.options.retryBaseMs ?? 100) * 2 ** attempt);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  private once(req: VaultRequest): Promise<VaultReply> {
    const url = new URL(`${this.base}/v1/${encodePath(req.path)}`);
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
    const token = req.token === undefined ? this.token : req.token;
    if (token) headers['X-Vault-Token'] = token;
    if (this.options.namespace) headers['X-Vault-Namespace'] = this.options.namespace;
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<VaultReply>((resolve, reject) => {
      const r = transport.request(url, { method: req.method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: VaultEnvelope | undefined;
          try {
            body = text ? (JSON.parse(text) as VaultEnvelope) : undefined;
          } catch {
            // A proxy's HTML error page, say: keep the status, drop the body.
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      const timer = setTimeout(() => {
        r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
      }, this.options.timeoutMs);
      r.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      r.end(payload);
    });
  }
}

function httpError(req: VaultRequest, reply: VaultReply): VaultHttpError {
  const errors = Array.isArray(reply.body?.errors) ? reply.body.errors.filter((e) => typeof e === 'string') : [];
  const text = req.quoteVaultErrors === false ? '' : vaultErrorText(errors);
  // Vault answers a path no engine is mounted at with 404 "no handler for route" (or, to a token whose policy does
  // not cover it, 403 as for any such path): said apart from a secret that is not there.
  const unmounted = reply.status === 404 && errors.some((e) => e.includes('no handler for route'));
  const what = unmounted
    ? 'no secrets engine is mounted at that path'
    : reply.status === 404
      ? 'not found'
      : reply.status === 403
        ? "permission denied (the pod's policy does not allow this path, or nothing is mounted there)"
        : `Vault answered ${reply.status}`;
  const quoted = text && (unmounted || (reply.status !== 404 && reply.status !== 403));
  return new VaultHttpError(
    reply.status,
    req.method,
    req.path,
    errors,
    `${req.method} ${req.path}: ${what}${quoted ? ` (${text})` : ''}`,
  );
}
