// The CLI's HTTP transport (src/api/transport.ts) and how the API client reports its failures, against real local
// servers: plain http, https with a certificate made by openssl for this run, and raw TCP servers that misbehave
// (never answer, reset). The binary is run where only a separate process can tell: NODE_EXTRA_CA_CERTS is read at
// start-up, and "exits right after its last answer" is about the process.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureAppRoleRoute, healthzRoute } from '@secret-api/contract';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../src/api/client.js';
import { MAX_BODY_BYTES, RequestTimeoutError, ResponseTooLargeError, send } from '../src/api/transport.js';
import { NetworkError, UnexpectedResponseError } from '../src/errors.js';
import { baseEnv, runCli, tempHome } from './support/cli.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: (Server | NetServer)[] = [];
const sockets = new Set<Socket>();

async function listen<S extends Server | NetServer>(server: S): Promise<{ server: S; port: number }> {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

/** Reads each request's body before handing it to the handler. */
function withBody(handler: Handler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  };
}

async function httpServer(handler: Handler): Promise<{ server: Server; url: string }> {
  const { server, port } = await listen(createHttpServer(withBody(handler)));
  return { server, url: `http://127.0.0.1:${port}` };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A port nothing listens on: a server is opened on it and closed again. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function client(apiUrl: string, timeoutMs?: number): ApiClient {
  return new ApiClient({ apiUrl, token: 'test-token', ...(timeoutMs !== undefined && { timeoutMs }) });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected a failure, got an answer');
}

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('over http', () => {
  it('returns the status, its text, the headers and the body as UTF-8, even split inside a character', async () => {
    const word = Buffer.from('grüße ✓', 'utf8');
    const { url } = await httpServer((_req, res) => {
      res.writeHead(418, { 'X-Answer': 'yes' });
      res.write(word.subarray(0, 3)); // ends inside "ü"
      setImmediate(() => res.end(word.subarray(3)));
    });
    const res = await send({ method: 'GET', url: new URL(`${url}/x`), headers: {}, timeoutMs: 5_000 });
    expect(res).toMatchObject({ status: 418, statusText: "I'm a Teapot", body: 'grüße ✓' });
    expect(res.headers['x-answer']).toBe('yes');
  });

  it('sends the method, the headers and a body with its length in bytes', async () => {
    const seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    const { url } = await httpServer((req, res, body) => {
      Object.assign(seen, { method: req.method, headers: req.headers, body });
      json(res, 200, {});
    });
    const body = JSON.stringify({ comment: 'naïve — ✓' });
    await send({
      method: 'POST',
      url: new URL(`${url}/y`),
      headers: { 'Content-Type': 'application/json', 'X-Trace': 't1' },
      body,
      timeoutMs: 5_000,
    });
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe(body);
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(seen.headers?.['content-type']).toBe('application/json');
    expect(seen.headers?.['x-trace']).toBe('t1');
    expect(seen.headers?.['transfer-encoding']).toBeUndefined();
  });

  it('sends a body-less PUT (deployer roleid) with Content-Length: 0, not chunked, and parses the answer', async () => {
    const seen: IncomingMessage[] = [];
    const { url } = await httpServer((req, res) => {
      seen.push(req);
      json(res, 200, { roleName: 'aws.stg.myapp', roleId: 'role-1', changed: false });
    });
    const answer = await client(url).send(ensureAppRoleRoute, { params: { app: 'myapp', cluster: 'aws.stg' } });
    expect(answer).toEqual({ roleName: 'aws.stg.myapp', roleId: 'role-1', changed: false });
    expect(seen.map((r) => [r.method, r.url])).toEqual([['PUT', '/v1/apps/myapp/clusters/aws.stg/approle']]);
    expect(seen[0]?.headers['content-length']).toBe('0');
    expect(seen[0]?.headers['transfer-encoding']).toBeUndefined();
    expect(seen[0]?.headers.authorization).toBe('Bearer test-token');
  });

  it('reuses one connection for the calls of one process', async () => {
    const { server, url } = await httpServer((_req, res) => json(res, 200, { status: 'ok' }));
    let connections = 0;
    server.on('connection', () => connections++);
    const api = client(url);
    await api.send(healthzRoute);
    await api.send(healthzRoute);
    await api.send(healthzRoute);
    expect(connections).toBe(1);
  });
});

describe('redirects', () => {
  it('are returned, not followed, and the client says so without the query of where they point', async () => {
    const paths: string[] = [];
    const { url } = await httpServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(302, { Location: '/elsewhere?session=abc' });
      res.end();
    });
    const res = await send({ method: 'GET', url: new URL(`${url}/healthz`), headers: {}, timeoutMs: 5_000 });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/elsewhere?session=abc');

    const err = await failure(client(url).send(healthzRoute));
    expect(err).toBeInstanceOf(UnexpectedResponseError);
    expect(err.message).toBe(
      `the Secret API at ${url} answered 302 Found for GET /healthz (redirecting to ${url}/elsewhere); ` +
        "deployer does not follow redirects: use the API's own URL (in SECRET_API_URL or with `deployer login`)",
    );
    expect(paths).toEqual(['/healthz', '/healthz']);
  });
});

