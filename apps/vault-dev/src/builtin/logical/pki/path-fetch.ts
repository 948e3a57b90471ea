/**
 * The fetch endpoints, after Vault's builtin/logical/pki/path_fetch.go.
 *
 * JSON: `cert/ca`, `cert/ca_chain`, `cert/:serial` (either serial form) and
 * LIST `certs/`. Raw (no envelope, see sdk/logical.ts HTTP_RAW_BODY), with
 * Vault's content types: `ca` (DER, application/pkix-cert), `ca/pem` and
 * `cert/:serial/raw/pem` (PEM, application/pem-certificate-chain),
 * `cert/:serial/raw` (DER; `ca` counts as a serial there), `ca_chain` (the PEM
 * chain, labelled application/pkix-cert as Vault does), `crl` (DER,
 * application/pkix-crl) and `crl/pem` (application/x-pem-file). A raw path
 * with nothing to send answers 204. All but the list are served without a
 * token.
 */
import { X509Certificate } from 'node:crypto';
import type { PathSpec } from '../../../sdk/framework.js';
import { rawHttpResponse, type Response } from '../../../sdk/logical.js';
import { formatRFC3339Nano, millisToNanos } from '../../../sdk/time.js';
import { normalizeSerial, type PkiContext } from './context.js';
import type { IssuerEntry } from './store.js';
import { createCrl } from './x509.js';

export const FETCH_UNAUTHENTICATED_PATHS = ['cert/*', 'ca', 'ca/pem', 'ca_chain', 'crl', 'crl/pem'];

const DER_CERT = 'application/pkix-cert';
const PEM_CHAIN = 'application/pem-certificate-chain';
/** Vault's CRL validity default (crl `expiry` 72h). */
const CRL_EXPIRY_MS = 72 * 3600 * 1000;

const SERIAL_FIELD = {
  serial: { type: 'string' as const, description: 'Certificate serial number, in colon- or hyphen-separated octal' },
};

export function fetchPaths(ctx: PkiContext): PathSpec[] {
  return [
    {
      pattern: 'ca(?<pem>/pem)?$',
      fields: { pem: { type: 'string', description: 'PEM instead of DER' } },
      operations: {
        read: (_req, data) => rawCertificate(ctx.store.ca()?.certificatePem, data.get<string>('pem') !== ''),
      },
    },
    {
      pattern: 'ca_chain$',
      operations: {
        read: () => {
          const ca = ctx.store.ca();
          return rawHttpResponse(ca ? 200 : 204, DER_CERT, ca ? ca.certificatePem.trim() : '');
        },
      },
    },
    {
      pattern: 'crl(?<pem>/pem)?$',
      fields: { pem: { type: 'string', description: 'PEM instead of DER' } },
      operations: { read: (_req, data) => crlResponse(ctx, data.get<string>('pem') !== '') },
    },
    {
      pattern: 'cert/ca$',
      operations: { read: () => caResponse(ctx, false) },
    },
    {
      pattern: 'cert/ca_chain$',
      operations: { read: () => caResponse(ctx, true) },
    },
    {
      pattern: 'cert/(?<serial>[0-9A-Fa-f:-]+)/raw(?<pem>/pem)?$',
      fields: { ...SERIAL_FIELD, pem: { type: 'string', description: 'PEM instead of DER' } },
      operations: {
        read: (_req, data) => {
          const serial = data.get<string>('serial');
          const pemText =
            serial === 'ca' ? ctx.store.ca()?.certificatePem : ctx.store.cert(normalizeSerial(serial))?.certificatePem;
          return rawCertificate(pemText, data.get<string>('pem') !== '');
        },
      },
    },
    {
      pattern: 'cert/(?<serial>[0-9A-Fa-f:-]+)$',
      fields: SERIAL_FIELD,
      operations: {
        read: (_req, data) => {
          const cert = ctx.store.cert(normalizeSerial(data.get<string>('serial')));
          if (!cert) return null;
          return {
            data: {
              certificate: cert.certificatePem,
              revocation_time: cert.revocationTime,
              revocation_time_rfc3339:
                cert.revocationTime === 0 ? '' : formatRFC3339Nano(millisToNanos(cert.revocationTime * 1000)),
              ...(cert.revocationTime !== 0 ? { issuer_id: ctx.store.ca()?.issuerId ?? '' } : {}),
            },
          };
        },
      },
    },
    {
      pattern: 'certs/?$',
      operations: {
        list: () => {
          const keys = ctx.store.serials();
          return keys.length === 0 ? null : { data: { keys } };
        },
      },
    },
  ];
}

/** A certificate as DER or trimmed PEM; 204 when there is none. */
function rawCertificate(pemText: string | undefined, asPem: boolean): Response {
  const contentType = asPem ? PEM_CHAIN : DER_CERT;
  if (pemText === undefined) return rawHttpResponse(204, contentType, '');
  return rawHttpResponse(200, contentType, asPem ? pemText.trim() : new X509Certificate(pemText).raw);
}

async function crlResponse(ctx: PkiContext, asPem: boolean): Promise<Response> {
  const contentType = asPem ? 'application/x-pem-file' : 'application/pkix-crl';
  const ca = ctx.store.ca();
  if (!ca) return rawHttpResponse(204, contentType, '');
  const der = await buildCrl(ctx, ca);
  if (!asPem) return rawHttpResponse(200, contentType, der);
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return rawHttpResponse(200, contentType, `-----BEGIN X509 CRL-----\n${body}-----END X509 CRL-----`);
}

/** The last CRL built per mount, and what it was built from. */
const crlCache = new WeakMap<PkiContext, { source: string; der: Promise<Buffer> }>();

/**
 * The CA's CRL: every stored certificate with a revocation time. Built when
 * first fetched after the CA or the revocations changed and kept until then
 * (Vault rebuilds it on revocation), so fetches in between get the same bytes.
 */
function buildCrl(ctx: PkiContext, ca: IssuerEntry): Promise<Buffer> {
  const revoked: Array<{ serialHex: string; revocationDate: Date }> = [];
  for (const serial of ctx.store.serials()) {
    const cert = ctx.store.cert(serial);
    if (!cert || cert.revocationTime === 0) continue;
    revoked.push({ serialHex: serial.replace(/:/g, ''), revocationDate: new Date(cert.revocationTime * 1000) });
  }
  const source = JSON.stringify([ca.serialNumber, revoked]);
  const cached = crlCache.get(ctx);
  if (cached?.source === source) return cached.der;
  const now = ctx.now();
  const der = createCrl({
    caCertPem: ca.certificatePem,
    caKeyPem: ca.privateKeyPem,
    caType: ca.keyType,
    caBits: ca.keyBits,
    thisUpdate: new Date(now),
    nextUpdate: new Date(now + CRL_EXPIRY_MS),
    revoked,
  });
  crlCache.set(ctx, { source, der });
  der.catch(() => crlCache.delete(ctx));
  return der;
}

function caResponse(ctx: PkiContext, chain: boolean): Response | null {
  const ca = ctx.store.ca();
  if (!ca) return null;
  const data: Record<string, unknown> = {
    certificate: ca.certificatePem,
    revocation_time: 0,
    revocation_time_rfc3339: '',
  };
  if (chain) data['ca_chain'] = ca.certificatePem;
  return { data };
}
