/**
 * §2 ACL policies through HTTP: the endpoints, and rule selection as a token
 * experiences it.
 */
import { describe, expect, it } from 'vitest';
import { MULTI_PERMISSION_DENIED, useVaultDev } from './support/vault.js';

const ctx = useVaultDev();

describe('sys/policies/acl', () => {
  it('LIST shows stored policies then root, never the hidden ones', async () => {
    await ctx.client.policy('zeta', 'path "a" { capabilities = ["read"] }');
    const r = await ctx.client.list('sys/policies/acl');
    expect(r.status).toBe(200);
    expect(r.body.data.keys).toEqual(['default', 'zeta', 'root']);
  });

  it('GET returns the raw text; missing is 404; root is empty', async () => {
    const hcl = '# comment kept\npath "secret/data/a" {\n  capabilities = ["read"]\n}\n';
    await ctx.client.policy('RawText', hcl);
    const r = await ctx.client.get('sys/policies/acl/rawtext');
    expect(r.body.data).toEqual({ name: 'rawtext', policy: hcl });
    expect((await ctx.client.get('sys/policies/acl/nope')).body).toEqual({ errors: [] });
    expect((await ctx.client.get('sys/policies/acl/root')).body.data).toEqual({ name: 'root', policy: '' });
  });

  it('a policy may be sent base64-encoded', async () => {
    const hcl = 'path "b64" { capabilities = ["list"] }';
    await ctx.client.put('sys/policies/acl/b64', { policy: Buffer.from(hcl).toString('base64') });
    expect((await ctx.client.get('sys/policies/acl/b64')).body.data.policy).toBe(hcl);
  });

  it.each([
    ['an empty policy', { policy: '' }, `'policy' parameter not supplied or empty`],
    ['an invalid capability', { policy: 'path "x" { capabilities = ["foo"] }' }, 'failed to parse policy'],
    ['a +* wildcard', { policy: 'path "x/+*" { capabilities = ["read"] }' }, 'failed to parse policy'],
  ])('%s is a 400', async (_name, body, message) => {
    const r = await ctx.client.put('sys/policies/acl/bad', body);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toContain(message);
    expect((await ctx.client.get('sys/policies/acl/bad')).status).toBe(404);
  });

  it('root cannot be written, default and root cannot be deleted, deleting a missing policy is 204', async () => {
    expect(
      (await ctx.client.put('sys/policies/acl/root', { policy: 'path "x" { capabilities = ["read"] }' })).body.errors,
    ).toEqual(['cannot update "root" policy']);
    expect((await ctx.client.delete('sys/policies/acl/default')).body.errors).toEqual(['cannot delete default policy']);
    expect((await ctx.client.delete('sys/policies/acl/root')).body.errors).toEqual(['cannot delete "root" policy']);
    expect((await ctx.client.delete('sys/policies/acl/never-existed')).status).toBe(204);
  });

  it('policy names with slashes work (our product names policies secret-api/read-<role>)', async () => {
    await ctx.client.policy('secret-api/read-aws.stg.app', 'path "secret/data/app/*" { capabilities = ["read"] }');
    expect((await ctx.client.get('sys/policies/acl/secret-api/read-aws.stg.app')).status).toBe(200);
  });

  it('legacy sys/policy returns rules, and its list is sys-injected with keys and policies', async () => {
    await ctx.client.policy('legacy', 'path "l" { capabilities = ["read"] }');
    const one = await ctx.client.get('sys/policy/legacy');
    expect(one.body.data).toEqual({ name: 'legacy', rules: 'path "l" { capabilities = ["read"] }' });
    expect(one.body.rules).toBe(one.body.data.rules);
    const all = await ctx.client.get('sys/policy');
    expect(all.body.keys).toEqual(all.body.policies);
    const viaRules = await ctx.client.put('sys/policy/viarules', { rules: 'path "r" { capabilities = ["read"] }' });
    expect(viaRules.status).toBe(200);
    expect(viaRules.body.warnings).toContain(`'rules' is deprecated, please use 'policy' instead`);
  });
});

describe('rule selection as a token sees it', () => {
  it('a policy change applies to the very next request of a token that has it', async () => {
    await ctx.client.policy('live', 'path "secret/data/live" { capabilities = ["read"] }');
    const token = await ctx.client.tokenWith(['live']);
    await ctx.client.post('secret/data/live', { data: { v: 1 } });
    expect((await ctx.client.get('secret/data/live', { token })).status).toBe(200);
    await ctx.client.policy('live', 'path "secret/data/other" { capabilities = ["read"] }');
    expect((await ctx.client.get('secret/data/live', { token })).status).toBe(403);
  });

  it('a more specific allow beats a broader deny', async () => {
    await ctx.client.policy(
      'specific-allow',
      'path "secret/data/*" { capabilities = ["deny"] }\npath "secret/data/ok" { capabilities = ["read"] }',
    );
    const token = await ctx.client.tokenWith(['specific-allow']);
    await ctx.client.post('secret/data/ok', { data: { v: 1 } });
    await ctx.client.post('secret/data/no', { data: { v: 1 } });
    expect((await ctx.client.get('secret/data/ok', { token })).status).toBe(200);
    expect((await ctx.client.get('secret/data/no', { token })).status).toBe(403);
  });

  it('create-only cannot overwrite an existing KV key (existence decides create vs update before the ACL)', async () => {
    await ctx.client.policy('create-only', 'path "secret/data/co/*" { capabilities = ["create"] }');
    const token = await ctx.client.tokenWith(['create-only']);
    expect((await ctx.client.post('secret/data/co/new', { data: { v: 1 } }, { token })).status).toBe(200);
    const again = await ctx.client.post('secret/data/co/new', { data: { v: 2 } }, { token });
    expect(again.status).toBe(403);
    expect(again.body.errors).toEqual([MULTI_PERMISSION_DENIED]);
  });

  it('an exact rule without the trailing slash matches a LIST', async () => {
    await ctx.client.policy('list-exact', 'path "secret/metadata/team" { capabilities = ["list"] }');
    const token = await ctx.client.tokenWith(['list-exact']);
    await ctx.client.post('secret/data/team/a', { data: { v: 1 } });
    expect((await ctx.client.list('secret/metadata/team', { token })).status).toBe(200);
  });
});

describe('sys/capabilities-self', () => {
  it('maps each path to its sorted capabilities, repeats a single path as capabilities, and denies by default', async () => {
    await ctx.client.policy('caps', 'path "secret/data/caps" { capabilities = ["update", "read", "create"] }');
    const token = await ctx.client.tokenWith(['caps']);
    const one = await ctx.client.post('sys/capabilities-self', { paths: ['secret/data/caps'] }, { token });
    expect(one.body.data).toEqual({
      'secret/data/caps': ['create', 'read', 'update'],
      capabilities: ['create', 'read', 'update'],
    });
    expect(one.body.capabilities).toEqual(['create', 'read', 'update']);
    const two = await ctx.client.post('sys/capabilities-self', { paths: 'secret/data/caps,sys/mounts' }, { token });
    expect(two.body.data['sys/mounts']).toEqual(['deny']);
    expect(two.body.data.capabilities).toBeUndefined();
  });

  it('root gets ["root"] and no paths is a 400', async () => {
    expect((await ctx.client.post('sys/capabilities-self', { paths: ['anything'] })).body.data.anything).toEqual([
      'root',
    ]);
    const none = await ctx.client.post('sys/capabilities-self', {});
    expect(none.status).toBe(400);
    expect(none.body.errors).toEqual(['paths must be supplied']);
  });
});
