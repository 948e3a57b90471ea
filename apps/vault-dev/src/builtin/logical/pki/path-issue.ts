/**
 * `issue/:role`, after Vault's builtin/logical/pki/path_issue_sign.go: checks
 * the names against the role, works out the validity (capped by the role or
 * mount max, never past the CA), issues a leaf with a new key, stores the
 * certificate (unless no_store) and leases it when the role says generate_lease.
 */
import { isIP } from 'node:net';
import { formatGoDuration } from '../../../sdk/duration.js';
import { errorResponse, VaultError } from '../../../sdk/errors.js';
import { genericNameRegex, type FieldData, type PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Request, Response } from '../../../sdk/logical.js';
import { formatRFC3339Nano, millisToNanos } from '../../../sdk/time.js';
import type { LeaseHandler } from '../../../vault/expiration.js';
import { NOT_BEFORE_BACKDATE_MS, type PkiContext } from './context.js';
import { firstDisallowedName } from './names.js';
import type { PkiRole } from './store.js';
import { issueLeaf, randomSerial, vaultKeyPem } from './x509.js';

export const SECRET_CERT_TYPE = 'pki';

export function issuePaths(ctx: PkiContext): PathSpec[] {
  return [
    {
      pattern: `issue/${genericNameRegex('role')}$`,
      fields: {
        role: { type: 'string', description: 'The desired role with configuration for this request' },
        common_name: { type: 'string', description: 'The requested common name.' },
        alt_names: { type: 'string', description: 'Comma-separated DNS names or email addresses.' },
        ip_sans: { type: 'commaStringSlice', description: 'The requested IP SANs.' },
        ttl: { type: 'durationSecond', description: 'The requested Time To Live for the certificate.' },
        exclude_cn_from_sans: { type: 'bool', default: false },
        format: { type: 'string', default: 'pem' },
      },
      operations: { update: (req, data) => issue(ctx, req, data) },
    },
  ];
}

function inputOf(data: FieldData): IssueInput {
  return {
    commonName: data.get<string>('common_name'),
    altNames: data
      .get<string>('alt_names')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    ipSans: data.get<string[]>('ip_sans').filter((s) => s !== ''),
    ttl: data.get<number>('ttl'),
    excludeCn: data.get<boolean>('exclude_cn_from_sans'),
    format: data.get<string>('format'),
  };
}

interface IssueInput {
  commonName: string;
  altNames: string[];
  ipSans: string[];
  ttl: number;
  excludeCn: boolean;
  format: string;
}

