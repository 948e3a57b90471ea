/**
 * The few Vault calls the sidecar makes, over node:http(s): `fetch` would load undici, which
 * costs about 10 MiB of RSS in a process meant to stay small, and cannot take a CA bundle
 * (VAULT_CACERT) — and under the image's --jitless there is no WebAssembly, which undici's
 * HTTP parser needs: `fetch` would crash the program. One attempt per call with a deadline;
 * retrying is the caller's decision, because only the caller knows how long the item it is
 * keeping has left.
 */
import type http from 'node:http';
import type https from 'node:https';
import { VaultRefusedError, VaultUnavailableError } from './errors.js';

export interface VaultCall {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  /** This call's deadline in ms (the caller shortens it when the item is close to expiring). */
  timeoutMs: number;
}

/** The response envelope, the parts we read. */
export interface VaultEnvelope {
  lease_id?: string;
  renewable?: boolean;
  lease_duration?: number;
  data?: Record<string, unknown> | null;
  auth?: { accessor?: string; lease_duration?: number; renewable?: boolean } | null;
  warnings?: string[] | null;
  errors?: string[];
}

export class VaultClient {
  private readonly agent: http.Agent;
  private readonly base: string;

  /** node:https (and with it TLS) is loaded only for an https Vault: a megabyte saved otherwise. */
  static async create(addr: URL, token: string, caCert?: Buffer): Promise<VaultClient> {
    const transport =
      addr.protocol === 'https:' ? (await import('node:https')).default : (await import('node:http')).default;
    return new VaultClient(addr, token, transport, caCert);
  }

  private constructor(
    addr: URL,
    private readonly token: string,
    private readonly transport: typeof http | typeof https,
    caCert?: Buffer,
  ) {
    // The idle timeout (Node's global agent's) drops an idle socket before Vault or a load balancer closes it under
    // a renewal, and lets Node shorten it under a server's announced `Keep-Alive: timeout=`.
    this.agent = new transport.Agent({
      keepAlive: true,
      timeout: 5_000,
      maxSockets: 4,
      ...(caCert ? { ca: caCert } : {}),
    });
    this.base = addr.toString().replace(/\/+$/, '');
  }

  get address(): string {
    return this.base;
  }

  /**
   * The envelope of a 2xx answer. Throws VaultUnavailableError when Vault cannot be reached,
   * times out, or answers 5xx or 429 (worth retrying); VaultRefusedError on any other status.
   */
  async call(req: VaultCall): Promise<VaultEnvelope> {
    const { status, body } = await this.once(req);
    if (status >= 200 && status < 300) return body ?? {};
    const text = errorText(body);
    const what = `${req.method} ${req.path}: Vault answered ${status}${text ? ` (${text})` : ''}`;
    if (status >= 500 || status === 429) throw new VaultUnavailableError(what);
    throw new VaultRefusedError(status, text, what);
  }

  close(): void {
    this.agent.destroy();
  }

  private once(req: VaultCall): Promise<{ status: number; body: VaultEnvelope | undefined }> {
    const url = new URL(`${this.base}/v1/${req.path}`);
    const headers: Record<string, string> = { 'X-Vault-Request': 'true', 'X-Vault-Token': this.token };
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const transport = this.transport;
    return new Promise((resolve, reject) => {
      const unreachable = (reason: string) =>
        new VaultUnavailableError(`${req.method} ${req.path}: Vault at ${this.base} is unreachable (${reason})`);
      const r = transport.request(url, { method: req.method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) => reject(unreachable(err.code ?? err.message)));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: VaultEnvelope | undefined;
          try {
            body = text ? (JSON.parse(text) as VaultEnvelope) : undefined;
          } catch {
            body = undefined; // a proxy's HTML error page: the status says enough
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      const timer = setTimeout(
        () => {
          r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
        },
        Math.max(1, req.timeoutMs),
      );
      r.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          unreachable(err.code === 'ETIMEDOUT' ? `no answer within ${req.timeoutMs} ms` : (err.code ?? err.message)),
        );
      });
      r.end(payload);
    });
  }
}

/** Vault's error strings on one bounded line (they name leases and paths, never a token). */
function errorText(body: VaultEnvelope | undefined): string {
  const errors = Array.isArray(body?.errors) ? body.errors.filter((e): e is string => typeof e === 'string') : [];
  const text = errors
    .map((e) =>
      e
        .replace(/^\d+ errors? occurred:\s*/, '')
        .replace(/\s*\*\s*/g, ' ')
        .trim(),
    )
    .filter(Boolean)
    .join('; ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
