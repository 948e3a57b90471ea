/**
 * Typed errors. Every message is written for the person reading the pod's log: it names the
 * variable, file, function or Vault path involved — never a secret value, a token or a SecretID.
 * The exit code of each kind is decided here, in one place.
 */

/** Exit codes of the program (documented in the README). */
export const EXIT = {
  ok: 0,
  /** Vault, a template, a secret or the file system failed. */
  failure: 1,
  /** Bad command line or environment. */
  usage: 2,
  /** A wrapping token or SecretID had already been used: someone may have intercepted it. */
  intercepted: 3,
  /** No SecretID arrived within SECRET_INIT_TIMEOUT. */
  timeout: 4,
} as const;

export class SecretInitError extends Error {
  override name = 'SecretInitError';
  readonly exitCode: number = EXIT.failure;
}

/** An environment variable or command-line argument is invalid. */
export class ConfigError extends SecretInitError {
  override name = 'ConfigError';
  override readonly exitCode: number = EXIT.usage;
}

/** Vault could not be reached (after the bounded retries). */
export class VaultUnreachableError extends SecretInitError {
  override name = 'VaultUnreachableError';
}

/** Vault answered with an error status. `vaultErrors` is Vault's own text, kept only where it is safe. */
export class VaultHttpError extends SecretInitError {
  override name = 'VaultHttpError';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly vaultErrors: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

/** The wrapping token (or the SecretID in it) was already used: an alarm, not a plain failure. */
export class InterceptedError extends SecretInitError {
  override name = 'InterceptedError';
  override readonly exitCode: number = EXIT.intercepted;
}

/**
 * Vault does not know the wrapping token: already unwrapped, expired, or never issued. Vault cannot tell
 * these apart, and neither can a pod that anyone on the network may post to; so at the intake port it is
 * refused and the wait goes on. The controller, which knows the token it sent was real, raises the alarm.
 */
export class NotLiveWrappingTokenError extends InterceptedError {
  override name = 'NotLiveWrappingTokenError';
}

export class IntakeTimeoutError extends SecretInitError {
  override name = 'IntakeTimeoutError';
  override readonly exitCode: number = EXIT.timeout;
}

/** A template failed to parse, render, or fetch what it asked for. */
export class RenderError extends SecretInitError {
  override name = 'RenderError';
}

/** A Vault read for a template function or SECRET_ variable failed (missing secret, missing field, …). */
export class FetchError extends SecretInitError {
  override name = 'FetchError';
}

/** Vault's error strings, one line, bounded — for messages about reads whose paths carry no secret. */
export function vaultErrorText(errors: readonly string[]): string {
  const text = errors
    .map((e) =>
      e
        .replace(/^\d+ errors? occurred:\s*/, '')
        .replace(/\s*\*\s*/g, ' ')
        .trim(),
    )
    .filter(Boolean)
    .join('; ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
