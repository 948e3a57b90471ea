/**
 * What the refresh sidecar needs: the token (alone in `token`) and `leases.json`, which
 * describes the token and every lease this run created. Versioned; the README documents the
 * format field by field. Both files 0600 in a 0700 directory (only secret-refresh, running as
 * secret-init's uid, reads them), written atomically together.
 */
import { join } from 'node:path';
import type { Session } from '../vault/login.js';
import type { CertificateRecord, LeaseRecord } from '../render/fetcher.js';
import { LEASE_DIR_MODE, LEASE_FILE_MODE, writeFilesAtomically } from '../output/atomic.js';

export const LEASE_FILE = 'leases.json';
export const TOKEN_FILE = 'token';

export interface LeaseFileV1 {
  version: 1;
  vaultAddr: string;
  /** When this file was written (RFC 3339). */
  writtenAt: string;
  token: {
    /** Absent when Vault gave none (a token passed in whose lookup hid it). */
    accessor?: string;
    /** `approle`/`kubernetes`: secret-init logged in and owns the token; `token`: it was given (VAULT_TOKEN). */
    source: 'approle' | 'kubernetes' | 'token';
    /** Seconds Vault granted at login or lookup. */
    ttl: number;
    renewable: boolean;
    /** obtainedAt + ttl (RFC 3339); null when the token does not expire (ttl 0). */
    expiresAt: string | null;
  };
  leases: {
    leaseId: string;
    /** The Vault path that created it, e.g. `database/creds/aws.stg.myapp`. */
    path: string;
    ttl: number;
    renewable: boolean;
    expiresAt: string;
  }[];
  /** PKI certificates rendered (no lease keeps them): the sidecar has the pod replaced before they end. */
  certificates: {
    /** The Vault path that issued it, e.g. `pki/aws/stg/issue/service-tls`. */
    path: string;
    serial: string;
    issuedAt: string;
    expiresAt: string;
  }[];
}

export function leaseFile(
  vaultAddr: string,
  session: Session,
  leases: readonly LeaseRecord[],
  now = new Date(),
  certificates: readonly CertificateRecord[] = [],
): LeaseFileV1 {
  return {
    version: 1,
    vaultAddr,
    writtenAt: now.toISOString(),
    token: {
      ...(session.accessor ? { accessor: session.accessor } : {}),
      source: session.source,
      ttl: session.ttl,
      renewable: session.renewable,
      expiresAt: session.ttl > 0 ? plusSeconds(session.obtainedAt, session.ttl) : null,
    },
    leases: leases.map((l) => ({
      leaseId: l.leaseId,
      path: l.path,
      ttl: l.ttl,
      renewable: l.renewable,
      expiresAt: plusSeconds(l.obtainedAt, l.ttl),
    })),
    certificates: certificates.map((c) => ({
      path: c.path,
      serial: c.serial,
      issuedAt: c.issuedAt.toISOString(),
      expiresAt: c.expiresAt.toISOString(),
    })),
  };
}

export function writeLeaseDir(dir: string, file: LeaseFileV1, token: string): void {
  writeFilesAtomically(
    [
      { path: join(dir, TOKEN_FILE), content: token, mode: LEASE_FILE_MODE },
      { path: join(dir, LEASE_FILE), content: `${JSON.stringify(file, null, 2)}\n`, mode: LEASE_FILE_MODE },
    ],
    LEASE_DIR_MODE,
  );
}

function plusSeconds(d: Date, s: number): string {
  return new Date(d.getTime() + s * 1000).toISOString();
}
