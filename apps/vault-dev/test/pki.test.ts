/**
 * The PKI engine through HTTP: a root CA, a role, and leaf certificates that
 * OpenSSL verifies against the CA, with the SANs and validity asked for.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useVaultDev } from './support/vault.js';

const ctx = useVaultDev();
let caPem: string;

beforeAll(async () => {
  const c = ctx.client;
  expect((await c.post('sys/mounts/pki', { type: 'pki' })).status).toBe(204);
  const root = await c.post('pki/root/generate/internal', { common_name: 'dev root', ttl: '87600h' });
  expect(root.status, root.text).toBe(200);
  caPem = root.body.data.certificate;
  const role = await c.post('pki/roles/web', {
    allowed_domains: ['example.com'],
    allow_subdomains: true,
    max_ttl: '72h',
  });
  expect(role.status, role.text).toBe(200);
  await c.policy('pki-issuer', 'path "pki/issue/web" { capabilities = ["update"] }');
});

function opensslVerify(ca: string, leaf: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  writeFileSync(join(dir, 'ca.pem'), `${ca}\n`);
  writeFileSync(join(dir, 'leaf.pem'), `${leaf}\n`);
  return execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')]).toString();
}

describe('pki/root/generate', () => {
  it('answers a self-signed CA with serial and expiration; the key only when exported', async () => {
    const ca = new X509Certificate(caPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=dev root');
    const exported = await ctx.client.post('pki/root/generate/exported', { common_name: 'x', key_type: 'ec' });
    expect(exported.body.data.private_key).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(exported.body.data.serial_number).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){19}$/);
    expect(typeof exported.body.data.expiration).toBe('number');
    // Back to the RSA root the rest of the file issues from.
    const again = await ctx.client.post('pki/root/generate/internal', { common_name: 'dev root', ttl: '87600h' });
    expect(again.body.data.private_key).toBeUndefined();
    caPem = again.body.data.certificate;
  });

  it('a bad type is Vault’s 400', async () => {
    const r = await ctx.client.post('pki/root/generate/nope', { common_name: 'x' });
    expect(r.body).toEqual({
      errors: ['the "exported" path parameter must be "internal", "existing", exported" or "kms"'],
    });
  });
});

describe('pki/issue', () => {
  it('issues a leaf that openssl verifies against the CA, with the SANs and TTL asked for', async () => {
    const token = await ctx.client.tokenWith(['pki-issuer']);
    const r = await ctx.client.post(
      'pki/issue/web',
      { common_name: 'app.example.com', alt_names: 'api.example.com', ip_sans: '10.0.0.7', ttl: '1h' },
      { token },
    );
    expect(r.status, r.text).toBe(200);
    const d = r.body.data;
    expect(r.body.lease_id).toBe('');
    expect(d.issuing_ca).toBe(caPem);
    expect(d.ca_chain).toEqual([caPem]);
    expect(d.private_key_type).toBe('rsa');
    expect(d.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(opensslVerify(caPem, d.certificate)).toContain('OK');
    const leaf = new X509Certificate(d.certificate);
    expect(leaf.subjectAltName).toBe('DNS:app.example.com, DNS:api.example.com, IP Address:10.0.0.7');
    const lifetime = (Date.parse(leaf.validTo) - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(3590);
    expect(lifetime).toBeLessThanOrEqual(3600);
    expect(d.expiration).toBe(Math.floor(Date.parse(leaf.validTo) / 1000));
    expect(leaf.serialNumber.toLowerCase()).toBe(d.serial_number.replace(/:/g, ''));
    const fetched = await ctx.client.get(`pki/cert/${d.serial_number.replace(/:/g, '-')}`, { token: null });
    expect(fetched.body.data).toMatchObject({ certificate: d.certificate, revocation_time: 0 });
  });

  it('names the role does not allow are 400s with Vault’s texts', async () => {
    const bare = await ctx.client.post('pki/issue/web', { common_name: 'example.com' });
    expect(bare.body).toEqual({ errors: ['common name example.com not allowed by this role'] });
    const san = await ctx.client.post('pki/issue/web', { common_name: 'a.example.com', alt_names: 'evil.org' });
    expect(san.body).toEqual({ errors: ['subject alternate name evil.org not allowed by this role'] });
    const ip = await ctx.client.post('pki/issue/web', { common_name: 'a.example.com', ip_sans: 'not-an-ip' });
    expect(ip.body).toEqual({ errors: ['the value "not-an-ip" is not a valid IP address'] });
    expect((await ctx.client.post('pki/issue/nope', { common_name: 'a.example.com' })).body).toEqual({
      errors: ['unknown role: nope'],
    });
  });

  it('a TTL past the role’s max_ttl is capped with Vault’s warning', async () => {
    const r = await ctx.client.post('pki/issue/web', { common_name: 'a.example.com', ttl: '100h' });
    expect(r.body.warnings).toEqual([
      'TTL "100h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used',
    ]);
  });

  it('an EC role with generate_lease gets a non-renewable lease; revoking it revokes the certificate', async () => {
    await ctx.client.post('pki/roles/leased', { allow_any_name: true, key_type: 'ec', generate_lease: true });
    const r = await ctx.client.post('pki/issue/leased', { common_name: 'svc.internal', ttl: '10m' });
    expect(r.body.lease_id).toMatch(/^pki\/issue\/leased\/[A-Za-z0-9]{24}$/);
    expect(r.body.renewable).toBe(false);
    expect(r.body.data.private_key).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(opensslVerify(caPem, r.body.data.certificate)).toContain('OK');
    const renew = await ctx.client.put('sys/leases/renew', { lease_id: r.body.lease_id });
    expect(renew.body).toEqual({ errors: ['lease is not renewable'] });
    expect((await ctx.client.post('sys/leases/revoke', { lease_id: r.body.lease_id })).status).toBe(204);
    const cert = await ctx.client.get(`pki/cert/${r.body.data.serial_number}`);
    expect(cert.body.data.revocation_time).toBeGreaterThan(0);
  });
});

describe('pki roles and fetch', () => {
  it('role reads carry Vault’s defaults; bad key sizes are 400s', async () => {
    const r = await ctx.client.get('pki/roles/web');
    expect(r.body.data).toMatchObject({ allow_localhost: true, allow_ip_sans: true, key_type: 'rsa', key_bits: 2048 });
    const bad = await ctx.client.post('pki/roles/bad', { key_bits: 1024 });
    expect(bad.body).toEqual({ errors: ['RSA keys < 2048 bits are unsafe and not supported: got 1024'] });
    expect((await ctx.client.list('pki/roles')).body.data.keys).toEqual(['leased', 'web']);
  });

  it('cert/ca is served without a token', async () => {
    const r = await ctx.client.get('pki/cert/ca', { token: null });
    expect(r.body.data).toEqual({ certificate: caPem, revocation_time: 0, revocation_time_rfc3339: '' });
  });
});

/** A raw fetch, as curl does it: no token, the body as bytes, the headers as sent. */
async function rawFetch(path: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(`${ctx.vault.address}/v1/${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

function opensslDerToPem(der: Buffer, kind: 'x509' | 'crl'): string {
  const dir = mkdtempSync(join(tmpdir(), 'pki-raw-'));
  writeFileSync(join(dir, 'in.der'), der);
  return execFileSync('openssl', [kind, '-inform', 'DER', '-in', join(dir, 'in.der')])
    .toString()
    .trim();
}

describe('raw pki fetches (no JSON envelope, Vault’s content types)', () => {
  it('pki/ca is the CA in DER (application/pkix-cert) that openssl reads back to the same PEM', async () => {
    const r = await rawFetch('pki/ca');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/pkix-cert');
    expect(opensslDerToPem(r.body, 'x509')).toBe(caPem);
  });

  it('pki/ca/pem and pki/cert/ca/raw/pem are the PEM (application/pem-certificate-chain); cert/ca/raw the DER', async () => {
    for (const path of ['pki/ca/pem', 'pki/cert/ca/raw/pem']) {
      const r = await rawFetch(path);
      expect(r.status).toBe(200);
      expect(r.type).toBe('application/pem-certificate-chain');
      expect(r.body.toString()).toBe(caPem);
    }
    const der = await rawFetch('pki/cert/ca/raw');
    expect(der.type).toBe('application/pkix-cert');
    expect(opensslDerToPem(der.body, 'x509')).toBe(caPem);
  });

  it('pki/ca_chain is the PEM chain, labelled application/pkix-cert as Vault does', async () => {
    const r = await rawFetch('pki/ca_chain');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/pkix-cert');
    expect(r.body.toString()).toBe(caPem);
  });

  it('cert/<serial>/raw and /raw/pem serve an issued leaf; an unknown serial is an empty 204', async () => {
    const issued = (await ctx.client.post('pki/issue/web', { common_name: 'raw.example.com', ttl: '1h' })).body.data;
    const der = await rawFetch(`pki/cert/${issued.serial_number}/raw`);
    expect(der.type).toBe('application/pkix-cert');
    expect(opensslDerToPem(der.body, 'x509')).toBe(issued.certificate);
    const pem = await rawFetch(`pki/cert/${issued.serial_number.replace(/:/g, '-')}/raw/pem`);
    expect(pem.body.toString()).toBe(issued.certificate);
    const missing = await rawFetch('pki/cert/01:02:03/raw');
    expect(missing.status).toBe(204);
    expect(missing.body.length).toBe(0);
  });

  it('pki/crl is a DER CRL signed by the CA listing revoked certificates; crl/pem the same in PEM', async () => {
    await ctx.client.post('pki/roles/revocable', { allow_any_name: true, generate_lease: true });
    const r = await ctx.client.post('pki/issue/revocable', { common_name: 'gone.internal', ttl: '10m' });
    expect((await ctx.client.post('sys/leases/revoke', { lease_id: r.body.lease_id })).status).toBe(204);
    const crl = await rawFetch('pki/crl');
    expect(crl.type).toBe('application/pkix-crl');
    const dir = mkdtempSync(join(tmpdir(), 'pki-crl-'));
    writeFileSync(join(dir, 'crl.der'), crl.body);
    writeFileSync(join(dir, 'ca.pem'), `${caPem}\n`);
    const check = spawnSync(
      'openssl',
      ['crl', '-inform', 'DER', '-in', join(dir, 'crl.der'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-text'],
      { encoding: 'utf8' },
    );
    expect(check.stderr).toContain('verify OK');
    expect(check.stdout).toContain(r.body.data.serial_number.replace(/:/g, '').toUpperCase());
    const pem = await rawFetch('pki/crl/pem');
    expect(pem.type).toBe('application/x-pem-file');
    expect(pem.body.toString()).toBe(opensslDerToPem(crl.body, 'crl'));
  });

  it('a mount without a CA answers the raw paths with an empty 204', async () => {
    expect((await ctx.client.post('sys/mounts/pki-empty', { type: 'pki' })).status).toBe(204);
    for (const path of ['pki-empty/ca', 'pki-empty/ca/pem', 'pki-empty/ca_chain', 'pki-empty/crl']) {
      const r = await rawFetch(path);
      expect(r.status, path).toBe(204);
      expect(r.body.length).toBe(0);
    }
  });
});
