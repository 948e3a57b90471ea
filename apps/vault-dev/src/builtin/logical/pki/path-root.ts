/**
 * `root/generate/:exported`, after Vault's builtin/logical/pki/path_root.go:
 * a self-signed CA with a fresh key; `exported` also answers the key.
 * vault-dev keeps one issuer per mount: generating again replaces it.
 */
import { randomUUID } from 'node:crypto';
import { formatGoDuration } from '../../../sdk/duration.js';
import { errorResponse } from '../../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../../sdk/framework.js';
import type { Response } from '../../../sdk/logical.js';
import { NOT_BEFORE_BACKDATE_MS, type PkiContext } from './context.js';
import { checkKeyParams, createRoot, pkcs8Pem, randomSerial, vaultKeyPem } from './x509.js';

export function rootPaths(ctx: PkiContext): PathSpec[] {
  return [
    {
      pattern: 'root/generate/(?<exported>\\w(([\\w-.]+)?\\w)?)$',
      fields: {
        exported: { type: 'string', description: 'Must be "internal", "exported" or "kms".' },
        common_name: { type: 'string', description: 'The requested common name.' },
        ttl: { type: 'durationSecond', description: 'The requested Time To Live for the certificate.' },
        key_type: { type: 'string', default: 'rsa', description: 'The type of key to use.' },
        key_bits: { type: 'int', default: 0, description: 'The number of bits to use.' },
        issuer_name: { type: 'string', description: 'Provide a name to the generated issuer.' },
        key_name: { type: 'string', description: 'Provide a name to the generated key.' },
      },
      operations: { update: (_req, data) => generateRoot(ctx, data) },
    },
  ];
}

async function generateRoot(ctx: PkiContext, data: FieldData): Promise<Response> {
  const exported = data.get<string>('exported');
  if (!['internal', 'exported', 'existing', 'kms'].includes(exported)) {
    return errorResponse('the "exported" path parameter must be "internal", "existing", exported" or "kms"');
  }
  if (exported === 'existing' || exported === 'kms') {
    return errorResponse(`vault-dev generates roots with new keys only ("internal" or "exported"), not ${exported}`);
  }
  const key = checkKeyParams(data.get<string>('key_type'), data.get<number>('key_bits'));
  if (typeof key === 'string') return errorResponse(key);
  const warnings: string[] = [];
  const max = ctx.system.maxLeaseTTL();
  let ttl = data.get<number>('ttl') || ctx.system.defaultLeaseTTL();
  if (ttl > max) {
    warnings.push(
      `TTL ${JSON.stringify(formatGoDuration(ttl))} is longer than permitted maxTTL ${JSON.stringify(formatGoDuration(max))}, so maxTTL is being used`,
    );
    ttl = max;
  }
  const now = ctx.now();
  const notAfter = new Date(Math.floor((now + ttl * 1000) / 1000) * 1000);
  const serial = randomSerial();
  const commonName = data.get<string>('common_name');
  const { certPem, keys } = await createRoot({
    commonName,
    type: key.type,
    bits: key.bits,
    notBefore: new Date(now - NOT_BEFORE_BACKDATE_MS),
    notAfter,
    serialHex: serial.hex,
  });
  const issuerId = randomUUID();
  const keyId = randomUUID();
  ctx.store.setCa({
    issuerId,
    keyId,
    certificatePem: certPem,
    privateKeyPem: await pkcs8Pem(keys.privateKey),
    keyType: key.type,
    keyBits: key.bits,
    serialNumber: serial.colon,
    notAfter: notAfter.getTime(),
  });
  ctx.store.putCert(serial.colon, { certificatePem: certPem, revocationTime: 0 });
  if (commonName === '') {
    warnings.push(
      'This issuer certificate was generated without a Subject; this makes it likely that issuing leaf certs with this certificate will cause TLS validation libraries to reject this certificate.',
    );
  }
  const out: Record<string, unknown> = {
    certificate: certPem,
    expiration: Math.floor(notAfter.getTime() / 1000),
    issuer_id: issuerId,
    issuer_name: data.get<string>('issuer_name'),
    issuing_ca: certPem,
    key_id: keyId,
    key_name: data.get<string>('key_name'),
    serial_number: serial.colon,
  };
  if (exported === 'exported') {
    out['private_key'] = await vaultKeyPem(keys.privateKey, key.type);
    out['private_key_type'] = key.type;
  }
  return { data: out, ...(warnings.length > 0 ? { warnings } : {}) };
}
