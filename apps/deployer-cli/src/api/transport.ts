/**
 * One HTTP exchange with the Secret API over node:http / node:https. Not fetch: on Node 20 the first fetch costs
 * ~200 ms of CPU (undici's bootstrap and its llhttp WebAssembly), most of what `deployer roleid` spends besides the
 * API's own answer (issue 15). What this module promises, and nothing more: the whole exchange — connect, TLS,
 * answer, body — ends within `timeoutMs`; redirects are returned, never followed; a body beyond `maxBodyBytes` is
 * refused; the body is read as UTF-8 text. Certificates are verified by Node's defaults (its CA store plus
 * NODE_EXTRA_CA_CERTS), since no `ca` or `rejectUnauthorized` is ever passed.
 */
import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage, request as httpRequest } from 'node:http';

export interface TransportRequest {
  method: string;
  url: URL;
  headers: Readonly<Record<string, string>>;
  /** Sent as is, with its Content-Length; the caller sets Content-Type. */
  body?: string;
  timeoutMs: number;
  /** Default MAX_BODY_BYTES. */
  maxBodyBytes?: number;
}

export interface TransportResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** No API answer is anywhere near this: a larger body is a wrong URL or a broken proxy, not data to hold in memory. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The exchange did not finish within timeoutMs (connect, TLS and reading the body included). */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

/** The answer's body is (or announces itself as) larger than the bound; it was not read further. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`the answer's body is larger than ${limitBytes} bytes`);
  }
}

type RequestFn = typeof httpRequest;

/**
 * One agent per protocol, created on first use: a command that makes several calls (pages of a list, a deploy)
 * reuses its connection, as fetch did. Node unrefs an idle pooled socket, so it never keeps the CLI running after
 * its last answer. The idle timeout (Node's own global agent's) is what lets Node shorten it to a second under the
 * server's announced `Keep-Alive: timeout=`, so an idle socket is dropped before the server closes it under a request.
 */
const AGENT_OPTIONS = { keepAlive: true, timeout: 5_000 };
const clients = new Map<string, Promise<{ request: RequestFn; agent: HttpAgent }>>();

function clientFor(protocol: string): Promise<{ request: RequestFn; agent: HttpAgent }> {
  let client = clients.get(protocol);
  if (client === undefined) {
    // Loaded by protocol: a plain-http run never loads tls.
    if (protocol === 'http:') {
      client = import('node:http').then((http) => ({
        request: http.request,
        agent: new http.Agent(AGENT_OPTIONS),
      }));
    } else if (protocol === 'https:') {
      client = import('node:https').then((https) => ({
        request: https.request as RequestFn,
        agent: new https.Agent(AGENT_OPTIONS),
      }));
    } else {
      return Promise.reject(new TypeError(`unsupported protocol ${protocol} (http: or https: only)`));
    }
    clients.set(protocol, client);
  }
  return client;
}

export async function send(request: TransportRequest): Promise<TransportResponse> {
  // node:http would quietly connect to the protocol's default port instead.
  if (request.url.port === '0') throw new TypeError('port 0 is not a port to connect to');
  const { request: open, agent } = await clientFor(request.url.protocol);
  const maxBodyBytes = request.maxBodyBytes ?? MAX_BODY_BYTES;
  const headers: Record<string, string> = { ...request.headers };
  // Node itself sends Content-Length: 0 when there is no body (a body-less PUT is not chunked), as fetch did.
  if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));

  return new Promise<TransportResponse>((resolve, reject) => {
    let settled = false;
    let response: IncomingMessage | undefined;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (err: Error): void =>
      finish(() => {
        reject(err);
        // Destroying both ends the exchange whatever stage it is at; the socket is not returned to the pool.
        response?.destroy();
        req.destroy();
      });

    const req = open(request.url, { method: request.method, headers, agent }, (res) => {
      response = res;
      res.on('error', fail);
      const announced = Number(res.headers['content-length']);
      if (Number.isFinite(announced) && announced > maxBodyBytes) return fail(new ResponseTooLargeError(maxBodyBytes));
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBodyBytes) return fail(new ResponseTooLargeError(maxBodyBytes));
        chunks.push(chunk);
      });
      res.on('end', () =>
        finish(() =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            // Decoded once, whole, so a character split across chunks stays whole; a BOM is dropped, as fetch did.
            body: Buffer.concat(chunks)
              .toString('utf8')
              .replace(/^\uFEFF/, ''),
          }),
        ),
      );
    });
    const timer = setTimeout(() => fail(new RequestTimeoutError(request.timeoutMs)), request.timeoutMs);
    req.on('error', fail);
    req.end(request.body);
  });
}
