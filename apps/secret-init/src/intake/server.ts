/**
 * The port the controller delivers the SecretID to. It accepts exactly one good
 * `POST /secret-id` (`{"wrappingToken": "…"}`, the Secret API's response shape, forwarded as is),
 * then closes. A bad request is answered and the wait goes on; an alarm (a token used between its
 * lookup and its unwrap) or a Vault failure after unwrapping ends it. Anyone who can reach the pod
 * can post here, so deliveries are handled side by side (at most MAX_IN_FLIGHT looked up at once,
 * counted only once a whole body is in): neither a flood of bad ones nor a client sending its body
 * slowly stops the pod or keeps the controller's from being read. Bounded body, bounded wait.
 */
import http from 'node:http';
import { finished } from 'node:stream';
import * as z from 'zod/mini';
import { IntakeTimeoutError, SecretInitError } from '../errors.js';

export const MAX_BODY_BYTES = 4096;
export const MAX_IN_FLIGHT = 64;

const ZDelivery = z.object({
  wrappingToken: z.string().check(z.minLength(1), z.maxLength(1024)),
  /** Optional: the wrapping token's accessor, so an alarm can name it. Extra fields are ignored. */
  accessor: z.optional(z.string().check(z.maxLength(256))),
});
export type Delivery = z.infer<typeof ZDelivery>;

/** What `accept` throws to answer the request: `fatal` ends the wait with this error. */
export class IntakeRefusal extends SecretInitError {
  override name = 'IntakeRefusal';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly fatal: SecretInitError | null,
  ) {
    super(detail);
  }
}

export interface IntakeOptions<T> {
  host: string;
  port: number;
  timeoutMs: number;
  onListening?: (address: { host: string; port: number }) => void;
  /**
   * Handles one delivery; may be called again before an earlier call settles. Resolves: answer 204 and
   * finish. Throws IntakeRefusal: answer it.
   */
  accept: (delivery: Delivery) => Promise<T>;
}

/** Listens until one delivery is accepted (resolves with its result) or the wait fails. */
export function waitForDelivery<T>(opts: IntakeOptions<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let inFlight = 0;
    let done = false;
    const server = http.createServer({ requestTimeout: 5_000, headersTimeout: 5_000 }, (req, res) => {
      void handle(req, res);
    });
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      server.close();
      server.closeAllConnections();
      outcome();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new IntakeTimeoutError(`no SecretID was delivered to port ${opts.port} within ${opts.timeoutMs / 1000} s`),
          ),
        ),
      opts.timeoutMs,
    );

    async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/secret-id') return answer(res, 404, 'the only path here is POST /secret-id');
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        return answer(res, 405, 'use POST');
      }
      if (done) return answer(res, 503, 'a SecretID was already accepted');
      // The body first, holding nothing: a client that sends it slowly (or never) keeps only its own connection.
      let body: string | null;
      try {
        body = await readBody(req);
      } catch {
        return void res.destroy();
      }
      if (body === null) return answer(res, 413, `the body must be at most ${MAX_BODY_BYTES} bytes`);
      const delivery = parseDelivery(body);
      if (delivery === null) return answer(res, 400, 'the body must be JSON {"wrappingToken": "<token>"}');
      if (done) return answer(res, 503, 'a SecretID was already accepted');
      if (inFlight >= MAX_IN_FLIGHT) return answer(res, 503, 'too many deliveries at once; deliver again');
      inFlight++;
      try {
        const result = await opts.accept(delivery);
        // Once answered — or once the client is gone: a deliverer that gave up waiting (Vault slow) must not leave
        // this run, already logged in, waiting for an answer nobody reads.
        finished(res, () => finish(() => resolve(result)));
        res.writeHead(204).end();
      } catch (err) {
        if (err instanceof IntakeRefusal) {
          const fatal = err.fatal;
          if (fatal) finished(res, () => finish(() => reject(fatal)));
          return answer(res, err.status, err.detail);
        }
        const failure = err instanceof SecretInitError ? err : new SecretInitError(String((err as Error).message));
        finished(res, () => finish(() => reject(failure)));
        return answer(res, 502, 'the SecretID could not be used; see the init container log');
      } finally {
        inFlight--;
      }
    }

    server.on('error', (err: NodeJS.ErrnoException) =>
      finish(() =>
        reject(new SecretInitError(`cannot listen on ${opts.host}:${opts.port} (${err.code ?? err.message})`)),
      ),
    );
    server.listen(opts.port, opts.host, () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : opts.port;
      opts.onListening?.({ host: opts.host, port });
    });
  });
}

function answer(res: http.ServerResponse, status: number, detail: string): void {
  const body = JSON.stringify({ title: http.STATUS_CODES[status] ?? 'Error', status, detail });
  res.writeHead(status, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The body, or null once it passes the limit (the rest is not read). */
function readBody(req: http.IncomingMessage): Promise<string | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseDelivery(text: string): Delivery | null {
  try {
    const parsed = ZDelivery.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
