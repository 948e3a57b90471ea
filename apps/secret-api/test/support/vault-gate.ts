/**
 * An HTTP proxy in front of Vault that can hold back the response to a write after Vault has
 * applied it: the way to put a crash or a database failure exactly between "Vault has the new
 * version" and "the API has heard so".
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VaultGate {
  address: string;
  /** Hold the response of the next request whose method and path match. */
  arm(match: (method: string, path: string) => boolean): void;
  /** Resolves once Vault has answered the held request (its write is applied). */
  held(): Promise<void>;
  /** Lets the held response through. */
  release(): void;
  close(): Promise<void>;
}

export async function startVaultGate(target: string): Promise<VaultGate> {
  const upstream = new URL(target);
  let matcher: ((method: string, path: string) => boolean) | null = null;
  let heldResolve: () => void = () => undefined;
  let heldPromise = new Promise<void>((r) => (heldResolve = r));
  let releaseResolve: () => void = () => undefined;
  let releasePromise = new Promise<void>((r) => (releaseResolve = r));

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const hold = matcher !== null && matcher(req.method ?? '', req.url ?? '');
    if (hold) matcher = null;
    const proxied = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
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
    req.pipe(proxied);
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    arm(match) {
      matcher = match;
      heldPromise = new Promise<void>((r) => (heldResolve = r));
      releasePromise = new Promise<void>((r) => (releaseResolve = r));
    },
    held: () => heldPromise,
    release: () => releaseResolve(),
    close: () =>
      new Promise<void>((resolve) => {
        releaseResolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
