/**
 * Typed errors. Every message is written for the person reading the pod's log: it names the
 * variable, file, lease id or token accessor involved — never the token itself.
 * The exit code of each outcome is decided here, in one place.
 */

/** Exit codes of the program (documented in the README). */
export const EXIT = {
  /** Stopped by SIGTERM/SIGINT (after revoking, unless REVOKE_ON_EXIT=false). */
  ok: 0,
  /** Bad configuration, or an internal error. */
  failure: 1,
  /** The token or a lease can no longer be kept alive: the pod must restart for new ones. */
  lost: 2,
} as const;

export class SecretRefreshError extends Error {
  override name = 'SecretRefreshError';
  readonly exitCode: number = EXIT.failure;
}

/** An environment variable, the env file or the lease directory is invalid. */
export class ConfigError extends SecretRefreshError {
  override name = 'ConfigError';
}

/** Vault could not be reached, or answered 5xx: worth retrying while time allows. */
export class VaultUnavailableError extends SecretRefreshError {
  override name = 'VaultUnavailableError';
}

/** Vault refused (4xx): retrying the same request cannot help. `vaultText` is Vault's own error text. */
export class VaultRefusedError extends SecretRefreshError {
  override name = 'VaultRefusedError';
  constructor(
    readonly status: number,
    readonly vaultText: string,
    message: string,
  ) {
    super(message);
  }
}

/** One item (the token or a lease) cannot be kept alive; the message says which and why. */
export class CredentialLostError extends SecretRefreshError {
  override name = 'CredentialLostError';
  override readonly exitCode: number = EXIT.lost;
}
