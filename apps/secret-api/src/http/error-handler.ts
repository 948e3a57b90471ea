/**
 * The one place errors become responses: application/problem+json with the code's status, title
 * and type from the contract's error table. A 500 says only "internal error" and the request id;
 * the stack goes to the log, never to the client.
 */
import { PROBLEM_CONTENT_TYPE, problem, type TErrorCode, type TProblem } from '@secret-api/contract';
import {
  VaultClientStateError,
  VaultError,
  VaultNotFoundError,
  VaultPermissionError,
  VaultUnavailableError,
} from '@secret-api/vault-client';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { GroupsUnavailableError } from '../auth/groups/index.js';
import { AuthenticationError, IssuerUnavailableError } from '../auth/jwt-verifier.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { ApiError } from './api-error.js';
import { NOT_UTF8 } from './json-body.js';
import { requestLog, type ApiResponse } from './request-context.js';
import { sendText } from './respond.js';

interface Mapped {
  code: TErrorCode;
  detail: string;
  errors?: TProblem['errors'];
  headers?: Record<string, string>;
  /** Log at error level with the stack: the server is at fault. */
  fault?: boolean;
  /** A client mistake that validation should have caught first: logged as a warning to fix the schema. */
  gap?: boolean;
}

/** body-parser's error types. */
function bodyParserError(err: { type?: unknown; status?: unknown }): Mapped | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return { code: 'payload_too_large', detail: 'the request body is too large' };
    case 'entity.parse.failed':
      return { code: 'bad_request', detail: 'the request body is not valid JSON' };
    case NOT_UTF8:
      return { code: 'bad_request', detail: 'the request body is not valid UTF-8' };
    case 'encoding.unsupported':
      // body-parser inflates one coding of these; anything else (`gzip, gzip`, `zstd`) is refused as a whole.
      return {
        code: 'unsupported_media_type',
        detail: 'the request body Content-Encoding is not supported: send it plain, or with one of gzip, deflate or br',
      };
    case 'charset.unsupported':
      return { code: 'unsupported_media_type', detail: 'the request body must be UTF-8 JSON' };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { code: 'bad_request', detail: 'the request body could not be read' };
    default:
      break;
  }
  // Anything else body-parser (or another http-errors source) raises is the client's: a corrupt or truncated
  // compressed body, an unknown content coding, a bad length. Its status says which kind of 4xx.
  const status = typeof err.status === 'number' ? err.status : undefined;
  if (status === 415) return { code: 'unsupported_media_type', detail: 'the request body encoding is not supported' };
  if (status === 413) return { code: 'payload_too_large', detail: 'the request body is too large' };
  if (status !== undefined && status >= 400 && status < 500) {
    return { code: 'bad_request', detail: 'the request body could not be read (corrupt or truncated encoding?)' };
  }
  return undefined;
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: a value out of range, an invalid byte sequence, a
 * timestamp it cannot represent) can only come from input no validation caught. They are the caller's
 * input, not a server fault; the schemas should refuse such input first, so each is logged as a gap.
 */
