/**
 * An HTTP proxy in front of Vault that can hold back the response to a write after Vault has
 * applied it: the way to put a crash or a database failure exactly between "Vault has the new
 * version" and "the API has heard so".
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createListAwareServer, originalMethod } from 'vault-dev';

export interface VaultGate {
  address: string;
  /**
   * Hold the response of the next request whose method and path match; with `before`, hold the request itself,
   * before Vault sees it (sent on release even if its client has given up, as a slow Vault would still apply it).
   */
  arm(match: (method: string, path: string) => boolean, options?: { before?: boolean }): void;
  /** Resolves once the request is held: with Vault's answer (its write applied), or before it reached Vault. */
  held(): Promise<void>;
  /** Lets the held response through. */
  release(): void;
  close(): Promise<void>;
}

export async function startVaultGate(target: string): Promise<VaultGate> {
  const upstream = new URL(target);
  let matcher: ((method: string, path: string) => boolean) | null = null;
  let holdBefore = false;
  let heldResolve: () => void = () => undefined;
  let heldPromise = new Promise<void>((r) => (heldResolve = r));
  let releaseResolve: () => void = () => undefined;
  let releasePromise = new Promise<void>((r) => (releaseResolve = r));

  // Vault's LIST verb, which Node's own server refuses, passes through as LIST.
  const server = createListAwareServer(async (req: IncomingMessage, res: ServerResponse) => {
    const method = originalMethod(req);
    // Read whole before any hold: a request held before Vault sees it still reaches Vault when its client has gone.
    const sent: Buffer[] = [];
    for await (const chunk of req) sent.push(chunk as Buffer);
    const body = Buffer.concat(sent);
    let hold = matcher !== null && matcher(method, req.url ?? '');
    if (hold) matcher = null;
    if (hold && holdBefore) {
      hold = false;
      heldResolve();
      await releasePromise;
    }
    const proxied = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', async () => {
          if (hold) {
            heldResolve();
            await releasePromise;
          }
          if (res.destroyed) return;
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    proxied.on('error', () => res.destroy());
    proxied.end(body);
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    address: `http://127.0.0.1:${port}`,
    arm(match, options = {}) {
      matcher = match;
      holdBefore = options.before === true;
      heldPromise = new Promise<void>((r) => (heldResolve = r));
      releasePromise = new Promise<void>((r) => (releaseResolve = r));
    },
    held: () => heldPromise,
    release: () => releaseResolve(),
    close: async () => {
      releaseResolve();
      server.httpServer.closeAllConnections();
      await server.close();
    },
  };
}
