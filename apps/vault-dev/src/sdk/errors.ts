import type { Response } from './logical.js';

/**
 * Vault's error model, after `sdk/logical/response_util.go`.
 *
 * Two ways to fail, as in Vault:
 *  - return `errorResponse(msg)`: the message goes to the client verbatim
 *    (`{"errors":["msg"]}`), status 400 unless told otherwise;
 *  - throw a `VaultError`: the core wraps the message the way Vault's
 *    go-multierror does (`"1 error occurred:\n\t* msg\n\n"`), status 500
 *    unless the error's kind maps to another (permission denied → 403, …).
 */

export type ErrorKind =
  | 'internal'
  | 'permission-denied'
  | 'invalid-token'
  | 'unsupported-operation'
  | 'unsupported-path'
  | 'invalid-request'
  | 'bad-request'
  | 'invalid-credentials'
  | 'invalid-wrapping-token'
  | 'not-found'
  | 'sealed'
  | 'request-too-large';

const STATUS_OF_KIND: Record<ErrorKind, number> = {
  internal: 500,
  'permission-denied': 403,
  'invalid-token': 403,
  'unsupported-operation': 405,
  'unsupported-path': 404,
  'invalid-request': 400,
  'bad-request': 400,
  'invalid-credentials': 400,
  'invalid-wrapping-token': 400,
  'not-found': 404,
  sealed: 503,
  'request-too-large': 413,
};

export class VaultError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;

  constructor(message: string, kind: ErrorKind = 'internal', status?: number) {
    super(message);
    this.name = 'VaultError';
    this.kind = kind;
    this.status = status ?? STATUS_OF_KIND[kind];
  }
}

export const ERR_PERMISSION_DENIED = 'permission denied';
export const ERR_INVALID_TOKEN = 'invalid token';
export const ERR_UNSUPPORTED_PATH = 'unsupported path';
export const ERR_UNSUPPORTED_OPERATION = 'unsupported operation';
export const ERR_INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist';
export const ERR_INVALID_CREDENTIALS = 'invalid credentials';

export const permissionDenied = (): VaultError => new VaultError(ERR_PERMISSION_DENIED, 'permission-denied');
export const unsupportedPath = (): VaultError => new VaultError(ERR_UNSUPPORTED_PATH, 'unsupported-path');
export const unsupportedOperation = (): VaultError =>
  new VaultError(ERR_UNSUPPORTED_OPERATION, 'unsupported-operation');
export const badRequest = (message: string): VaultError => new VaultError(message, 'bad-request');

/**
 * An error response whose text reaches the client unwrapped (Vault's
 * logical.ErrorResponse). `invalidCredentials` marks a failed login that
 * counts toward user lockout (Vault's logical.ErrInvalidCredentials).
 */
export function errorResponse(message: string, status = 400, opts: { invalidCredentials?: boolean } = {}): Response {
  return { error: { message, status, ...opts }, data: { error: message } };
}

/** hashicorp/go-multierror's default ListFormatFunc. */
export function multierror(messages: readonly string[]): string {
  if (messages.length === 1) return `1 error occurred:\n\t* ${messages[0]}\n\n`;
  return `${messages.length} errors occurred:\n\t${messages.map((m) => `* ${m}`).join('\n\t')}\n\n`;
}