function databaseDataError(err: unknown): Mapped | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) {
      return { code: 'bad_request', detail: 'a value in the request is out of the range the API accepts', gap: true };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * RFC 6750 §3: a request without Bearer credentials gets the bare challenge; a refused token gets
 * `invalid_token` and a description, whose characters RFC 6750 §3 limits to printable ASCII without `"` and `\`.
 */
function bearerChallenge(err: AuthenticationError): string {
  if (err.credentials === 'none') return 'Bearer realm="secret-api"';
  const description = err.message.replaceAll('"', "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return `Bearer realm="secret-api", error="invalid_token", error_description="${description}"`;
}

function map(err: unknown): Mapped {
  if (err instanceof ApiError) {
    return {
      code: err.code,
      detail: err.detail,
      ...(err.options.errors && { errors: err.options.errors }),
      ...(err.options.headers && { headers: err.options.headers }),
    };
  }
  if (err instanceof AuthenticationError) {
    return {
      code: 'unauthenticated',
      detail: err.message,
      headers: { 'WWW-Authenticate': bearerChallenge(err) },
    };
  }
  if (err instanceof IssuerUnavailableError) {
    return { code: 'issuer_unavailable', detail: `the keys of token issuer ${err.issuer} cannot be fetched` };
  }
  if (err instanceof VaultUnavailableError) {
    return { code: 'vault_unavailable', detail: `Vault is unavailable (${err.reason}); try again later` };
  }
  if (err instanceof VaultPermissionError) {
    // Our own token was refused: expired, revoked, or its policy lacks a path. Not the caller's fault.
    return {
      code: 'vault_unavailable',
      detail: "Vault refused the Secret API's own token; an operator must check its token and policy",
      fault: true,
    };
  }
  if (err instanceof VaultClientStateError) {
    return { code: 'vault_unavailable', detail: 'Vault is unavailable to the Secret API', fault: true };
  }
  if (err instanceof VaultNotFoundError && err.errors.some((e) => e.startsWith('no handler for route'))) {
    const mount = err.path
      .split('/')
      .slice(0, err.path.startsWith('auth/') ? 2 : 1)
      .join('/');
    return {
      code: 'vault_unavailable',
      detail: `Vault has nothing mounted at ${mount}/: enable AppRole at VAULT_APPROLE_MOUNT and KV version 2 at VAULT_KV_MOUNT`,
      fault: true,
    };
  }
  if (err instanceof VaultNotFoundError) {
    // Something the Secret API created or relies on was removed in Vault behind its back (services that can
    // repair or explain it more precisely do so first). The path is a Vault object name, never a secret.
    return {
      code: 'vault_drift',
      detail: `Vault has nothing at ${err.path}, which the Secret API expected; ensure the app's AppRole again or ask an operator`,
    };
  }
  if (err instanceof VaultError) return { code: 'internal', detail: 'internal error', fault: true };
  if (isDatabaseUnavailable(err)) {
    return { code: 'database_unavailable', detail: 'the database is unavailable; try again later', fault: true };
  }
  const dataError = databaseDataError(err);
  if (dataError) return dataError;
  if (err instanceof GroupsUnavailableError) {
    // The detail is for operators (logged as a fault); the caller learns only that groups cannot be read now.
    return {
      code: 'groups_unavailable',
      detail: "the caller's groups cannot be read from the group directory right now; try again later",
      fault: true,
    };
  }
  if (err && typeof err === 'object') {
    const parsed = bodyParserError(err as { type?: unknown; status?: unknown });
    if (parsed) return parsed;
    // Express answers a malformed %-escape in the path with a 400 URIError.
    if ((err as { status?: unknown }).status === 400 && err instanceof URIError) {
      return { code: 'bad_request', detail: 'the request path is not valid percent-encoded UTF-8' };
    }
  }
  return { code: 'internal', detail: 'internal error', fault: true };
}

/** The problem code an error becomes: what the caller is told, and what the audit trail records. */
export function problemCodeOf(err: unknown): TErrorCode {
  return map(err).code;
}

/** Seconds a 503 asks the caller to wait, where the error does not say better (a set's unanswered write: 5). */
const UNAVAILABLE_RETRY_AFTER_S = '5';

function sendProblem(req: IncomingMessage, res: ApiResponse, path: string, mapped: Mapped): void {
  const { requestId } = res.locals;
  const body = problem(mapped.code, mapped.detail, {
    instance: path.slice(0, 2048),
    ...(requestId && { requestId }),
    ...(mapped.errors && { errors: mapped.errors }),
  });
  if (mapped.code === 'internal') body.detail = `internal error (request id ${requestId ?? 'unknown'})`;
  if (mapped.headers) for (const [name, value] of Object.entries(mapped.headers)) res.setHeader(name, value);
  // A dependency that is down is a reason to come back, not to give up: every 503 says when (RFC 9110 §10.2.3).
  if (body.status === 503 && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', UNAVAILABLE_RETRY_AFTER_S);
  sendText(req, res, body.status, PROBLEM_CONTENT_TYPE, JSON.stringify(body));
}

/** Answers a request that failed with `err`; `path` is the request's path, named in the problem. */
export function respondWithError(req: IncomingMessage, res: ApiResponse, path: string, err: unknown): void {
  const mapped = map(err);
  const log = requestLog(res);
  if (mapped.fault) {
    log.error(
      { err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : err },
      mapped.detail,
    );
  } else if (mapped.gap) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'input reached the database unvalidated');
  } else if (mapped.code === 'internal') {
    log.error({ err }, 'unexpected error');
  }
  if (res.headersSent) {
    // The answer is already on its way and cannot become a problem: cut it short, so the client sees it failed.
    res.destroy();
    return;
  }
  sendProblem(req, res, path, mapped);
}

/** The same, as express's error handler (for what express serves: the docs and unknown paths). */
export function errorHandler() {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    respondWithError(req, res as unknown as ApiResponse, req.path, err);
  };
}
