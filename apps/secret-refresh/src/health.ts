/**
 * The probe server: /healthz (alive: 503 once an item is lost), /readyz (every item looked up
 * and not shutting down), /status (statusOf). GET and HEAD only; JSON bodies.
 */
import http from 'node:http';
import type { Status } from './status.js';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(host: string, port: number, status: () => Status): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, body: unknown) => {
      const text = `${JSON.stringify(body)}\n`;
      res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(405, { error: 'method not allowed' });
    }
    const s = status();
    if (path === '/healthz') return s.phase === 'lost' ? send(503, { status: 'lost' }) : send(200, { status: 'ok' });
    if (path === '/readyz')
      return s.phase === 'running' ? send(200, { status: 'ready' }) : send(503, { status: s.phase });
    if (path === '/status') return send(s.phase === 'lost' ? 503 : 200, s);
    return send(404, { error: 'not found', paths: ['/healthz', '/readyz', '/status'] });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  return {
    port: typeof bound === 'object' && bound ? bound.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
