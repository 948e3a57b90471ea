/**
 * Who may read what secret-init writes. The pod has a `securityContext.fsGroup`: Kubernetes makes the
 * emptyDir volumes group-owned by it, with the setgid bit, and the app container runs as another uid
 * with the fsGroup as a supplemental group. So rendered files and the env file are group-readable
 * (0640, or SECRET_INIT_FILE_MODE), directories 0750, and all of it belongs to the fsGroup; the lease
 * directory stays the owner's alone (0700, files 0600), for secret-refresh running as the same uid.
 */
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, CLUSTER, putSecret, startStack, type Stack } from './support/vault.js';
import { listTree, run, tempDir } from './support/program.js';

const SETGID = 0o2000;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  await putSecret(stack.root, `${APP}/API_KEY`, 'mode-test-api-key');
});

afterAll(async () => {
  await stack?.close();
});

/** A volume as Kubernetes mounts an emptyDir for a pod with an fsGroup: group-owned, setgid. */
function fsGroupVolume(): { dir: string; gid: number } {
  const dir = join(tempDir('fsgroup'), 'volume');
  mkdirSync(dir);
  // Root may hand the directory to any group; another user, to a supplementary group it has, if any.
  const gid =
    process.getuid?.() === 0
      ? 4242
      : (process.getgroups?.().find((g) => g !== process.getgid?.()) ?? statSync(dir).gid);
  chownSync(dir, -1, gid);
  chmodSync(dir, 0o770 | SETGID);
  return { dir, gid };
}

async function render(extra: Record<string, string>) {
  const base = tempDir('modes');
  const config = join(base, 'config');
  mkdirSync(join(config, 'nested', 'deeper'), { recursive: true });
  writeFileSync(join(config, 'app.conf.tmpl'), 'key = {{ lookup "API_KEY" }}\n');
  writeFileSync(join(config, 'nested', 'deeper', 'inner.conf.tmpl'), 'key = {{ lookup "API_KEY" }}\n');
  const env = {
    VAULT_ADDR: stack.vault.address,
    VAULT_ROLE_ID: stack.roleId,
    VAULT_SECRET_ID: await stack.secretId(),
    SECRET_INIT_APP: APP,
    SECRET_INIT_CLUSTER: CLUSTER,
    SECRET_INIT_CONFIG_DIR: config,
    SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
    SECRET_INIT_ENV_FILE: join(base, 'env', 'variables'),
    SECRET_INIT_LEASE_DIR: join(base, 'leases'),
    SECRET_API_KEY: `secret/data/${APP}/API_KEY`,
    ...extra,
  };
  return { env, result: await run(env) };
}

const mode = (path: string) => statSync(path).mode & 0o7777;

describe('file modes for a pod with an fsGroup', () => {
  it('in an fsGroup volume every file and directory secret-init creates belongs to the group; directories keep setgid, whatever the umask', async () => {
    const volume = fsGroupVolume();
    const previous = process.umask(0o077);
    let outcome: Awaited<ReturnType<typeof render>>;
    try {
      outcome = await render({
        SECRET_INIT_OUTPUT_DIR: join(volume.dir, 'etc', 'secrets'),
        SECRET_INIT_ENV_FILE: join(volume.dir, 'env', 'variables'),
      });
    } finally {
      process.umask(previous);
    }
    const { result } = outcome;
    expect(result.code, result.stderr).toBe(0);
    const created = listTree(volume.dir).map((rel) => join(volume.dir, rel));
    expect(created).toHaveLength(8);
    for (const path of created) expect({ path, gid: statSync(path).gid }).toEqual({ path, gid: volume.gid });
    for (const dir of ['etc', 'etc/secrets', 'etc/secrets/nested', 'etc/secrets/nested/deeper', 'env']) {
      expect({ dir, mode: mode(join(volume.dir, dir)) }).toEqual({ dir, mode: 0o750 | SETGID });
    }
    for (const file of ['etc/secrets/app.conf', 'etc/secrets/nested/deeper/inner.conf', 'env/variables']) {
      expect({ file, mode: mode(join(volume.dir, file)) }).toEqual({ file, mode: 0o640 });
    }
  });

  it('SECRET_INIT_FILE_MODE sets the mode of rendered files and the env file, not of the lease directory', async () => {
    const { env, result } = await render({ SECRET_INIT_FILE_MODE: '0600' });
    expect(result.code, result.stderr).toBe(0);
    expect(mode(join(env.SECRET_INIT_OUTPUT_DIR, 'app.conf'))).toBe(0o600);
    expect(mode(join(env.SECRET_INIT_OUTPUT_DIR, 'nested/deeper/inner.conf'))).toBe(0o600);
    expect(mode(env.SECRET_INIT_ENV_FILE)).toBe(0o600);
    expect(mode(join(env.SECRET_INIT_OUTPUT_DIR, 'nested'))).toBe(0o750);
    expect(mode(env.SECRET_INIT_LEASE_DIR)).toBe(0o700);
    expect(mode(join(env.SECRET_INIT_LEASE_DIR, 'token'))).toBe(0o600);
    expect(mode(join(env.SECRET_INIT_LEASE_DIR, 'leases.json'))).toBe(0o600);
  });

  it.each([
    ['0644', 'must give other users no access'],
    ['0604', 'must give other users no access'],
    ['0240', 'must let the owner read'],
    ['rw-r-----', 'must be an octal file mode'],
    ['4640', 'must be an octal file mode'],
    ['06400', 'must be an octal file mode'],
  ])(
    'SECRET_INIT_FILE_MODE=%s is refused with one line naming the variable, exit 2, nothing written',
    async (value, why) => {
      const { env, result } = await render({ SECRET_INIT_FILE_MODE: value });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`SECRET_INIT_FILE_MODE ${why}`);
      expect(() => statSync(env.SECRET_INIT_OUTPUT_DIR)).toThrow();
      expect(() => statSync(env.SECRET_INIT_LEASE_DIR)).toThrow();
    },
  );

  it.each(['0640', '640', '0o640', '0440', '0660'])('SECRET_INIT_FILE_MODE=%s is accepted', async (value) => {
    const { env, result } = await render({ SECRET_INIT_FILE_MODE: value });
    expect(result.code, result.stderr).toBe(0);
    expect(mode(join(env.SECRET_INIT_OUTPUT_DIR, 'app.conf'))).toBe(parseInt(value.replace(/^0o/, ''), 8));
  });
});
