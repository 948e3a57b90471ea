/**
 * The intake port, with secret-init running as a child process: it takes exactly one good
 * response-wrapped SecretID, checked before unwrapping, and refuses everything else without
 * stopping; only a token used by someone else between its lookup and its unwrap raises the alarm,
 * which names the pod but never the token.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, CLUSTER, ROLE, putSecret, startStack, type Stack } from './support/vault.js';
import { start, tempDir } from './support/program.js';
import { startVaultProxy } from './support/vault-proxy.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  await putSecret(stack.root, `${APP}/API_KEY`, 'intake-api-key');
});

afterAll(async () => {
  await stack?.close();
});

function startIntake(extra: Record<string, string> = {}) {
  const base = tempDir('intake');
  mkdirSync(join(base, 'config'));
  writeFileSync(join(base, 'config', 'app.conf.tmpl'), 'key={{ lookup "API_KEY" }}');
  const running = start({
    VAULT_ADDR: stack.vault.address,
    VAULT_ROLE_ID: stack.roleId,
    SECRET_INIT_APP: APP,
    SECRET_INIT_CLUSTER: CLUSTER,
    SECRET_INIT_LISTEN: '127.0.0.1',
    SECRET_INIT_PORT: '0',
    SECRET_INIT_CONFIG_DIR: join(base, 'config'),
    SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
    SECRET_INIT_LEASE_DIR: join(base, 'leases'),
    POD_NAME: 'myapp-7d9f-abcde',
    POD_NAMESPACE: 'shop',
    ...extra,
  });
  return { ...running, base };
}

async function post(port: number, body: string, method = 'POST', path = '/secret-id') {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(method === 'GET' ? {} : { body }),
  });
  return { status: res.status, text: await res.text() };
}

const deliver = (token: string) => JSON.stringify({ wrappingToken: token, ttl: 60, creationPath: 'ignored' });

describe('secret-init intake', () => {
  it('the right wrapping token logs in once: 204, the files are rendered, and the port closes', async () => {
    const p = startIntake();
    const port = await p.listening();
    expect((await post(port, '{"nope":1}')).status).toBe(400);
    expect((await post(port, 'not json')).status).toBe(400);
    expect((await post(port, '', 'GET')).status).toBe(405);
    expect((await post(port, '{}', 'POST', '/other')).status).toBe(404);
    expect((await post(port, JSON.stringify({ wrappingToken: 'x'.repeat(5000) }))).status).toBe(413);
    const token = await stack.wrappedSecretId();
    expect((await post(port, deliver(token))).status).toBe(204);
    const { code } = await p.exited;
    expect(code, p.stderr()).toBe(0);
    expect(readFileSync(join(p.base, 'out', 'app.conf'), 'utf8')).toBe('key=intake-api-key');
    await expect(post(port, deliver(token))).rejects.toThrow(); // nobody listens any more
    expect(p.stderr()).not.toContain(token);
  });

  it('a token Vault does not know (made up, or already unwrapped) is refused with 409 and a warning, and the pod keeps waiting', async () => {
    // Anyone who can reach the pod can post: a made-up token must not stop it. Only the controller knows
    // whether a refused token was one it sent; it raises the alarm (secret-controller's tests).
    const p = startIntake();
    const port = await p.listening();
    const used = await stack.wrappedSecretId();
    expect((await stack.root.call('POST', 'sys/wrapping/unwrap', undefined, {}, used)).status).toBe(200);
    const r = await post(port, JSON.stringify({ wrappingToken: used, accessor: 'acc-1234' }));
    expect(r.status).toBe(409);
    expect(r.text).toContain('already unwrapped');
    expect((await post(port, deliver('hvs.made-up-by-anyone-on-the-network'))).status).toBe(409);
    expect((await post(port, deliver(await stack.wrappedSecretId()))).status).toBe(204);
    expect((await p.exited).code, p.stderr()).toBe(0);
    expect(readFileSync(join(p.base, 'out', 'app.conf'), 'utf8')).toBe('key=intake-api-key');
    const warnings = p
      .logs()
      .filter((l) => String(l['msg']).startsWith('refused a wrapping token Vault does not know'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({
      level: 'warn',
      pod: 'myapp-7d9f-abcde',
      namespace: 'shop',
      wrappingTokenAccessor: 'acc-1234',
    });
    expect(p.logs().some((l) => String(l['msg']).startsWith('ALARM'))).toBe(false);
    expect(p.stderr()).not.toContain(used);
  });

  it('a flood of made-up tokens does not keep the real one out', async () => {
    const p = startIntake();
    const port = await p.listening();
    const flood = Array.from({ length: 12 }, (_, i) => post(port, deliver(`hvs.flood-${i}`)));
    const real = post(port, deliver(await stack.wrappedSecretId()));
    expect((await real).status).toBe(204);
    for (const r of await Promise.allSettled(flood)) {
      // Each made-up one is refused (409), or finds the port closing once the real one is in.
      if (r.status === 'fulfilled') expect([409, 503]).toContain(r.value.status);
    }
    expect((await p.exited).code, p.stderr()).toBe(0);
  });

  it('a client that sends its body slowly, or never, does not hold up the real delivery', async () => {
    const p = startIntake();
    const port = await p.listening();
    const stalled = Array.from({ length: 20 }, () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(
        'POST /secret-id HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"wr',
      );
      return socket;
    });
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect((await post(port, deliver(await stack.wrappedSecretId()))).status).toBe(204);
      expect((await p.exited).code, p.stderr()).toBe(0);
    } finally {
      for (const socket of stalled) socket.destroy();
    }
  });

  it('a token live at the lookup but used by someone else before the unwrap raises the alarm, and the pod fails (exit 3)', async () => {
    // Vault through a proxy that, like an interceptor racing the pod, unwraps the token just before the pod does.
    const proxy = await startVaultProxy(stack.vault.address, (req, _res, forward) => {
      const token = req.headers['x-vault-token'];
      if (req.url !== '/v1/sys/wrapping/unwrap' || typeof token !== 'string') return false;
      void stack.root.call('POST', 'sys/wrapping/unwrap', undefined, {}, token).then(forward);
      return true;
    });
    try {
      const p = startIntake({ VAULT_ADDR: proxy.address });
      const port = await p.listening();
      const token = await stack.wrappedSecretId();
      const r = await post(port, JSON.stringify({ wrappingToken: token, accessor: 'acc-5678' }));
      expect(r.status).toBe(409);
      expect((await p.exited).code).toBe(3);
      const alarm = p.logs().find((l) => String(l['msg']).startsWith('ALARM'));
      expect(alarm).toMatchObject({
        level: 'error',
        pod: 'myapp-7d9f-abcde',
        namespace: 'shop',
        wrappingTokenAccessor: 'acc-5678',
      });
      expect(p.stderr()).not.toContain(token);
      expect(() => readFileSync(join(p.base, 'out', 'app.conf'))).toThrow();
    } finally {
      await proxy.close();
    }
  });

  it('a foreign token (another role) or a wrong-path token is refused with 400, not unwrapped, and the right one still works', async () => {
    const p = startIntake();
    const port = await p.listening();
    const foreign = await stack.wrappedSecretId('aws.stg.other');
    const refused = await post(port, deliver(foreign));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(`auth/approle/role/${ROLE}/secret-id`);
    // Re-wrapped data (what an interceptor would send) has creation path sys/wrapping/wrap.
    const rewrapped = await stack.root.call(
      'POST',
      'sys/wrapping/wrap',
      { secret_id: 'x' },
      { 'X-Vault-Wrap-TTL': '60' },
    );
    const wrongPath = await post(port, deliver(rewrapped.body.wrap_info.token));
    expect(wrongPath.status).toBe(400);
    // Neither was consumed: the foreign one can still be looked up.
    expect((await stack.root.call('POST', 'sys/wrapping/lookup', { token: foreign }, {}, null)).status).toBe(200);
    expect((await post(port, deliver(await stack.wrappedSecretId()))).status).toBe(204);
    expect((await p.exited).code, p.stderr()).toBe(0);
    expect(p.logs().filter((l) => l['level'] === 'warn' && String(l['msg']).startsWith('refused'))).toHaveLength(2);
  });

  it('a deliverer that gives up while Vault is slow does not leave the run waiting: it renders and exits 0', async () => {
    // Vault answers the login slowly (a pod storm); the controller's request times out and closes the connection.
    let loginSeen: () => void = () => undefined;
    const loginStarted = new Promise<void>((resolve) => (loginSeen = resolve));
    const proxy = await startVaultProxy(stack.vault.address, (req, _res, forward) => {
      if (req.url !== '/v1/auth/approle/login') return false;
      loginSeen();
      setTimeout(forward, 500);
      return true;
    });
    try {
      const p = startIntake({ VAULT_ADDR: proxy.address, SECRET_INIT_TIMEOUT: '60' });
      const port = await p.listening();
      const token = await stack.wrappedSecretId();
      const client = net.connect(port, '127.0.0.1');
      const body = deliver(token);
      client.write(
        `POST /secret-id HTTP/1.1\r\nHost: pod\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      await loginStarted;
      client.destroy();
      const started = Date.now();
      const { code } = await p.exited;
      expect(code, p.stderr()).toBe(0);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(readFileSync(join(p.base, 'out', 'app.conf'), 'utf8')).toBe('key=intake-api-key');
    } finally {
      await proxy.close();
    }
  });

  it('an unwrap Vault applied but never answered gets 504 (deliver a new SecretID), and the next one logs in', async () => {
    // Vault stalls: the first unwrap reaches it and spends the token, and its answer never comes back.
    let unwraps = 0;
    const proxy = await startVaultProxy(stack.vault.address, (req) => {
      if (req.url !== '/v1/sys/wrapping/unwrap' || ++unwraps > 1) return false;
      const applied = http.request(`${stack.vault.address}${req.url}`, { method: req.method, headers: req.headers });
      applied.on('response', (answer) => answer.resume());
      req.pipe(applied);
      return true;
    });
    try {
      const p = startIntake({ VAULT_ADDR: proxy.address, VAULT_CLIENT_TIMEOUT: '1', SECRET_INIT_TIMEOUT: '60' });
      const port = await p.listening();
      const first = await post(port, deliver(await stack.wrappedSecretId()));
      expect(first.status).toBe(504);
      expect(JSON.parse(first.text).detail).toContain('deliver a new SecretID');
      expect((await post(port, deliver(await stack.wrappedSecretId()))).status).toBe(204);
      expect((await p.exited).code, p.stderr()).toBe(0);
      expect(readFileSync(join(p.base, 'out', 'app.conf'), 'utf8')).toBe('key=intake-api-key');
      expect(
        p.logs().some((l) => l['level'] === 'warn' && String(l['msg']).includes('did not answer the unwrap')),
      ).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('no SecretID within SECRET_INIT_TIMEOUT: the program exits non-zero with a clear message', async () => {
    const p = startIntake({ SECRET_INIT_TIMEOUT: '0.5' });
    await p.listening();
    const { code } = await p.exited;
    expect(code).toBe(4);
    expect(p.stderr()).toContain('no SecretID was delivered');
  });

  it('a timeout after refused unknown tokens says how many there were', async () => {
    const p = startIntake({ SECRET_INIT_TIMEOUT: '1' });
    const port = await p.listening();
    expect((await post(port, deliver('hvs.not-a-real-one'))).status).toBe(409);
    expect((await p.exited).code).toBe(4);
    expect(p.stderr()).toContain('1 delivery carried a wrapping token Vault did not know');
  });
});
