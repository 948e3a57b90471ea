/**
 * The one error hierarchy callers see. Messages name Vault, its address, the
 * method and the path; they never carry a token, a SecretID, a request body or
 * (for 5xx) a response body. Vault's own 4xx texts are kept, with any known
 * secret scrubbed out (see redact.ts).
 */

export interface VaultErrorDetails {
  address: string;
  method: string;
  path: string;
  /** HTTP status when Vault answered. */
  status?: number;
  /** Vault's `errors` texts (redacted); empty for 5xx and network failures. */
  errors?: readonly string[];
}

export abstract class VaultError extends Error {
  readonly address: string;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly errors: readonly string[];

  constructor(message: string, details: VaultErrorDetails) {
    super(message);
    this.name = new.target.name;
    this.address = details.address;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.errors = details.errors ?? [];
  }
}

export type UnavailableReason =
  'connection-refused' | 'connection-reset' | 'timeout' | 'network' | 'sealed' | 'standby' | 'server-error';

/** Vault could not be reached or could not serve: connection refused/reset, timeout, 5xx, 429. */
export class VaultUnavailableError extends VaultError {
  readonly reason: UnavailableReason;
  /** How many requests were sent (or attempted) before giving up. */
  readonly attempts: number;
  /**
   * No attempt reached Vault (each found no connection: refused, no route, no such host), so Vault did not apply
   * the request; otherwise whether it did is unknown.
   */
  readonly neverSent: boolean;

  constructor(
    reason: UnavailableReason,
    details: VaultErrorDetails & { attempts: number; detail?: string; neverSent?: boolean },
  ) {
    const what = details.detail ?? reason;
    super(
      `Vault at ${details.address} is unavailable (${what}) for ${details.method} ${details.path} after ${details.attempts} attempt(s)`,
      { ...details, errors: [] },
    );
    this.reason = reason;
    this.attempts = details.attempts;
    this.neverSent = details.neverSent ?? false;
  }
}

/** 403: the token lacks the capability, is unknown/expired, or the login is locked out. */
export class VaultPermissionError extends VaultError {
  constructor(details: VaultErrorDetails) {
    super(`Vault at ${details.address} denied ${details.method} ${details.path}: permission denied`, details);
  }
}

/** 400 and other 4xx (except 403/404): Vault refused the request; `errors` holds Vault's texts. */
export class VaultRequestError extends VaultError {
  constructor(details: VaultErrorDetails) {
    const texts = (details.errors ?? []).map((e) => e.trim().replace(/\s+/g, ' ')).filter(Boolean);
    super(
      `Vault at ${details.address} rejected ${details.method} ${details.path} with ${details.status}` +
        (texts.length > 0 ? `: ${texts.join('; ')}` : ''),
      details,
    );
  }

  /** True for KV v2's "check-and-set parameter did not match the current version". */
  get isCasMismatch(): boolean {
    return this.errors.some((e) => e.includes('check-and-set parameter did not match'));
  }
}

/** 404 where the caller asked for something that must exist (e.g. unwrap target, role). */
export class VaultNotFoundError extends VaultError {
  constructor(details: VaultErrorDetails) {
    super(`Vault at ${details.address} has nothing at ${details.path} (${details.method} gave 404)`, details);
  }
}

/** The client was closed, or AppRole login is impossible (no token could be obtained). */
export class VaultClientStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultClientStateError';
  }
}

/** 400 from KV v2: the `cas` option did not match the key's current version. */
export class VaultCasMismatchError extends VaultRequestError {}
