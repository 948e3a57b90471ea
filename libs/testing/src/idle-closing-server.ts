/**
 * An HTTP server that closes idle keep-alive connections after 3 s and announces it (`Keep-Alive: timeout=3`), as
 * Node's servers do, and records which side closed each connection. A client whose pooled socket outlives the
 * server's timeout races the server's close: a request sent into it is reset, and a write cannot be retried. A
 * client that closes first is heard as an `end` before the `close`.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface IdleClosingServer {
  url: string;
  /** 'client' or 'server' for each closed connection, in order. */
  closedBy: string[];
  /** Resolves once a connection has closed (or after 4 s). */
  firstClose(): Promise<void>;
  close(): Promise<void>;
}

export async function startIdleClosingServer(body = '{"errors":[]}', status = 404): Promise<IdleClosingServer> {
  const server = createServer({ keepAliveTimeout: 3_000 }, (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
  });
  const closedBy: string[] = [];
  server.on('connection', (socket: Socket) => {
    let clientEnded = false;
    socket.on('end', () => (clientEnded = true));
    socket.on('close', () => closedBy.push(clientEnded ? 'client' : 'server'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    closedBy,
    async firstClose() {
      for (let i = 0; i < 400 && closedBy.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
