/**
 * Typed errors. Callers (the Secret API, the CLI) map them to a 400 with
 * `errors: [{path, message}]` without parsing message text, so each error
 * carries the field or template path it is about.
 */

/** Base class, so a caller can catch everything this library throws on bad input. */
export class VaultPolicyError extends Error {
  override name = 'VaultPolicyError';
}

export type NameField = 'app' | 'cluster' | 'cloud' | 'env' | 'kvMount' | 'approleMount' | 'namespace';

export type NameProblem =
  'not_string' | 'empty' | 'too_long' | 'invalid_chars' | 'bad_edge' | 'reserved' | 'bad_format';

export class InvalidNameError extends VaultPolicyError {
  override name = 'InvalidNameError';
  constructor(
    /** Which input was wrong. */
    readonly field: NameField,
    /** Machine-readable reason, stable across message rewording. */
    readonly problem: NameProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface TemplateIssue {
  /** Dotted path into the template, e.g. `readPolicy.rules[2].path`; `` for the whole document. */
  path: string;
  message: string;
}

export class TemplateError extends VaultPolicyError {
  override name = 'TemplateError';
  constructor(
    readonly issues: readonly TemplateIssue[],
    /** Where the template came from (a file path), when known. */
    readonly source?: string,
  ) {
    const where = source ? `invalid policy template ${JSON.stringify(source)}` : 'invalid policy template';
    super(`${where}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
  }
}

/** Quotes a user-supplied value for an error message, cut short so a 10 kB name cannot flood logs. */
export function quoteValue(value: string, max = 40): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}

/**
 * An app's attachment names profiles the template does not define (the template changed after
 * the attachment was made), or more than one profile for an engine.
 */
export class ProfileAttachmentError extends VaultPolicyError {
  override name = 'ProfileAttachmentError';
  constructor(
    /** e.g. `database: unknown profile "main"`. */
    readonly problems: readonly string[],
  ) {
    super(`dynamic credential profiles cannot be applied: ${problems.join('; ')}`);
  }
}