async function issue(ctx: PkiContext, req: Request, data: FieldData): Promise<Response> {
  const roleName = data.get<string>('role');
  const role = ctx.store.role(roleName);
  if (!role) return errorResponse(`unknown role: ${roleName}`);
  const input = inputOf(data);
  if (input.format !== 'pem') return errorResponse('vault-dev answers format "pem" only');
  const ca = ctx.store.ca();
  if (!ca)
    throw new VaultError('could not fetch the CA certificate (was one set?): no default issuer currently configured');

  if (input.commonName === '' && role.requireCn) {
    return errorResponse(
      'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false',
    );
  }
  const emails = input.altNames.filter((n) => n.includes('@'));
  const dnsNames = input.altNames.filter((n) => !n.includes('@'));
  if (input.commonName !== '' && firstDisallowedName(role, [input.commonName])) {
    return errorResponse(`common name ${input.commonName} not allowed by this role`);
  }
  const badDns = firstDisallowedName(role, dnsNames);
  if (badDns !== undefined) return errorResponse(`subject alternate name ${badDns} not allowed by this role`);
  const badEmail = firstDisallowedName(role, emails);
  if (badEmail !== undefined) return errorResponse(`email address ${badEmail} not allowed by this role`);
  if (input.ipSans.length > 0) {
    if (!role.allowIpSans) {
      return errorResponse(
        `IP Subject Alternative Names are not allowed in this role, but was provided [${input.ipSans.join(' ')}]`,
      );
    }
    const badIp = input.ipSans.find((ip) => isIP(ip) === 0);
    if (badIp !== undefined) return errorResponse(`the value ${goQuote(badIp)} is not a valid IP address`);
  }
  if (input.commonName !== '' && !input.excludeCn) {
    if (input.commonName.includes('@')) emails.unshift(input.commonName);
    else dnsNames.unshift(input.commonName);
  }

  const { seconds, warnings } = validity(ctx, role, input.ttl);
  const now = ctx.now();
  const notAfterMs = Math.floor((now + seconds * 1000) / 1000) * 1000;
  if (notAfterMs > ca.notAfter) {
    return errorResponse(
      `cannot satisfy request, as TTL would result in notAfter of ${formatRFC3339Nano(millisToNanos(notAfterMs))} that is beyond the expiration of the CA certificate at ${formatRFC3339Nano(millisToNanos(ca.notAfter))}`,
    );
  }

  const serial = randomSerial();
  const { certPem, keys } = await issueLeaf({
    caCertPem: ca.certificatePem,
    caKeyPem: ca.privateKeyPem,
    caType: ca.keyType,
    caBits: ca.keyBits,
    commonName: input.commonName,
    dnsNames: [...new Set(dnsNames)],
    emails: [...new Set(emails)],
    ips: input.ipSans,
    type: role.keyType,
    bits: role.keyBits,
    notBefore: new Date(now - NOT_BEFORE_BACKDATE_MS),
    notAfter: new Date(notAfterMs),
    serialHex: serial.hex,
    serverFlag: role.serverFlag,
    clientFlag: role.clientFlag,
  });
  if (!role.noStore) ctx.store.putCert(serial.colon, { certificatePem: certPem, revocationTime: 0 });

  const out: Response = {
    data: {
      ca_chain: [ca.certificatePem],
      certificate: certPem,
      expiration: Math.floor(notAfterMs / 1000),
      issuing_ca: ca.certificatePem,
      private_key: await vaultKeyPem(keys.privateKey, role.keyType),
      private_key_type: role.keyType,
      serial_number: serial.colon,
    },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  if (role.generateLease) {
    const leaseTTL = Math.max(Math.floor((notAfterMs - ctx.now()) / 1000), 0);
    const lease = ctx.expiration.register({
      path: req.path,
      mountPoint: ctx.mountPoint,
      secretType: SECRET_CERT_TYPE,
      internalData: { serial_number: serial.colon },
      token: req.tokenEntry,
      ttl: leaseTTL,
      renewable: false,
    });
    out.leaseId = lease.leaseId;
    out.secret = { ttl: leaseTTL, maxTTL: 0, renewable: false };
  }
  return out;
}

/** TTL: requested, else the role's, else the mount default; max: the role's max_ttl if set, else the mount max. */
function validity(ctx: PkiContext, role: PkiRole, requested: number): { seconds: number; warnings: string[] } {
  const ttl = requested || role.ttl || ctx.system.defaultLeaseTTL();
  const max = role.maxTTL || ctx.system.maxLeaseTTL();
  if (ttl <= max) return { seconds: ttl, warnings: [] };
  return {
    seconds: max,
    warnings: [
      `TTL ${JSON.stringify(formatGoDuration(ttl))} is longer than permitted maxTTL ${JSON.stringify(formatGoDuration(max))}, so maxTTL is being used`,
    ],
  };
}

/** A pki lease ends by revoking its certificate; certificates cannot be renewed. */
export function certLeaseHandler(ctx: PkiContext): LeaseHandler {
  return {
    revoke(lease) {
      const serial = String(lease.internalData['serial_number']);
      const cert = ctx.store.cert(serial);
      if (cert && cert.revocationTime === 0) {
        ctx.store.putCert(serial, { ...cert, revocationTime: Math.floor(ctx.now() / 1000) });
      }
      return Promise.resolve();
    },
    renew() {
      return Promise.reject(new Error('lease is not renewable'));
    },
  };
}
