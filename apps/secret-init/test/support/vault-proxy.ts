/** Vault behind a proxy the test steers: each request is forwarded as is, unless `steer` takes it over first. */
import http from 'node:http';

export interface VaultProxy {
  address: string;
  close(): Promise<void>;
}

/** `steer` gets each request and the function that forwards it; it returns true when it handles the request itself. */
export async function startVaultProxy(
  upstream: string,
  steer: (req: http.IncomingMessage, res: http.ServerResponse, forward: () => void) => boolean,
): Promise<VaultProxy> {
  const proxy = http.createServer((req, res) => {
    const forward = () => {
      const request = http.request(`${upstream}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(request);
    };
    if (!steer(req, res, forward)) forward();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    address: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => proxy.close(() => resolve())),
  };
}