describe('network failures', () => {
  it('a closed port: "cannot reach the Secret API at URL (ECONNREFUSED)"', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await failure(client(url).send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(`cannot reach the Secret API at ${url} (ECONNREFUSED)`);
  });

  it('port 0: refused before any connection, not sent to the default port', async () => {
    const err = await failure(client('http://127.0.0.1:0').send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe('cannot reach the Secret API at http://127.0.0.1:0 (port 0 is not a port to connect to)');
  });

  it('a token no header can carry: names the header, never the token', async () => {
    const { url } = await httpServer((_req, res) => json(res, 200, { status: 'ok' }));
    const api = new ApiClient({ apiUrl: url, token: 'secret-part\nother-part' });
    const err = await failure(api.send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(
      `cannot reach the Secret API at ${url} (ERR_INVALID_CHAR: Invalid character in header content ["Authorization"])`,
    );
  });

  it('a host that does not resolve: (ENOTFOUND)', async () => {
    // .invalid is reserved (RFC 2606): no resolver answers it.
    const url = 'http://deployer-test.invalid';
    const err = await failure(client(url).send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(`cannot reach the Secret API at ${url} (ENOTFOUND)`);
  });

  it('a connection reset before any answer: (ECONNRESET)', async () => {
    const { port } = await listen(createNetServer((socket) => socket.once('data', () => socket.resetAndDestroy())));
    const url = `http://127.0.0.1:${port}`;
    const err = await failure(client(url).send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(`cannot reach the Secret API at ${url} (ECONNRESET)`);
  });

  it('a connection cut in the middle of the body: (ECONNRESET)', async () => {
    const { url } = await httpServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"status":', () => req.socket.destroy());
    });
    const err = await failure(client(url).send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(`cannot reach the Secret API at ${url} (ECONNRESET)`);
  });
});

describe('the timeout covers the whole exchange', () => {
  it('no answer at all: "did not answer within N s"', async () => {
    const { url } = await httpServer(() => undefined);
    await expect(
      send({ method: 'GET', url: new URL(`${url}/healthz`), headers: {}, timeoutMs: 100 }),
    ).rejects.toBeInstanceOf(RequestTimeoutError);
    const err = await failure(client(url, 100).send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(`the Secret API at ${url} did not answer within 0.1 s`);
  });

  it('a change that goes unanswered may have been made: the message says to look before retrying', async () => {
    const { url } = await httpServer(() => undefined);
    const err = await failure(
      client(url, 100).send(ensureAppRoleRoute, { params: { app: 'myapp', cluster: 'aws.stg' } }),
    );
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(
      `the Secret API at ${url} did not answer within 0.1 s; the change may have been made all the same: look ` +
        'before you retry (deployer secrets history, apps show)',
    );
  });

  it('headers but a body that never ends', async () => {
    const { url } = await httpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"status":');
    });
    const err = await failure(client(url, 100).send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(`the Secret API at ${url} did not answer within 0.1 s`);
  });

  it('a TLS handshake the server never completes', async () => {
    const { port } = await listen(createNetServer(() => undefined));
    const url = `https://127.0.0.1:${port}`;
    const err = await failure(client(url, 100).send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(`the Secret API at ${url} did not answer within 0.1 s`);
  });
});

describe('the body bound', () => {
  it('refuses a body announced larger than the bound without reading it', async () => {
    const { url } = await httpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(MAX_BODY_BYTES + 1) });
      res.flushHeaders();
    });
    const err = await failure(client(url).send(healthzRoute));
    expect(err).toBeInstanceOf(UnexpectedResponseError);
    expect(err.message).toBe(
      `the Secret API at ${url} answered more than 64 MiB for GET /healthz (not read); ` +
        'is SECRET_API_URL pointing at the Secret API?',
    );
  });

  it('stops reading a chunked body at the bound; a body of exactly the bound is read', async () => {
    const { url } = await httpServer((req, res) => {
      const size = Number(req.url?.slice(1));
      res.writeHead(200); // no Content-Length: chunked
      for (let sent = 0; sent < size; sent += 100) res.write('x'.repeat(Math.min(100, size - sent)));
      res.end();
    });
    const request = (size: number) =>
      send({ method: 'GET', url: new URL(`${url}/${size}`), headers: {}, timeoutMs: 5_000, maxBodyBytes: 1_000 });
    await expect(request(1_001)).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect((await request(1_000)).body).toBe('x'.repeat(1_000));
  });
});

