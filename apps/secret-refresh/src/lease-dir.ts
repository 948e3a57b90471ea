/**
 * The lease directory secret-init leaves for this sidecar (apps/secret-init/src/leases/lease-file.ts
 * writes it; its README documents it): the token alone in `token`, and `leases.json`:
 *
 *   { version: 1, vaultAddr, writtenAt, token: { accessor?, source, ttl, renewable, expiresAt|null },
 *     leases: [ { leaseId, path, ttl, renewable, expiresAt } ],
 *     certificates?: [ { path, serial, issuedAt, expiresAt } ] }
 *
 * (`certificates`: the PKI certificates secret-init rendered, which no lease keeps alive.)
 *
 * Only this module knows the format, so a change on secret-init's side is one edit here. Unknown
 * fields are ignored (secret-init may add some); a missing or mistyped one is a ConfigError
 * naming the file and field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors.js';

export const LEASE_FILE = 'leases.json';
export const TOKEN_FILE = 'token';

export interface LeaseDirLease {
  leaseId: string;
  /** The Vault path that created it, e.g. `database/creds/aws.stg.myapp`. */
  path: string;
  /** Seconds granted when secret-init created it: what each renewal asks for again. */
  ttl: number;
  renewable: boolean;
  expiresAt: Date;
}

/** A certificate issued by a PKI engine (no lease): it lasts until `expiresAt` and cannot be renewed. */
export interface LeaseDirCertificate {
  /** The Vault path that issued it, e.g. `pki/aws/stg/issue/service-tls`. */
  path: string;
  serial: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface LeaseDir {
  vaultAddr: string;
  token: string;
  tokenInfo: { accessor: string | undefined; ttl: number; renewable: boolean; expiresAt: Date | null };
  leases: LeaseDirLease[];
  certificates: LeaseDirCertificate[];
}

/** True when `dir` holds a lease file (then it is the configuration, and must be valid). */
export function hasLeaseFile(dir: string): boolean {
  return existsSync(join(dir, LEASE_FILE));
}

export function readLeaseDir(dir: string): LeaseDir {
  const file = join(dir, LEASE_FILE);
  let doc: unknown;
  try {
    doc = JSON.parse(readText(file));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${file} is not valid JSON`);
  }
  const at = (field: string) => `${file}: ${field}`;
  const root = object(doc, at('the document'));
  if (root['version'] !== 1) throw new ConfigError(`${at('version')} must be 1 (this secret-refresh reads version 1)`);
  const vaultAddr = string(root['vaultAddr'], at('vaultAddr'));
  if (!/^https?:\/\/[^/]+/.test(vaultAddr) || !URL.canParse(vaultAddr)) {
    throw new ConfigError(`${at('vaultAddr')} must be an http:// or https:// URL`);
  }
  const t = object(root['token'], at('token'));
  const accessor = t['accessor'] === undefined ? undefined : string(t['accessor'], at('token.accessor'));
  const tokenInfo = {
    accessor,
    ttl: seconds(t['ttl'], at('token.ttl')),
    renewable: boolean(t['renewable'], at('token.renewable')),
    expiresAt: t['expiresAt'] === null ? null : time(t['expiresAt'], at('token.expiresAt')),
  };
  if (!Array.isArray(root['leases'])) throw new ConfigError(`${at('leases')} must be a list`);
  const leases = root['leases'].map((raw: unknown, i: number) => {
    const l = object(raw, at(`leases[${i}]`));
    return {
      leaseId: string(l['leaseId'], at(`leases[${i}].leaseId`)),
      path: string(l['path'], at(`leases[${i}].path`)),
      ttl: seconds(l['ttl'], at(`leases[${i}].ttl`)),
      renewable: boolean(l['renewable'], at(`leases[${i}].renewable`)),
      expiresAt: time(l['expiresAt'], at(`leases[${i}].expiresAt`)),
    };
  });
  const rawCertificates = root['certificates'] ?? [];
  if (!Array.isArray(rawCertificates)) throw new ConfigError(`${at('certificates')} must be a list`);
  const certificates = rawCertificates.map((raw: unknown, i: number) => {
    const c = object(raw, at(`certificates[${i}]`));
    return {
      path: string(c['path'], at(`certificates[${i}].path`)),
      serial: string(c['serial'], at(`certificates[${i}].serial`)),
      issuedAt: time(c['issuedAt'], at(`certificates[${i}].issuedAt`)),
      expiresAt: time(c['expiresAt'], at(`certificates[${i}].expiresAt`)),
    };
  });
  const tokenPath = join(dir, TOKEN_FILE);
  const token = readText(tokenPath).trim();
  if (token === '' || /[\s\0]/.test(token)) {
    throw new ConfigError(`${tokenPath} must hold one token (no spaces or control characters)`);
  }
  return { vaultAddr, token, tokenInfo, leases, certificates };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function string(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`${what} must be a non-empty string`);
  return v;
}

function boolean(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(`${what} must be true or false`);
  return v;
}

function seconds(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ConfigError(`${what} must be a number of seconds`);
  return v;
}

function time(v: unknown, what: string): Date {
  const d = typeof v === 'string' ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new ConfigError(`${what} must be an RFC 3339 time`);
  return d;
}
