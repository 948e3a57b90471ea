/**
 * A small JSON-over-HTTP(S) client on node:http(s) with keep-alive agents: the Kubernetes API, the Secret API
 * and pod intakes all go through it. (Not fetch: it cannot take a CA bundle without another dependency.)
 */
import http from 'node:http';
import https from 'node:https';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
  }
}

/** The request never got an answer (refused, reset, timed out): the peer may not have acted. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface HttpResponse {
  status: number;
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

export interface RequestOptions {
  method: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Content type of a JSON body; default application/json. */
  contentType?: string;
  timeoutMs?: number;
  /** A 2xx answer's body is not read into memory (writes whose echo of the object nobody uses). */
  discardBody?: boolean;
}

export function agentFor(url: string, options: { ca?: string | undefined; maxSockets?: number } = {}): http.Agent {
  // The idle timeout (Node's global agent's) drops an idle socket before the server closes it under a request, and
  // lets Node shorten it under a server's announced `Keep-Alive: timeout=`. A request's own timeout replaces it.
  const common = { keepAlive: true, timeout: 5_000, maxSockets: options.maxSockets ?? 64 };
  return url.startsWith('https:')
    ? new https.Agent({ ...common, ...(options.ca ? { ca: options.ca } : {}) })
    : new http.Agent(common);
}

const MAX_BODY = 16 * 1024 * 1024;

export function request(url: string, agent: http.Agent | undefined, options: RequestOptions): Promise<HttpResponse> {
  const transport = url.startsWith('https:') ? https : http;
  const payload =
    options.body === undefined
      ? undefined
      : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (payload) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method: options.method, headers, ...(agent ? { agent } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (options.discardBody && status >= 200 && status < 300) {
        res.resume();
        res.on('end', () => resolve({ status, body: undefined, headers: res.headers }));
        res.on('error', (err) => reject(new TransportError(err.message, (err as NodeJS.ErrnoException).code)));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        if (text && /json/.test(res.headers['content-type'] ?? '')) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        resolve({ status, body, headers: res.headers });
      });
      res.on('error', (err) => reject(new TransportError(err.message, (err as NodeJS.ErrnoException).code)));
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () =>
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (err) => reject(new TransportError(err.message, (err as NodeJS.ErrnoException).code)));
    req.end(payload);
  });
}
