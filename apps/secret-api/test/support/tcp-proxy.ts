/**
 * A small TCP proxy for failure tests: it forwards a local port to a target, and can be cut (the
 * listener closed and every open connection destroyed, so the target looks down), made to hang
 * (connections are accepted and never answered, so the target looks stuck) and restored on the
 * same port, without the client behind it being restarted.
 */
import net from 'node:net';

export type ProxyMode = 'forward' | 'hang' | 'cut';

export interface TcpProxy {
  readonly host: string;
  /** The local port; stays the same across cut and restore. */
  readonly port: number;
  readonly mode: ProxyMode;
  /** Connections accepted so far (in any mode). */
  readonly accepted: number;
  /** Closes the listener and destroys every open connection: connecting is refused. */
  cut(): Promise<void>;
  /** Destroys every open connection; new ones are accepted and never answered. */
  hang(): Promise<void>;
  /** Forwards again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, host = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let mode: ProxyMode = 'forward';
  let port = 0;
  let accepted = 0;

  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A peer going away is the point of these tests, not a failure of the proxy.
    socket.on('error', () => undefined);
  };

  const onConnection = (client: net.Socket): void => {
    accepted += 1;
    track(client);
    if (mode === 'hang') return;
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };

  const destroyAll = (): void => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const listen = async (): Promise<void> => {
    const next = net.createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, host, () => {
        next.off('error', reject);
        resolve();
      });
    });
    port = (next.address() as net.AddressInfo).port;
    server = next;
  };

  const stopListening = async (): Promise<void> => {
    const current = server;
    server = null;
    if (!current) return;
    await new Promise<void>((resolve) => {
      current.close(() => resolve());
      destroyAll();
    });
  };

  await listen();

  return {
    host,
    get port() {
      return port;
    },
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    async cut() {
      mode = 'cut';
      await stopListening();
    },
    async hang() {
      mode = 'hang';
      destroyAll();
      if (!server) await listen();
    },
    async restore() {
      mode = 'forward';
      destroyAll();
      if (!server) await listen();
    },
    async close() {
      mode = 'cut';
      await stopListening();
    },
  };
}
