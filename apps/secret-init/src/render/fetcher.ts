/**
 * Runs planned Vault requests: each distinct request once (memoised by its key, so calls made
 * by many templates and SECRET_ variables share one read and one lease), all of a round in
 * parallel, and remembers every lease created for the refresh sidecar.
 */
import { FetchError, VaultHttpError } from '../errors.js';
import type { VaultClient, VaultEnvelope, VaultRequest } from '../vault/client.js';

export interface LeaseRecord {
  leaseId: string;
  path: string;
  ttl: number;
  renewable: boolean;
  obtainedAt: Date;
}

/** A certificate a PKI engine issued (with no lease: PKI roles do not make one by default). */
export interface CertificateRecord {
  path: string;
  serial: string;
  issuedAt: Date;
  expiresAt: Date;
}

export type ReadOutcome = { ok: true; env: VaultEnvelope } | { ok: false; error: Error };

export class Fetcher {
  readonly leases: LeaseRecord[] = [];
  readonly certificates: CertificateRecord[] = [];
  private readonly results = new Map<string, Promise<ReadOutcome>>();

  constructor(private readonly client: VaultClient) {}

  /** How many distinct requests were sent. */
  get requestCount(): number {
    return this.results.size;
  }

  fetch(request: VaultRequest & { key: string }): Promise<ReadOutcome> {
    let outcome = this.results.get(request.key);
    if (!outcome) {
      outcome = this.run(request);
      this.results.set(request.key, outcome);
    }
    return outcome;
  }

  private async run(request: VaultRequest): Promise<ReadOutcome> {
    try {
      const env = await this.client.call(request);
      if (typeof env.lease_id === 'string' && env.lease_id !== '') {
        this.leases.push({
          leaseId: env.lease_id,
          path: request.path,
          ttl: env.lease_duration ?? 0,
          renewable: env.renewable === true,
          obtainedAt: new Date(),
        });
      } else if (
        request.method === 'POST' &&
        typeof env.data?.['certificate'] === 'string' &&
        typeof env.data['expiration'] === 'number'
      ) {
        // A certificate issued for this pod (pki/issue/…), not one read back (a CA, pki/cert/…).

        this.certificates.push({
          path: request.path,
          serial: typeof env.data['serial_number'] === 'string' ? env.data['serial_number'] : 'unknown',
          issuedAt: new Date(),
          expiresAt: new Date(env.data['expiration'] * 1000),
        });
      }
      return { ok: true, env };
    } catch (err) {
      const error = err instanceof VaultHttpError ? new FetchError(err.message) : (err as Error);
      return { ok: false, error };
    }
  }
}
