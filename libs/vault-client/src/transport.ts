/**
 * The HTTP transport node-vault sends through (its `request-promise` option): node:http on the
 * client's keep-alive agent, the request written in one piece.
 *
 * Why not node-vault's default (axios + follow-redirects): it cost ~1.2 ms of CPU per call on top
 * of the exchange itself (bench/README.md, issue 15) — config merging, the redirect wrapper, and a
 * POST's headers and body written as separate segments, each a syscall plus loopback delivery.
 * Vault answers with redirects only on standby nodes that cannot forward, which we report as
 * unavailable anyway. node-vault still builds every request and judges every answer.
 */
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';

/** What node-vault hands its transport (a subset of the old `request` library's options). */
export interface TransportRequest {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  json?: unknown;
  /** Socket idle timeout, ms. */
  timeout?: number;
}

/** What node-vault expects back: it rejects anything but 200/204 itself. */
export interface TransportResponse {
  statusCode: number;
  /** Parsed JSON; the raw text when it is not JSON; '' for an empty body. */
  body: unknown;
  request: { path: string };
}

export type Send = (options: TransportRequest) => Promise<TransportResponse>;

/** A failure shaped like Node's own (`code`), which the client's classification reads. */
function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    res.on('error', reject);
    res.on('aborted', () => reject(codedError('the connection closed mid-answer', 'ECONNRESET')));
  });
}

function parse(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One exchange with Vault on `agent`. */
export function createSend(agent: HttpAgent | HttpsAgent, secure: boolean): Send {
  const request = secure ? httpsRequest : httpRequest;
  return (options) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const url = new URL(options.uri);
      const payload = options.json !== undefined && options.json !== null ? JSON.stringify(options.json) : undefined;
      const headers: Record<string, string | number> = { ...options.headers, Accept: 'application/json' };
      if (payload !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = Buffer.byteLength(payload);
      }
      const req = request(url, { method: options.method, headers, agent }, (res) => {
        readBody(res).then(
          (text) => resolve({ statusCode: res.statusCode ?? 0, body: parse(text), request: { path: url.pathname } }),
          reject,
        );
      });
      req.on('error', reject);
      if (options.timeout !== undefined) {
        req.setTimeout(options.timeout, () =>
          req.destroy(codedError(`no answer within ${options.timeout} ms`, 'ETIMEDOUT')),
        );
      }
      // Headers and body leave in one write.
      req.end(payload);
    });
}

/** The `request-promise`-shaped object node-vault's config accepts; node-vault calls `defaults()` once. */
export function nodeVaultTransport(send: Send): { defaults: () => Send } {
  return { defaults: () => send };
}
