/**
 * The logical request/response model every backend speaks, after Vault's
 * `sdk/logical`. The HTTP layer turns wire requests into a `Request`; the core
 * routes it to a backend and turns the `Response` back into Vault's envelope.
 */

export type Operation =
  'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'help' | 'header' | 'renew' | 'revoke' | 'rollback';

export type RequestData = Record<string, unknown>;

export interface WrapRequest {
  /** Requested wrapping TTL in seconds. */
  ttl: number;
  format: '' | 'jwt';
}

export interface Request {
  id: string;
  operation: Operation;
  /** Full path below /v1/, without a leading slash (e.g. `secret/data/app/KEY`). */
  path: string;
  data: RequestData | null;
  clientToken: string;
  headers: Record<string, string>;
  remoteAddress: string;
  remotePort: number;
  requestURI: string;
  wrap?: WrapRequest;

  // Filled in by the router once the mount is known.
  mountPoint: string;
  mountType: string;
  mountAccessor: string;
  mountClass: 'secret' | 'auth';
  /** Path relative to the mount point. */
  relativePath: string;

  // Filled in by the core once the token is checked.
  tokenEntry?: TokenInfo;
  /** The caller holds sudo on this path (or is root). */
  hasSudo?: boolean;
}

/** What a backend sees of the calling token. */
export interface TokenInfo {
  id: string;
  accessor: string;
  policies: string[];
  displayName: string;
  entityId: string;
  numUses: number;
  path: string;
  meta: Record<string, string> | null;
  type: 'service' | 'batch';
  parent: string;
}

/** An auth block a login (or token creation) returns; the core mints the token from it. */
export interface Auth {
  policies: string[];
  tokenPolicies?: string[];
  identityPolicies?: string[];
  metadata: Record<string, string>;
  displayName: string;
  /** Seconds; 0 = use the mount/system default. */
  ttl: number;
  maxTTL: number;
  explicitMaxTTL: number;
  period: number;
  numUses: number;
  renewable: boolean;
  noDefaultPolicy: boolean;
  boundCidrs: string[];
  tokenType: 'service' | 'batch' | 'default';
  /** The name of the identity alias this login maps to (AppRole: the role_id). */
  aliasName?: string;
  /** Backend-private data carried through renewals (AppRole keeps the role name). */
  internalData?: Record<string, unknown>;
}

/** A leased secret (dynamic credentials). */
export interface Secret {
  ttl: number;
  maxTTL: number;
  renewable: boolean;
  internalData?: Record<string, unknown>;
}

export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
  format?: string;
}

/**
 * Vault's logical.HTTPStatusCode, HTTPContentType and HTTPRawBody: a backend
 * that puts `http_status_code` in its response data gets no JSON envelope;
 * the HTTP layer sends `http_raw_body` as-is with `http_content_type`
 * (http/logical.go respondRaw). Used by the PKI fetch paths (DER and PEM).
 */
export const HTTP_STATUS_CODE = 'http_status_code';
export const HTTP_CONTENT_TYPE = 'http_content_type';
export const HTTP_RAW_BODY = 'http_raw_body';

/** A raw HTTP answer: `body` (bytes or text) with its content type; status 204 sends no body. */
export function rawHttpResponse(status: number, contentType: string, body: Uint8Array | string): Response {
  return { data: { [HTTP_CONTENT_TYPE]: contentType, [HTTP_RAW_BODY]: body, [HTTP_STATUS_CODE]: status } };
}

export function isRawHttpResponse(resp: Response): boolean {
  return resp.data !== undefined && resp.data !== null && HTTP_STATUS_CODE in resp.data;
}

/** A raw HTTP answer that bypasses the normal envelope (Vault's RespondWithStatusCode). */
export interface RawResponse {
  status: number;
  /** A JSON value to send as the body; undefined sends no body. */
  body?: unknown;
}

export interface Response {
  data?: Record<string, unknown> | null;
  secret?: Secret;
  auth?: Auth;
  warnings?: string[];
  /** Backend-requested wrapping (the smaller of this and the request's TTL wins). */
  wrapTTL?: number;
  raw?: RawResponse;
  /** Set by errorResponse(): the response is an error, rendered as `{"errors":[message]}`. */
  error?: { message: string; status: number; invalidCredentials?: boolean };
  /** Accessor of the wrapped thing (SecretID accessor), surfaced in wrap_info.wrapped_accessor. */
  wrappedAccessor?: string;
  /** HTTP status for a successful answer (sys/leases/revoke async 202, tidy 202). */
  status?: number;
  /** Lease id of a registered secret lease. */
  leaseId?: string;
  /** Render the auth block with an empty client_token (renew-accessor). */
  hideClientToken?: boolean;
  /** A token already minted by the token store; rendered as the `auth` block. */
  issuedToken?: { entry: IssuedToken; leaseDuration: number };
}

/** What the `auth` block shows of a minted token. */
export interface IssuedToken {
  id: string;
  accessor: string;
  policies: string[];
  meta: Record<string, string> | null;
  renewable: boolean;
  entityId: string;
  type: 'service' | 'batch';
  parent: string;
  numUses: number;
}

/** Response.AddWarning; a handler with nothing else to say answers with the warning alone. */
export function addWarning(resp: Response | null, warning: string): Response {
  const out = resp ?? {};
  out.warnings = [...(out.warnings ?? []), warning];
  return out;
}

/** Vault's logical.RespondWithStatusCode: a status with the full JSON envelope, or no body. */
export function respondWithStatus(
  req: Request,
  status: number,
  body?: { data: Record<string, unknown> | null; warnings?: string[] },
): Response {
  if (!body) return { raw: { status } };
  return {
    raw: {
      status,
      body: {
        request_id: req.id,
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: body.data,
        wrap_info: null,
        warnings: body.warnings ?? null,
        auth: null,
        // Vault serializes this body inside the plugin, before the router fills
        // in the MountType, and the field has no omitempty.
        mount_type: '',
      },
    },
  };
}
