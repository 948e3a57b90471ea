import { describe, expect, it } from 'vitest';
import { createRole, generateSecretId, login, newTestBackend, send } from './test-kit.js';

describe('tidy', () => {
  it("tidy/secret-id removes expired SecretIDs and answers 202 with Vault's warning", async () => {
    const { backend, advance } = newTestBackend();
    await createRole(backend, 'app');
    const expiring = await generateSecretId(backend, 'app', { ttl: 60 });
    const lasting = await generateSecretId(backend, 'app');
    advance(61);
    const w = await send(backend, 'update', 'tidy/secret-id');
    expect(w.status).toBe(202);
    expect(w.warnings).toEqual([
      "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.",
    ]);
    expect((await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id: expiring.secret_id })).status).toBe(
      204,
    );
    expect(
      (
        await send(backend, 'update', 'role/app/secret-id-accessor/lookup', {
          secret_id_accessor: expiring.secret_id_accessor,
        })
      ).status,
    ).toBe(404);
    expect((await send(backend, 'list', 'role/app/secret-id/')).data).toEqual({ keys: [lasting.secret_id_accessor] });
  });

  it('periodic() tidies expired SecretIDs and leaves live ones, local or not', async () => {
    const { backend, advance } = newTestBackend();
    const roleId = await createRole(backend, 'app', { secret_id_ttl: 30 });
    await createRole(backend, 'local', { local_secret_ids: true, secret_id_ttl: 30 });
    const old = await generateSecretId(backend, 'app');
    const oldLocal = await generateSecretId(backend, 'local');
    advance(20);
    const fresh = await generateSecretId(backend, 'app');
    advance(15);
    await backend.periodic();
    expect((await send(backend, 'update', 'role/app/secret-id/lookup', { secret_id: old.secret_id })).status).toBe(204);
    expect(
      (await send(backend, 'update', 'role/local/secret-id/lookup', { secret_id: oldLocal.secret_id })).status,
    ).toBe(204);
    expect((await login(backend, { role_id: roleId, secret_id: fresh.secret_id })).status).toBe(200);
  });

  it('tidy drops the accessors a deleted role left behind', async () => {
    const { backend } = newTestBackend();
    await createRole(backend, 'a');
    await createRole(backend, 'b');
    const { secret_id_accessor } = await generateSecretId(backend, 'a');
    await send(backend, 'delete', 'role/a');
    await createRole(backend, 'a');
    // Vault leaves the accessor index behind on role deletion...
    expect((await send(backend, 'update', 'role/a/secret-id-accessor/lookup', { secret_id_accessor })).status).toBe(
      204,
    );
    await backend.periodic();
    // ...until the tidy collects it.
    expect((await send(backend, 'update', 'role/a/secret-id-accessor/lookup', { secret_id_accessor })).status).toBe(
      404,
    );
  });
});
