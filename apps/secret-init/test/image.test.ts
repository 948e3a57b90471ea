/**
 * The image ships three files of this workspace and no node_modules (Dockerfile): package.json, the bin and
 * the bundle. Laid out the same way in an empty directory, they must do a pod's whole run on their own.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, CLUSTER, putSecret, startStack, type Stack } from './support/vault.js';
import { run, tempDir } from './support/program.js';

const workspace = fileURLToPath(new URL('..', import.meta.url));
/** Copied by the Dockerfile's final stage, relative to the workspace. */
const IMAGE_FILES = ['package.json', 'bin/secret-init.js', 'dist/secret-init.mjs'];

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  await putSecret(stack.root, `${APP}/API_KEY`, 'image-test-api-key');
});

afterAll(async () => {
  await stack?.close();
});

function imageLayout(): string {
  const app = join(tempDir('image'), 'app', 'apps', 'secret-init');
  for (const file of IMAGE_FILES) {
    mkdirSync(join(app, file, '..'), { recursive: true });
    cpSync(join(workspace, file), join(app, file));
  }
  return join(app, 'bin', 'secret-init.js');
}

describe('the image', () => {
  it('its files alone log in, render and write the lease directory, with no node_modules anywhere', async () => {
    const bin = imageLayout();
    const base = tempDir('image-run');
    const config = join(base, 'config');
    mkdirSync(config);
    writeFileSync(join(config, 'app.conf.tmpl'), 'key = {{ lookup "API_KEY" }}\n');
    const env = {
      VAULT_ADDR: stack.vault.address,
      VAULT_ROLE_ID: stack.roleId,
      VAULT_WRAPPED_SECRET_ID: await stack.wrappedSecretId(),
      SECRET_INIT_APP: APP,
      SECRET_INIT_CLUSTER: CLUSTER,
      SECRET_INIT_CONFIG_DIR: config,
      SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
      SECRET_INIT_LEASE_DIR: join(base, 'leases'),
      SECRET_INIT_ENV_FILE: join(base, 'env'),
      SECRET_API_KEY: `secret/data/${APP}/API_KEY`,
    };
    const r = await run(env, [], bin);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(base, 'out', 'app.conf'), 'utf8')).toBe('key = image-test-api-key\n');
    expect(readFileSync(env.SECRET_INIT_ENV_FILE, 'utf8')).toContain("export API_KEY='image-test-api-key'");
    expect(JSON.parse(readFileSync(join(base, 'leases', 'leases.json'), 'utf8'))).toMatchObject({ version: 1 });

    const version = await run({}, ['--version'], bin);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8')).version);
  });
});
