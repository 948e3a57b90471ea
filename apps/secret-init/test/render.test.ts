/**
 * The init container's main flow, run as a child process against a real vault-dev and a real
 * PostgreSQL: every template function renders; the database user works until its lease is
 * revoked; the certificate verifies against the cluster CA; failures name the file, line,
 * column, function and path — never a value — and leave nothing in the output directory.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, CLUSTER, PKI_MOUNT, ROLE, putSecret, startStack, pgQuery, type Stack } from './support/vault.js';
import { listTree, run, start, tempDir } from './support/program.js';
import { startVaultProxy } from './support/vault-proxy.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ engines: true });
  await putSecret(stack.root, `${APP}/API_KEY`, 'app-api-key');
  await putSecret(stack.root, `${APP}/db/settings`, { host: 'db.internal', port: '5432' });
  await putSecret(stack.root, 'global/SENTRY_DSN', 'https://sentry.example/1');
  await putSecret(stack.root, 'project/aws/REGION', 'eu-west-1');
  await putSecret(stack.root, 'cluster/aws/stg/INGRESS', 'stg.example.com');
  await putSecret(stack.root, `${APP}/PLANTED`, 'PLANTED-SECRET-VALUE-8c1f');
});

afterAll(async () => {
  await stack?.close();
});

function baseEnv(dirs: { config: string; out: string; leases: string; envFile?: string }): Record<string, string> {
  return {
    VAULT_ADDR: stack.vault.address,
    VAULT_ROLE_ID: stack.roleId,
    SECRET_INIT_APP: APP,
    SECRET_INIT_CLUSTER: CLUSTER,
    SECRET_INIT_CONFIG_DIR: dirs.config,
    SECRET_INIT_OUTPUT_DIR: dirs.out,
    SECRET_INIT_LEASE_DIR: dirs.leases,
    SECRET_INIT_ENV_FILE: dirs.envFile ?? join(dirs.leases, '..', 'env-unused'),
  };
}

function dirsWith(files: Record<string, string>) {
  const base = tempDir('render');
  const config = join(base, 'config');
  mkdirSync(config);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(config, name, '..'), { recursive: true });
    writeFileSync(join(config, name), text);
  }
  return {
    base,
    config,
    out: join(base, 'out'),
    leases: join(base, 'leases'),
    envFile: join(base, 'env', 'variables'),
  };
}

const EVERY_FUNCTION = `api_key = {{ lookup "API_KEY" }}
db_host = {{ lookup "db/settings" "host" }}
sentry = {{ lookup "global/SENTRY_DSN" }}
region = {{ lookup "project/REGION" }}
ingress = {{ lookup "cluster/INGRESS" }}
raw = {{ rawRead "secret/data/global/SENTRY_DSN" "value" }}
app = {{ .app }} in {{ .cluster }}
db_user = {{ dbUsername }}
db_password = {{ dbPassword }}
{{ awsCredsEnvVars -}}
`;

describe('secret-init run: rendering', () => {
  it('a template using every function renders; rendered files are readable by the group only, the lease record by the owner only', async () => {
    const d = dirsWith({
      'app.conf.tmpl': EVERY_FUNCTION,
      'tls/key.pem.tmpl': '{{ tlsKey "web.myapp.svc" "api.myapp.svc" }}',
      'tls/cert.pem.tmpl': '{{ tlsCert "web.myapp.svc" "api.myapp.svc" }}',
      'tls/ca.pem.tmpl': '{{ tlsCA "web.myapp.svc" "api.myapp.svc" }}',
      'static/readme.txt': 'not a template {{ lookup "X" }}',
      'static/private.txt': 'owner-only at the source',
      'written.json.tmpl': `{{ $w := rawWrite "${PKI_MOUNT}/issue/${ROLE}" (dict "common_name" "job.myapp.svc") }}{{ index $w "serial_number" | len | printf "%d" }}`,
    });
    chmodSync(join(d.config, 'static/readme.txt'), 0o755);
    chmodSync(join(d.config, 'static/private.txt'), 0o600);
    const r = await run({ ...baseEnv(d), VAULT_WRAPPED_SECRET_ID: await stack.wrappedSecretId() });
    expect(r.stderr).not.toContain('app-api-key');
    expect(r.code, r.stderr).toBe(0);

    const conf = readFileSync(join(d.out, 'app.conf'), 'utf8');
    expect(conf).toContain('api_key = app-api-key\n');
    expect(conf).toContain('db_host = db.internal\n');
    expect(conf).toContain('sentry = https://sentry.example/1\n');
    expect(conf).toContain('region = eu-west-1\n');
    expect(conf).toContain('ingress = stg.example.com\n');
    expect(conf).toContain('raw = https://sentry.example/1\n');
    expect(conf).toContain(`app = ${APP} in ${CLUSTER}\n`);
    expect(readFileSync(join(d.out, 'static/readme.txt'), 'utf8')).toBe('not a template {{ lookup "X" }}');
    expect(readFileSync(join(d.out, 'written.json'), 'utf8')).toMatch(/^\d+$/);

    // Modes: rendered 0640 (the pod's fsGroup reads them), copied masked to 0644 with group read (no exec bit),
    // directories 0750; the lease directory 0700 with 0600 files (secret-refresh only).
    expect(statSync(join(d.out, 'app.conf')).mode & 0o777).toBe(0o640);
    expect(statSync(join(d.out, 'tls/key.pem')).mode & 0o777).toBe(0o640);
    expect(statSync(join(d.out, 'static/readme.txt')).mode & 0o777).toBe(0o644);
    // A 0600 source still reaches the app through the group.
    expect(statSync(join(d.out, 'static/private.txt')).mode & 0o777).toBe(0o640);
    expect(statSync(join(d.out, 'tls')).mode & 0o777).toBe(0o750);
    expect(statSync(d.out).mode & 0o777).toBe(0o750);
    expect(statSync(d.leases).mode & 0o777).toBe(0o700);
    expect(listTree(d.out).some((f) => f.endsWith('.tmpl') || f.includes('.tmp'))).toBe(false);

    // One database lease for dbUsername + dbPassword: the pair comes from one read.
    const user = /db_user = (.*)\n/.exec(conf)![1]!;
    const password = /db_password = (.*)\n/.exec(conf)![1]!;
    stack.dbUsers.push(user);
    expect(password).toMatch(/^[A-Za-z0-9-]{20}$/);
    const leases = JSON.parse(readFileSync(join(d.leases, 'leases.json'), 'utf8'));
    expect(statSync(join(d.leases, 'leases.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(d.leases, 'token')).mode & 0o777).toBe(0o600);
    expect(leases).toMatchObject({
      version: 1,
      vaultAddr: stack.vault.address,
      token: { source: 'approle', renewable: true },
    });
    expect(leases.token.accessor).toEqual(expect.any(String));
    const dbLeases = leases.leases.filter((l: { path: string }) => l.path === `database/creds/${ROLE}`);
    expect(dbLeases).toHaveLength(1);
    expect(leases.leases.filter((l: { path: string }) => l.path === `aws/creds/${ROLE}`)).toHaveLength(1);
    for (const l of leases.leases) expect(Date.parse(l.expiresAt)).toBeGreaterThan(Date.now());

    // The token works and is the one the lease record describes.
    const token = readFileSync(join(d.leases, 'token'), 'utf8');
    const self = await stack.root.call('GET', 'auth/token/lookup-self', undefined, {}, token);
    expect(self.body.data.accessor).toBe(leases.token.accessor);

    // The database user can log in and read; after its lease is revoked, it cannot.
    expect(await pgQuery(stack.db!.url, 'SELECT * FROM widgets', user)).toBe(2);
    await stack.root.ok('POST', 'sys/leases/revoke', { lease_id: dbLeases[0].leaseId });
    await expect(pgQuery(stack.db!.url, 'SELECT 1', user)).rejects.toThrow();

    // The AWS lines are shell: sourcing them sets the variables the SDKs read.
    const aws = execFileSync('bash', [
      '-c',
      `${conf
        .split('\n')
        .filter((l) => l.startsWith('export'))
        .join('\n')}\nprintf '%s %s' "$AWS_ACCESS_KEY_ID" "\${#AWS_SECRET_ACCESS_KEY}"`,
    ]).toString();
    expect(aws).toMatch(/^AKIA[A-Z0-9]{16} 40$/);

    // TLS: key and certificate from one issuance; the certificate verifies against the CA.
    const certPem = readFileSync(join(d.out, 'tls/cert.pem'), 'utf8');
    const keyPem = readFileSync(join(d.out, 'tls/key.pem'), 'utf8');
    const cert = new X509Certificate(certPem);
    expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    expect(cert.subjectAltName).toContain('DNS:api.myapp.svc');
    expect(readFileSync(join(d.out, 'tls/ca.pem'), 'utf8').trim()).toBe(stack.caPem!.trim());
    const verified = execFileSync('openssl', [
      'verify',
      '-CAfile',
      join(d.out, 'tls/ca.pem'),
      join(d.out, 'tls/cert.pem'),
    ]).toString();
    expect(verified).toContain(': OK');
    // Certificates, which no lease keeps, are in the lease file for the sidecar (this one, and the rawWrite's).
    expect(leases.certificates).toHaveLength(2);
    const serial = cert.serialNumber.toLowerCase().match(/../g)!.join(':');
    const tls = leases.certificates.find((c: { serial: string }) => c.serial === serial);
    expect(tls).toMatchObject({ path: expect.stringMatching(/\/issue\//) });
    expect(Date.parse(tls.expiresAt)).toBe(Date.parse(cert.validTo));
  });

  it('a missing secret fails naming file, line, column, function and path; nothing is written and the token is revoked', async () => {
    const d = dirsWith({
      'a.conf.tmpl': 'ok = {{ lookup "API_KEY" }}\n',
      'b.conf.tmpl': 'first line\nmissing = {{ lookup "NOPE" }}\n',
      'plain.txt': 'copied only when everything renders',
    });
    const r = await run({ ...baseEnv(d), VAULT_SECRET_ID: await stack.secretId() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('template: b.conf.tmpl:2:13');
    expect(r.stderr).toContain('error calling lookup');
    expect(r.stderr).toContain(`GET secret/data/${APP}/NOPE: not found`);
    expect(r.stderr).not.toContain('app-api-key');
    expect(() => listTree(d.out)).toThrow(); // the output directory was never even created
    expect(() => listTree(d.leases)).toThrow();
    expect(r.logs.some((l) => l['msg'] === 'revoked the token after the failure')).toBe(true);
  });

  it('a path no engine is mounted at is said apart from a missing secret, quoting Vault', async () => {
    const d = dirsWith({ 'a.conf.tmpl': 'x = {{ rawRead "nomount/x" }}\n' });
    // A token whose policy covers the path gets Vault's 404 "no handler for route"; the pod's own gets 403.
    const r = await run({ ...baseEnv(d), VAULT_TOKEN: 'root' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GET nomount/x: no secrets engine is mounted at that path (no handler for route');
    const denied = await run({ ...baseEnv(d), VAULT_SECRET_ID: await stack.secretId() });
    expect(denied.stderr).toContain(
      "GET nomount/x: permission denied (the pod's policy does not allow this path, or nothing is mounted there)",
    );
  });

  it('stopped while it renders (SIGTERM, a deleted pod), it revokes its token before it exits: no lease outlives it', async () => {
    // Vault through a proxy that never answers one read, so the render is under way when the signal comes.
    const held: http.ServerResponse[] = [];
    const proxy = await startVaultProxy(stack.vault.address, (req, res) => {
      if (!req.url?.endsWith(`/secret/data/${APP}/SLOW`)) return false;
      held.push(res);
      return true;
    });
    try {
      const d = dirsWith({ 'slow.conf.tmpl': 'x = {{ lookup "SLOW" }}\n' });
      const address = proxy.address;
      const r = start({ ...baseEnv(d), VAULT_ADDR: address, VAULT_SECRET_ID: await stack.secretId() });
      for (let i = 0; held.length === 0 && i < 200; i++) await new Promise((w) => setTimeout(w, 25));
      expect(held).toHaveLength(1);
      r.child.kill('SIGTERM');
      expect((await r.exited).code).toBe(128 + 15);
      const revoked = r.logs().find((l) => l['msg'] === 'revoked the token after the failure');
      expect(revoked?.['accessor']).toEqual(expect.any(String));
      const lookup = await stack.root.call('POST', 'auth/token/lookup-accessor', { accessor: revoked?.['accessor'] });
      expect(lookup.status).toBeGreaterThanOrEqual(400);
      expect(() => listTree(d.out)).toThrow();
    } finally {
      for (const res of held) res.destroy();
      await proxy.close();
    }
  });

  it('a secret value that reaches an error message is withheld (the consul-template CVE-2022-38149 class)', async () => {
    for (const text of [
      '{{ rawRead (lookup "PLANTED") }}',
      '{{ index (lookup "PLANTED") 99 }}',
      '{{ $v := lookup "PLANTED" }}{{ dbUsername $v }}',
    ]) {
      const d = dirsWith({ 'leak.conf.tmpl': text });
      const r = await run({ ...baseEnv(d), VAULT_SECRET_ID: await stack.secretId() });
      expect(r.code, text).toBe(1);
      expect(r.stderr).toContain('leak.conf.tmpl:1:');
      expect(r.stderr, text).not.toContain('PLANTED-SECRET-VALUE');
      expect(() => listTree(d.out)).toThrow();
    }
  });

  it('an unreachable Vault fails with a clear message and writes nothing', async () => {
    const d = dirsWith({ 'a.conf.tmpl': '{{ lookup "API_KEY" }}' });
    const r = await run({
      ...baseEnv(d),
      VAULT_ADDR: 'http://127.0.0.1:9',
      VAULT_SECRET_ID: 'anything',
      VAULT_MAX_RETRIES: '1',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Vault at http://127.0.0.1:9 is unreachable (ECONNREFUSED)');
    expect(() => listTree(d.out)).toThrow();
  });

  it('a template syntax error fails at once, before any login, naming file and line', async () => {
    const d = dirsWith({ 'bad.conf.tmpl': 'line one\n{{ if }}\n' });
    const r = await run({ ...baseEnv(d), SECRET_INIT_PORT: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('template: bad.conf.tmpl:2:');
    expect(r.logs.some((l) => l['msg'] === 'waiting for the SecretID')).toBe(false);
  });

  it('a Kubernetes ConfigMap volume (..data symlinks) renders its files only, with a VAULT_TOKEN for local use', async () => {
    const d = dirsWith({ '..2026_12_03_10_00_00.1/app.conf.tmpl': 'key={{ lookup "API_KEY" }}' });
    symlinkSync('..2026_12_03_10_00_00.1', join(d.config, '..data'));
    symlinkSync('..data/app.conf.tmpl', join(d.config, 'app.conf.tmpl'));
    const r = await run({ ...baseEnv(d), VAULT_ROLE_ID: '', VAULT_TOKEN: stack.vault.rootToken });
    expect(r.code, r.stderr).toBe(0);
    expect(listTree(d.out)).toEqual(['app.conf']);
    expect(readFileSync(join(d.out, 'app.conf'), 'utf8')).toBe('key=app-api-key');
    expect(JSON.parse(readFileSync(join(d.leases, 'leases.json'), 'utf8')).token.source).toBe('token');
    expect(r.stderr).not.toContain(stack.vault.rootToken);
  });

  it('a config symlink to nothing, or one that loops, is named in a one-line error (exit 1), before any login', async () => {
    for (const [name, target, why] of [
      ['dangling.conf', 'nowhere.conf', 'a symbolic link to nothing'],
      ['loop.conf', 'loop.conf', 'a symbolic link that loops'],
    ]) {
      const d = dirsWith({ 'ok.conf': 'x' });
      symlinkSync(target!, join(d.config, name!));
      const r = await run({ ...baseEnv(d), SECRET_INIT_PORT: '0' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`config file ${name} is ${why}`);
      expect(r.stderr).not.toContain('internal error');
      expect(r.logs.some((l) => l['msg'] === 'waiting for the SecretID')).toBe(false);
    }
  });

  it('exec keeps a token whose leases the command will use, and revokes it when the command cannot start', async () => {
    const r = await run(
      {
        VAULT_ADDR: stack.vault.address,
        VAULT_ROLE_ID: stack.roleId,
        SECRET_INIT_APP: APP,
        SECRET_INIT_CLUSTER: CLUSTER,
        VAULT_SECRET_ID: await stack.secretId(),
        SECRET_INIT_LEASE_DIR: join(tempDir('exec-nocmd'), 'leases'),
        SECRET_DB_USER: `database/creds/${ROLE}#username`,
      },
      ['exec', '--', '/nonexistent/command'],
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot run /nonexistent/command');
    expect(r.logs.some((l) => l['msg'] === 'revoked the login token: the values are read')).toBe(false);
    const revoked = r.logs.find((l) => l['msg'] === 'revoked the token after the failure');
    expect(revoked?.['accessor']).toEqual(expect.any(String));
    const lookup = await stack.root.call('POST', 'auth/token/lookup-accessor', { accessor: revoked?.['accessor'] });
    expect(lookup.status).toBeGreaterThanOrEqual(400);
  });

  it('reads are de-duplicated across templates: 20 templates sharing 5 secrets make 5 reads', async () => {
    for (let i = 0; i < 5; i++) await putSecret(stack.root, `${APP}/SHARED_${i}`, `v${i}`);
    const files: Record<string, string> = {};
    for (let t = 0; t < 20; t++)
      files[`t${t}.tmpl`] = [0, 1, 2, 3, 4].map((i) => `{{ lookup "SHARED_${i}" }}`).join(',');
    const d = dirsWith(files);
    const r = await run({ ...baseEnv(d), VAULT_SECRET_ID: await stack.secretId() });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(d.out, 't7'), 'utf8')).toBe('v0,v1,v2,v3,v4');
    expect(r.logs.find((l) => l['msg'] === 'secrets written')).toMatchObject({ vaultRequests: 5, templates: 20 });
  });
});