describe('over https', () => {
  let dir: string;
  let certFile: string;
  let tls: { key: string; cert: string };

  beforeAll(async () => {
    dir = await tempHome();
    certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', keyFile, '-out', certFile,
    ]); // prettier-ignore
    tls = { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function httpsServer(): Promise<string> {
    const handler = withBody((_req, res) => json(res, 200, { status: 'ok' }));
    const { port } = await listen(createHttpsServer(tls, handler));
    return `https://127.0.0.1:${port}`;
  }

  it('refuses a certificate nobody trusts, saying which failure and how to trust a private CA', async () => {
    const url = await httpsServer();
    const err = await failure(client(url).send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(
      `cannot reach the Secret API at ${url} (DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate; ` +
        "if the API's certificate comes from your own CA, point NODE_EXTRA_CA_CERTS at that CA's PEM file)",
    );
  });

  it('trusts it through NODE_EXTRA_CA_CERTS, as Node does (the binary, which reads it at start-up)', async () => {
    const url = await httpsServer();
    const env = { ...baseEnv(dir), SECRET_API_URL: url };
    const untrusted = await runCli(['health', '--live'], { env });
    expect(untrusted.code).toBe(5);
    expect(untrusted.stderr).toContain(`cannot reach the Secret API at ${url} (DEPTH_ZERO_SELF_SIGNED_CERT`);
    const trusted = await runCli(['health', '--live'], { env: { ...env, NODE_EXTRA_CA_CERTS: certFile } });
    expect(trusted.stderr).toBe('');
    expect(trusted.stdout).toBe(`The Secret API at ${url} is up.\n`);
    expect(trusted.code).toBe(0);
  });

  it('names a plain-http server behind an https URL by its TLS failure', async () => {
    const { url } = await httpServer((_req, res) => json(res, 200, { status: 'ok' }));
    const httpsUrl = url.replace('http:', 'https:');
    const err = await failure(client(httpsUrl).send(healthzRoute));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(
      `cannot reach the Secret API at ${httpsUrl} (EPROTO: wrong version number; ` +
        'the server does not speak TLS there: is it http://?)',
    );
  });
});

describe('the binary', () => {
  it('exits right after its last answer while the server keeps the connection open', async () => {
    const seen: IncomingMessage['headers'][] = [];
    const { server, url } = await httpServer((req, res) => {
      seen.push(req.headers);
      json(res, 200, { status: 'ok' });
    });
    server.keepAliveTimeout = 0; // the server never closes an idle connection: only the client can end the run
    const r = await runCli(['health', '--live'], { env: { ...baseEnv(await tempHome()), SECRET_API_URL: url } });
    expect(r.stdout).toBe(`The Secret API at ${url} is up.\n`);
    expect(r.code).toBe(0);
    expect(seen.map((h) => h.connection)).toEqual(['keep-alive']);
  });
});
