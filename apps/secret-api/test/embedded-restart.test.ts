/**
 * The embedded stack stopped and started again on the same data directory: vault-dev keeps its state there
 * (`-dev-data-dir`), so what a developer set up survives a restart next to the embedded database.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/env.js';
import { mintDevToken } from '../src/embedded/dev-token.js';
import { prepareEmbeddedStack, type EmbeddedStack } from '../src/embedded/stack.js';
import { createLogger } from '../src/observability/logger.js';
import { startSecretApi, type RunningSecretApi } from '../src/server.js';
import { ApiClient, type ApiReply } from './support/http.js';

let root: string;
let dataDir: string;
const running: { stack: EmbeddedStack; api: RunningSecretApi }[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'secret-api-restart-'));
  dataDir = join(root, '.data');
});

afterAll(async () => {
  for (const { stack, api } of running) {
    await api.close();
    await stack.stop();
  }
  await rm(root, { recursive: true, force: true });
});

/** Starts the stack as `npm start` does, and returns a client holding the admin token of its banner. */
async function start(): Promise<{ admin: ApiClient; stop(): Promise<void>; vaultToken: string }> {
  const stack = await prepareEmbeddedStack(
    // Without the Kubernetes stand-ins (embedded-kubernetes.test.ts runs those): dev principals are unprefixed.
    { DATA_DIR: dataDir, PORT: '0', EMBEDDED_KUBERNETES: 'false' },
    { log: () => undefined, vaultPort: 0 },
  );
  const api = await startSecretApi(parseConfig(stack.env), { logger: createLogger('silent'), defaultMetrics: false });
  const entry = { stack, api };
  running.push(entry);
  const token = /^\s*export SECRET_API_TOKEN=(\S+)/m.exec(await stack.banner(api.url))?.[1];
  return {
    admin: new ApiClient(api.url, token),
    vaultToken: stack.env['VAULT_TOKEN'] as string,
    stop: async () => {
      running.splice(running.indexOf(entry), 1);
      await api.close();
      await stack.stop();
    },
  };
}

const ok = (reply: ApiReply) => expect(reply.status, reply.text).toBeLessThan(300);

describe('embedded dev stack: a restart', { timeout: 120_000 }, () => {
  it('keeps secrets, AppRoles and the root token: same RoleID, the value revealed, the next set is version 2', async () => {
    const first = await start();
    ok(await first.admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['system:serviceaccount:x:y'] }));
    ok(
      await first.admin.post('/v1/apps', {
        name: 'myapp',
        ownerGroups: ['team-a'],
        revealGroups: ['team-a'],
      }),
    );
    const firstOwner = first.admin.as(
      await mintDevToken({ subject: 'alice@example.com', groups: ['team-a'], ttlSeconds: 60, dataDir }, {}),
    );
    ok(await firstOwner.put('/v1/apps/myapp/secrets/DB_PASSWORD', { value: 'first-value' }));
    const ensured = await first.admin.put('/v1/apps/myapp/clusters/aws.stg/approle');
    ok(ensured);
    await first.stop();

    const second = await start();
    expect(second.vaultToken).toBe(first.vaultToken);
    const roleId = await second.admin.get('/v1/apps/myapp/clusters/aws.stg/approle');
    expect(roleId.status).toBe(200);
    expect(roleId.body.roleId).toBe(ensured.body.roleId);
    // An admin may not reveal (separation of duties): the app's owner does, with a dev token.
    const owner = second.admin.as(
      await mintDevToken({ subject: 'alice@example.com', groups: ['team-a'], ttlSeconds: 60, dataDir }, {}),
    );
    const revealed = await owner.get('/v1/apps/myapp/secrets/DB_PASSWORD?reveal=true');
    expect(revealed.status).toBe(200);
    expect(revealed.body).toMatchObject({ version: 1, value: 'first-value' });
    const set = await owner.put('/v1/apps/myapp/secrets/DB_PASSWORD', { value: 'second-value' });
    expect(set.status).toBe(200);
    expect(set.body.version).toBe(2);
    await second.stop();
  });

  it("keeps vault-dev's state in <DATA_DIR>/vault and its root token owner-only in the data directory", async () => {
    expect((await stat(join(dataDir, 'vault'))).isDirectory()).toBe(true);
    expect(((await stat(join(dataDir, 'vault-root-token'))).mode & 0o777).toString(8)).toBe('600');
    expect((await readFile(join(dataDir, 'vault-root-token'), 'utf8')).trim()).toMatch(/^[0-9a-f]{48}$/);
  });
});
