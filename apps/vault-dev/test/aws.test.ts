/**
 * The AWS engine through HTTP. No AWS is reachable: these tests hold the
 * engine to Vault's paths, validation, key shapes and leases.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useVaultDev } from './support/vault.js';

const ctx = useVaultDev();

beforeAll(async () => {
  const c = ctx.client;
  expect((await c.post('sys/mounts/aws', { type: 'aws' })).status).toBe(204);
  expect(
    (await c.post('aws/config/root', { access_key: 'AKIAROOT', secret_key: 'root-secret', region: 'eu-west-1' }))
      .status,
  ).toBe(204);
  expect((await c.post('aws/config/lease', { lease: '30m', lease_max: '1h' })).status).toBe(204);
  await c.post('aws/roles/deploy', {
    credential_type: 'iam_user',
    policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  });
  await c.post('aws/roles/assume', {
    credential_type: 'assumed_role',
    role_arns: ['arn:aws:iam::123456789012:role/Deployer'],
    max_sts_ttl: '2h',
  });
  await c.policy('aws-user', 'path "aws/creds/*" { capabilities = ["read"] }');
});

describe('aws/config', () => {
  it('root config reads back without secret_key; lease config as Go durations', async () => {
    const root = await ctx.client.get('aws/config/root');
    expect(root.body.data).toMatchObject({ access_key: 'AKIAROOT', region: 'eu-west-1', max_retries: -1 });
    expect(root.text).not.toContain('root-secret');
    expect((await ctx.client.get('aws/config/lease')).body.data).toEqual({ lease: '30m0s', lease_max: '1h0m0s' });
    expect((await ctx.client.post('aws/config/lease', { lease: '30m' })).body).toEqual({
      errors: ["'lease_max' is a required parameter"],
    });
  });
});

describe('aws/roles', () => {
  it('validation failures are one 400 with Vault’s wording', async () => {
    expect((await ctx.client.post('aws/roles/x', {})).body).toEqual({ errors: ['did not supply credential_type'] });
    const r = await ctx.client.post('aws/roles/x', {
      credential_type: 'iam_user',
      role_arns: ['arn:aws:iam::1:role/a'],
    });
    expect(r.body).toEqual({
      errors: [
        'error(s) validating supplied role data: "1 error occurred:\\n\\t* cannot supply role_arns when credential_type isn\'t assumed_role\\n\\n"',
      ],
    });
    const doc = await ctx.client.post('aws/roles/x', { credential_type: 'iam_user', policy_document: '{nope' });
    expect(doc.body).toEqual({ errors: ['cannot parse policy document: "{nope"'] });
    expect((await ctx.client.get('aws/roles/x')).status).toBe(404);
  });

  it('reads back credential_type as a string and TTLs as numbers; lists', async () => {
    const r = await ctx.client.get('aws/roles/assume');
    expect(r.body.data).toMatchObject({ credential_type: 'assumed_role', max_sts_ttl: 7200, default_sts_ttl: 0 });
    expect((await ctx.client.list('aws/roles')).body.data.keys).toEqual(['assume', 'deploy']);
  });
});

describe('aws/creds', () => {
  it('iam_user: an AKIA key pair under a renewable lease from config/lease', async () => {
    const token = await ctx.client.tokenWith(['aws-user']);
    const r = await ctx.client.get('aws/creds/deploy', { token });
    expect(r.status, r.text).toBe(200);
    expect(r.body.data.access_key).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(r.body.data.secret_key).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(r.body.data.security_token).toBeNull();
    expect(r.body).toMatchObject({ renewable: true, lease_duration: 1800 });
    expect(r.body.lease_id).toMatch(/^aws\/creds\/deploy\/[A-Za-z0-9]{24}$/);
    const renewed = await ctx.client.put('sys/leases/renew', { lease_id: r.body.lease_id, increment: 600 });
    expect(renewed.body).toMatchObject({ lease_duration: 600, renewable: true });
    expect((await ctx.client.post('sys/leases/revoke', { lease_id: r.body.lease_id })).status).toBe(204);
    expect((await ctx.client.post('sys/leases/lookup', { lease_id: r.body.lease_id })).body).toEqual({
      errors: ['invalid lease'],
    });
  });

  it('a token on its last use gets no credentials: the lease would die with the token, so Vault refuses, 400', async () => {
    const leases = async (): Promise<number> =>
      ((await ctx.client.list('sys/leases/lookup/aws/creds/deploy')).body.data?.keys ?? []).length;
    const before = await leases();
    const token = await ctx.client.tokenWith(['aws-user'], { num_uses: 1 });
    const r = await ctx.client.get('aws/creds/deploy', { token });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      errors: ['Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.'],
    });
    expect((await ctx.client.post('auth/token/lookup', { token })).status).toBe(403);
    expect(await leases()).toBe(before);
    // With a use to spare, the same read answers.
    const twice = await ctx.client.tokenWith(['aws-user'], { num_uses: 2 });
    expect((await ctx.client.get('aws/creds/deploy', { token: twice })).status).toBe(200);
  });

  it('assumed_role via aws/sts: ASIA key, session token, arn, non-renewable lease', async () => {
    const r = await ctx.client.post('aws/sts/assume', { ttl: '15m', role_session_name: 'ci' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.data.access_key).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(r.body.data.security_token.length).toBeGreaterThan(100);
    expect(r.body.data.arn).toBe('arn:aws:sts::123456789012:assumed-role/Deployer/ci');
    expect(r.body).toMatchObject({ renewable: false, lease_duration: 900 });
    const renew = await ctx.client.put('sys/leases/renew', { lease_id: r.body.lease_id });
    expect(renew.body).toEqual({ errors: ['lease is not renewable'] });
  });

  it('an STS TTL past max_sts_ttl is capped', async () => {
    const r = await ctx.client.get('aws/creds/assume?ttl=5h');
    expect(r.body.lease_duration).toBe(7200);
  });

  it('refusals: unknown role, role_arn not allowed, federation token without a policy', async () => {
    expect((await ctx.client.get('aws/creds/nope')).body).toEqual({ errors: ['Role "nope" not found'] });
    const arn = await ctx.client.post('aws/sts/assume', { role_arn: 'arn:aws:iam::123456789012:role/Other' });
    expect(arn.body).toEqual({
      errors: ['role_arn "arn:aws:iam::123456789012:role/Other" not in allowed role arns for Vault role "assume"'],
    });
    await ctx.client.post('aws/roles/fed', { credential_type: 'federation_token' });
    expect((await ctx.client.get('aws/creds/fed')).body).toEqual({
      errors: ['must specify at least one of policy_arns or policy_document with federation_token credential_type'],
    });
  });

  it('revoking the token that asked revokes its leases', async () => {
    const token = await ctx.client.tokenWith(['aws-user']);
    const r = await ctx.client.get('aws/creds/deploy', { token });
    await ctx.client.post('auth/token/revoke', { token });
    const lookup = await ctx.client.post('sys/leases/lookup', { lease_id: r.body.lease_id });
    expect(lookup.body).toEqual({ errors: ['invalid lease'] });
  });
});
