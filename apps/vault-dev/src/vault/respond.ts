/**
 * Turning a logical response into Vault's wire answer, after
 * `sdk/logical/response_util.go` (RespondErrorCommon) and
 * `sdk/logical/translate_response.go`: nil reads and empty lists are 404
 * `{"errors":[]}`, nil writes are 204, errors are `{"errors":[...]}`, and the
 * success envelope has Vault's field order.
 */
import {
  HTTP_CONTENT_TYPE,
  HTTP_RAW_BODY,
  HTTP_STATUS_CODE,
  isRawHttpResponse,
  type IssuedToken,
  type Request,
  type Response,
} from '../sdk/logical.js';
import type { MountEntry } from './mounts.js';

export interface WireResponse {
  status: number;
  /** JSON body; undefined = no body. */
  body?: unknown;
  /** Bytes sent as they are instead of a JSON body, with only the headers given (raw responses). */
  rawBody?: Buffer;
  headers?: Record<string, string>;
}

const EMPTY_ERRORS = { status: 404, body: { errors: [] } } as const;

/** Routes whose `data` keys Vault also copies to the top level (http/logical.go injectDataIntoTopRoutes). */
const INJECT_DATA_INTO_TOP = [
  'sys/audit',
  'sys/audit-hash/',
  'sys/auth',
  'sys/config/cors',
  'sys/config/auditing/request-headers',
  'sys/capabilities',
  'sys/ha-status',
  'sys/key-status',
  'sys/mounts',
  'sys/policy',
  'sys/rekey/backup',
  'sys/rekey/recovery-key-backup',
  'sys/remount',
  'sys/rotate',
  'sys/wrapping/wrap',
];

export function injectsDataIntoTop(path: string): boolean {
  // Prefix match covers each route and its sub-paths (sys/auth/<path>, sys/capabilities-self, ...);
  // sys/policies/* does not start with sys/policy, as in Vault.
  return INJECT_DATA_INTO_TOP.some((route) => path.startsWith(route));
}

export function renderEnvelope(req: Request, mount: MountEntry | undefined, resp: Response | null): WireResponse {
  if (!resp) {
    // Only reads and lists turn "nothing" into 404; a patch with nothing to say is a 204 (Vault PR #13167).
    if (req.operation === 'read' || req.operation === 'list') return { ...EMPTY_ERRORS };
    return { status: 204 };
  }
  if (resp.raw)
    return resp.raw.body === undefined ? { status: resp.raw.status } : { status: resp.raw.status, body: resp.raw.body };
  if (resp.error) return { status: resp.error.status, body: { errors: [resp.error.message] } };
  if (isRawHttpResponse(resp)) return renderRaw(resp);
  if (req.operation === 'list' && listIsEmpty(resp)) return { ...EMPTY_ERRORS };

  const envelope = successEnvelope(req.id, mount?.type ?? '', resp);
  const body = injectsDataIntoTop(req.path) && resp.data ? { ...resp.data, ...envelope } : envelope;
  return { status: resp.status ?? 200, body };
}

/**
 * http/logical.go respondRaw: the status, content type and body a backend put
 * in its data, sent without an envelope. A malformed raw response is a 500
 * with the reason in `X-Vault-Raw-Error`, as in Vault.
 */
function renderRaw(resp: Response): WireResponse {
  const fail = (why: string): WireResponse => ({
    status: 500,
    body: { errors: [] },
    headers: { 'X-Vault-Raw-Error': why },
  });
  if (resp.secret || resp.auth || resp.issuedToken) return fail('raw responses cannot contain secrets or auth');
  const data = resp.data ?? {};
  const status = data[HTTP_STATUS_CODE];
  if (typeof status !== 'number' || !Number.isInteger(status)) return fail('cannot decode status code');
  const nonEmpty = status !== 204;
  const contentType = data[HTTP_CONTENT_TYPE];
  if (contentType === undefined && nonEmpty) return fail('no content type given');
  if (contentType !== undefined && typeof contentType !== 'string') return fail('cannot decode content type');
  let body: Buffer = Buffer.alloc(0);
  if (nonEmpty) {
    const raw = data[HTTP_RAW_BODY];
    if (raw === undefined) return fail('no body given');
    if (raw instanceof Uint8Array) body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    // Bytes that crossed a JSON boundary arrive as base64 text; Vault decodes them when it can.
    else if (typeof raw === 'string') body = strictBase64(raw) ?? Buffer.from(raw);
    else return fail('cannot decode body');
  }
  return { status, rawBody: body, headers: contentType ? { 'Content-Type': contentType } : {} };
}

/** Go's base64.StdEncoding.DecodeString: padded standard alphabet (line breaks ignored), else undefined. */
function strictBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

function listIsEmpty(resp: Response): boolean {
  const data = resp.data;
  const hasWarnings = (resp.warnings?.length ?? 0) > 0;
  if (!data || Object.keys(data).length === 0) return !hasWarnings;
  const keys = data['keys'];
  if (keys === undefined || keys === null) return false;
  return Array.isArray(keys) && keys.length === 0;
}

export function successEnvelope(requestId: string, mountType: string, resp: Response): Record<string, unknown> {
  const secret = resp.secret;
  const issued = resp.issuedToken;
  return {
    request_id: requestId,
    lease_id: resp.leaseId ?? '',
    renewable: secret?.renewable ?? false,
    lease_duration: secret?.ttl ?? 0,
    data: resp.data ?? null,
    wrap_info: null,
    warnings: resp.warnings && resp.warnings.length > 0 ? resp.warnings : null,
    auth: issued ? renderAuth(issued.entry, issued.leaseDuration, resp.hideClientToken) : null,
    mount_type: mountType,
  };
}

/** The `auth` block, field order as Vault's logical.Auth JSON. */
export function renderAuth(
  entry: IssuedToken,
  leaseDuration: number,
  hideClientToken = false,
): Record<string, unknown> {
  return {
    client_token: hideClientToken ? '' : entry.id,
    accessor: entry.accessor,
    policies: entry.policies,
    token_policies: entry.policies,
    metadata: entry.meta,
    lease_duration: leaseDuration,
    renewable: entry.renewable,
    entity_id: entry.entityId,
    token_type: entry.type,
    orphan: entry.parent === '',
    mfa_requirement: null,
    num_uses: Math.max(entry.numUses, 0),
  };
}
