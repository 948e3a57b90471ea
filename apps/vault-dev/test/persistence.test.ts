/**
 * `-dev-data-dir` / `startVaultDev({ dataDir })`: the state survives a restart
 * (graceful, and SIGKILL of a real `vault-dev server -dev` child process, which
 * runs the built CLI: `npm run build`), damaged files are recovered or refused
 * with one clear line, and one data dir serves one process at a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startVaultDev, type VaultDev } from '../src/index.js';
import { VaultClient } from './support/vault.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vault-dev.js');

const dirs: string[] = [];
const servers: VaultDev[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vault-dev-data-'));
  dirs.push(dir);
  return join(dir, 'vault');
}

async function start(dir: string, rootToken?: string): Promise<{ vault: VaultDev; client: VaultClient }> {
  const vault = await startVaultDev({ dataDir: dir, ...(rootToken ? { rootToken } : {}) });
  servers.push(vault);
  return { vault, client: new VaultClient(vault.address, vault.rootToken) };
}

async function stop(vault: VaultDev): Promise<void> {
  servers.splice(servers.indexOf(vault), 1);
  await vault.close();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(reply: Promise<{ status: number; text: string; body: any }>, status = 200) {
  const r = await reply;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`);
  return r.body;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('state survives a graceful restart', () => {
  it('keeps AppRoles, SecretID use counts, KV versions, policies, tokens, leases, mounts and cubbyholes', async () => {
    const dir = dataDir();
    const first = await start(dir, 'root');
    const c = first.client;

    const appPolicy = [
      'path "secret/data/app" { capabilities = ["read"] }',
      'path "auth/token/create" { capabilities = ["create", "update"] }',
    ].join('\n');
    await ok(c.put('sys/policies/acl/app', { policy: appPolicy }), 204);
    await ok(c.post('sys/auth/approle', { type: 'approle' }), 204);
    await ok(c.post('sys/auth/approle/tune', { default_lease_ttl: '2h' }), 204);
    await ok(c.post('auth/approle/role/web', { token_policies: 'app', secret_id_num_uses: 2 }), 204);
    const roleId = (await ok(c.get('auth/approle/role/web/role-id'))).data.role_id as string;
    const secretId = (await ok(c.post('auth/approle/role/web/secret-id', {}))).data.secret_id as string;
    const firstLogin = (
      await ok(c.post('auth/approle/login', { role_id: roleId, secret_id: secretId }, { token: null }))
    ).auth;

    for (const n of [1, 2, 3]) await ok(c.post('secret/data/app', { data: { password: `pw-${n}` } }));
    await ok(c.post('secret/metadata/app', { custom_metadata: { owner: 'team-a' }, max_versions: 5 }), 204);
    await ok(c.post('secret/delete/app', { versions: [2] }), 204);
    const metadataBefore = (await ok(c.get('secret/metadata/app'))).data;

    await ok(c.post('sys/mounts/kv1', { type: 'kv', options: { version: '1' } }), 204);
    await ok(c.post('kv1/db', { user: 'u1' }), 204);
    await ok(c.post('cubbyhole/note', { text: 'mine' }), 204);

    const leased = (await ok(c.post('auth/token/create', { policies: ['app'], ttl: '1h' }))).auth;
    const shortLived = (await ok(c.post('auth/token/create', { policies: ['app'], ttl: '1s' }))).auth;
    const child = (
      await ok(c.as(leased.client_token).post('auth/token/create', { policies: ['app'], ttl: '30m', num_uses: 3 }))
    ).auth;
    await ok(c.as(child.client_token).get('auth/token/lookup-self'));
    const authMountsBefore = (await ok(c.get('sys/auth'))).data;

    await stop(first.vault);
    await sleep(1100); // the 1s token runs out while the server is down

    const second = await start(dir);
    expect(second.vault.rootToken).toBe('root');
    const c2 = second.client;

    expect((await ok(c2.get('secret/metadata/app'))).data).toEqual(metadataBefore);
    expect((await ok(c2.get('secret/data/app?version=3'))).data.data).toEqual({ password: 'pw-3' });
    expect((await ok(c2.get('secret/data/app?version=1'))).data.data).toEqual({ password: 'pw-1' });
    const deleted = await c2.get('secret/data/app?version=2');
    expect(deleted.status).toBe(404);
    expect(deleted.body.data.metadata.deletion_time).not.toBe('');

    expect((await ok(c2.get('sys/policies/acl/app'))).data.policy).toBe(appPolicy);
    expect((await ok(c2.get('sys/auth'))).data).toEqual(authMountsBefore);
    expect((await ok(c2.get('kv1/db'))).data).toEqual({ user: 'u1' });
    expect((await ok(c2.get('cubbyhole/note'))).data).toEqual({ text: 'mine' });

    // The SecretID had two uses; one was spent before the restart.
    const relogin = await ok(c2.post('auth/approle/login', { role_id: roleId, secret_id: secretId }, { token: null }));
    expect(relogin.auth.policies).toEqual(['app', 'default']);
    expect(relogin.auth.entity_id).toBe(firstLogin.entity_id);
    const spent = await c2.post('auth/approle/login', { role_id: roleId, secret_id: secretId }, { token: null });
    expect(spent.status).toBe(400);

    const self = (await ok(c2.as(firstLogin.client_token).get('auth/token/lookup-self'))).data;
    expect(self.accessor).toBe(firstLogin.accessor);
    const leasedSelf = (await ok(c2.as(leased.client_token).get('auth/token/lookup-self'))).data;
    expect(leasedSelf.ttl).toBeGreaterThan(3500);
    expect(leasedSelf.ttl).toBeLessThanOrEqual(3600);
    const byAccessor = (await ok(c2.post('auth/token/lookup-accessor', { accessor: leased.accessor }))).data;
    expect(byAccessor.expire_time).toBe(leasedSelf.expire_time);

    // Use count: 3 granted, 1 spent before the restart, so two more answers and then it is gone.
    expect((await ok(c2.as(child.client_token).get('auth/token/lookup-self'))).data.num_uses).toBe(1);
    expect((await c2.as(child.client_token).get('auth/token/lookup-self')).status).toBe(200);
    expect((await c2.as(child.client_token).get('auth/token/lookup-self')).status).toBe(403);

    // Expired while the server was down; revoking the parent still cascades.
    expect((await c2.as(shortLived.client_token).get('auth/token/lookup-self')).status).toBe(403);
    const otherChild = (
      await ok(c2.as(leased.client_token).post('auth/token/create', { policies: ['app'], ttl: '30m' }))
    ).auth;
    await ok(c2.post('auth/token/revoke', { token: leased.client_token }), 204);
    expect((await c2.as(otherChild.client_token).get('auth/token/lookup-self')).status).toBe(403);
    await stop(second.vault);

    // Giving the same root token id again is not a conflict.
    const third = await start(dir, 'root');
    expect((await ok(third.client.get('auth/token/lookup-self'))).data.policies).toEqual(['root']);
    expect((await ok(third.client.get('secret/data/app'))).data.data).toEqual({ password: 'pw-3' });
  });

  it('without -dev-root-token-id a restart keeps the random root token', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const root = first.vault.rootToken;
    await stop(first.vault);
    const second = await start(dir);
    expect(second.vault.rootToken).toBe(root);
    expect((await ok(second.client.get('auth/token/lookup-self'))).data.policies).toEqual(['root']);
  });

  it('an unmounted engine stays unmounted and its data is gone', async () => {
    const dir = dataDir();
    const first = await start(dir, 'root');
    await ok(first.client.post('secret/data/x', { data: { a: 1 } }));
    await ok(first.client.delete('sys/mounts/secret'), 204);
    await stop(first.vault);
    const second = await start(dir);
    expect(Object.keys((await ok(second.client.get('sys/mounts'))).data)).not.toContain('secret/');
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).not.toContain('"a":1');
  });
});

/** A `vault-dev server -dev` child process on a free port; resolves once the banner names its address. */
async function spawnServer(dir: string): Promise<{ child: ChildProcess; address: string; rootToken: string }> {
  const child = spawn(
    process.execPath,
    [CLI, 'server', '-dev', '-dev-listen-address=127.0.0.1:0', '-dev-root-token-id=root', `-dev-data-dir=${dir}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const address = /Api Address: (\S+)/.exec(out)?.[1];
      const rootToken = /Root Token: (\S+)/.exec(out)?.[1];
      if (address && rootToken) resolve({ child, address, rootToken });
    });
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`vault-dev exited (${code}): ${err}`)));
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('state survives SIGKILL of the server process', () => {
  it('every acknowledged write is there after kill -9, and a live server locks its dir', async () => {
    const dir = dataDir();
    const a = await spawnServer(dir);
    const c = new VaultClient(a.address, a.rootToken);
    await ok(c.post('sys/auth/approle', { type: 'approle' }), 204);
    await ok(c.post('auth/approle/role/ci', { token_policies: 'default' }), 204);
    const roleId = (await ok(c.get('auth/approle/role/ci/role-id'))).data.role_id as string;
    const secretId = (await ok(c.post('auth/approle/role/ci/secret-id', {}))).data.secret_id as string;
    for (let n = 1; n <= 20; n++) await ok(c.post('secret/data/burst', { data: { n } }));

    // A second process on the same dir is refused, naming the holder.
    const second = spawn(process.execPath, [CLI, 'server', '-dev', '-dev-listen-address=127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VAULT_DEV_DATA_DIR: dir },
    });
    children.push(second);
    const refused = await exitOf(second);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `vault-dev: data dir ${dir} is in use by another vault-dev (pid ${a.child.pid}); stop that process or choose another -dev-data-dir`,
    );
    await expect(startVaultDev({ dataDir: dir })).rejects.toThrow(`pid ${a.child.pid}`);

    const killed = new Promise((resolve) => a.child.on('exit', resolve));
    a.child.kill('SIGKILL');
    await killed;

    const b = await spawnServer(dir);
    const c2 = new VaultClient(b.address, b.rootToken);
    const burst = (await ok(c2.get('secret/data/burst'))).data;
    expect(burst.data).toEqual({ n: 20 });
    expect(burst.metadata.version).toBe(20);
    await ok(c2.post('auth/approle/login', { role_id: roleId, secret_id: secretId }, { token: null }));
  });
});

describe('damaged or busy data dirs', () => {
  it('a torn last journal line (a crash mid-write) is dropped and the rest is kept', async () => {
    const dir = dataDir();
    const first = await start(dir, 'root');
    await ok(first.client.post('secret/data/kept', { data: { v: 1 } }));
    await stop(first.vault);
    // Simulate a write cut short: only part of a record, no newline.
    appendFileSync(join(dir, 'journal.log'), '0123456789abcdef [["put","core/policies","x",');
    const second = await start(dir);
    expect((await ok(second.client.get('secret/data/kept'))).data.data).toEqual({ v: 1 });
  });

  it('records journaled without compaction are replayed (as after a crash)', async () => {
    const dir = dataDir();
    const first = await start(dir, 'root');
    await ok(first.client.post('secret/data/journaled', { data: { v: 'j' } }));
    // Copy the files as they are on disk while the server runs (no close, no compaction).
    const state = readFileSync(join(dir, 'state.json'), 'utf8');
    const journal = readFileSync(join(dir, 'journal.log'), 'utf8');
    expect(journal).toContain('journaled');
    await stop(first.vault);
    writeFileSync(join(dir, 'state.json'), state);
    writeFileSync(join(dir, 'journal.log'), journal);
    const second = await start(dir);
    expect((await ok(second.client.get('secret/data/journaled'))).data.data).toEqual({ v: 'j' });
  });

  it('a damaged state file stops start-up with one line naming the file and what to do', async () => {
    const dir = dataDir();
    const first = await start(dir, 'root');
    await stop(first.vault);
    writeFileSync(join(dir, 'state.json'), '{"format":"vault-dev-state","version":1,"sect');
    await expect(startVaultDev({ dataDir: dir })).rejects.toThrow(
      `vault-dev: cannot start from ${join(dir, 'state.json')}: it is not valid JSON (damaged, or not written by vault-dev). Restore the data dir from a backup, or move it aside to start empty (its secrets are then lost).`,
    );
    // The refused start released its lock: fixing the file is enough.
    rmSync(join(dir, 'state.json'));
    await start(dir);
  });

  it('a damaged journal line before the last one is refused, not skipped', async () => {
    const dir = dataDir();
    const first = await start(dir, 'root');
    await stop(first.vault);
    writeFileSync(join(dir, 'journal.log'), 'garbage line\n0123456789abcdef []\n');
    await expect(startVaultDev({ dataDir: dir })).rejects.toThrow(/journal\.log: line 1 of 2 is damaged\. Restore/);
  });

  it('the CLI prints that one line and exits 1', async () => {
    const dir = dataDir();
    const first = await start(dir, 'root');
    await stop(first.vault);
    writeFileSync(join(dir, 'state.json'), 'not json');
    const child = spawn(process.execPath, [CLI, 'server', '-dev', `-dev-data-dir=${dir}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const { code, stderr } = await exitOf(child);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringContaining(`cannot start from ${join(dir, 'state.json')}`),
    ]);
  });

  it('a second server in the same process is refused too', async () => {
    const dir = dataDir();
    await start(dir);
    await expect(startVaultDev({ dataDir: dir })).rejects.toThrow(`in use by another vault-dev (pid ${process.pid})`);
  });

  it('a lock left by a dead process is taken over', async () => {
    const dir = dataDir();
    const first = await start(dir, 'root');
    await stop(first.vault);
    // pid 2^22+1 is above Linux's pid_max default, so no process has it.
    writeFileSync(join(dir, 'vault-dev.lock'), `${2 ** 22 + 1}\n`);
    await start(dir);
  });
});
