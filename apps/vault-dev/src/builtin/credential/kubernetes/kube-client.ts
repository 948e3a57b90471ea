/**
 * The plugin's HTTP client to the Kubernetes API: HTTPS trusting the
 * configured CA (the system pool when none is set), or plain HTTP for a local
 * stand-in, with the headers helpers.go's setRequestHeader sets. Failures
 * carry Go's `<Method> "<url>": <cause>` text; they only ever reach logs (a
 * login answers `permission denied`), so the JWT is never part of them.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Go's http.Client in the plugin has no overall timeout; this one stops a login from hanging forever. */
const REQUEST_TIMEOUT_MS = 30_000;
/** A reply larger than this is not a TokenReview or a Namespace. */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;

export interface KubeRequest {
  method: 'GET' | 'POST';
  /** `kubernetes_host` as configured. */
  host: string;
  /** The API path, starting with `/`. */
  path: string;
  bearer: string;
  /** PEM bundle to trust; empty = the system's CAs. */
  caCert: string;
  body?: string;
}

export interface KubeReply {
  status: number;
  body: string;
}

export class KubeRequestError extends Error {}

/** strings.TrimSuffix(host, "/") + path, as the plugin builds its URLs. */
export function kubeUrl(host: string, path: string): string {
  return (host.endsWith('/') ? host.slice(0, -1) : host) + path;
}

export function kubeRequest(req: KubeRequest): Promise<KubeReply> {
  const url = kubeUrl(req.host, req.path);
  const verb = req.method === 'GET' ? 'Get' : 'Post';
  const fail = (cause: string) => new KubeRequestError(`${verb} ${JSON.stringify(url)}: ${cause}`);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(fail('unsupported protocol scheme ""'));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.reject(fail(`unsupported protocol scheme ${JSON.stringify(target.protocol.replace(/:$/, ''))}`));
  }
  const headers: Record<string, string> = {
    Authorization: `Bearer ${req.bearer}`.trim(),
    'Content-Type': 'application/json',
    Accept: 'application/json',
  };
  if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));

  return new Promise<KubeReply>((resolve, reject) => {
    const onReply = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REPLY_BYTES) {
          res.destroy();
          reject(fail('reply too large'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => reject(fail(err.message)));
    };
    const options = { method: req.method, headers, timeout: REQUEST_TIMEOUT_MS };
    let outgoing;
    try {
      outgoing =
        target.protocol === 'https:'
          ? httpsRequest(target, { ...options, ...(req.caCert !== '' ? { ca: req.caCert } : {}) }, onReply)
          : httpRequest(target, options, onReply);
    } catch (err) {
      // A CA bundle Node cannot load: TLS verification cannot succeed.
      reject(fail(`tls: ${(err as Error).message}`));
      return;
    }
    outgoing.on('timeout', () => outgoing.destroy(new Error('Client.Timeout exceeded while awaiting headers')));
    outgoing.on('error', (err) => reject(fail(causeOf(err))));
    outgoing.end(req.body);
  });
}

/** Go-like wording for the common network failures. */
function causeOf(err: NodeJS.ErrnoException): string {
  const address = 'address' in err && 'port' in err ? `${String(err.address)}:${String(err.port)}` : '';
  if (err.code === 'ECONNREFUSED') return `dial tcp ${address}: connect: connection refused`;
  if (err.code === 'ENOTFOUND')
    return `dial tcp: lookup ${String((err as { hostname?: string }).hostname ?? '')}: no such host`;
  return err.message;
}
