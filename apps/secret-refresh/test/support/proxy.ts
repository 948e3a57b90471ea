/**
 * A TCP proxy in front of vault-dev that a test can stop and start on the same port: "Vault
 * is unreachable" without touching Vault's state or its lease timers.
 */
import net from 'node:net';

export interface Proxy {
  address: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** From now on, connections are accepted and never answered (a hung Vault); open ones are cut. */
  hang(): void;
  /** New connections reach Vault again; the ones taken while hanging stay unanswered until stop(). */
  release(): void;
  /** From now on, Vault's answers on new connections arrive `ms` late (a Vault slow under load); 0 ends it. */
  slow(ms: number): void;
}

export async function startProxy(target: { host: string; port: number }): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const held = new Set<net.Socket>();
  let hanging = false;
  let delayMs = 0;
  let server: net.Server | undefined;
  let port = 0;
  const listen = async () => {
    server = net.createServer((client) => {
      if (hanging) {
        held.add(client);
        client.on('error', () => undefined);
        client.on('close', () => held.delete(client));
        return;
      }
      const upstream = net.connect(target.port, target.host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      const delay = delayMs;
      if (delay === 0) upstream.pipe(client);
      else upstream.on('data', (chunk: Buffer) => setTimeout(() => client.writable && client.write(chunk), delay));
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as net.AddressInfo).port;
  };
  await listen();
  return {
    address: `http://127.0.0.1:${port}`,
    async stop() {
      const s = server;
      server = undefined;
      for (const sock of [...sockets, ...held]) sock.destroy();
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
    },
    start: listen,
    hang() {
      hanging = true;
      for (const sock of sockets) sock.destroy();
    },
    release() {
      hanging = false;
    },
    slow(ms) {
      delayMs = ms;
    },
  };
}
