/**
 * Building audit entries, after Vault 1.18's `audit/entry_formatter.go`
 * (`FormatRequest`/`FormatResponse`), `audit/hashstructure.go` (`HashAuth`,
 * `HashRequest`, `HashResponse`, `HashWrapInfo`) and `audit/types.go` (field
 * names, order and `omitempty`).
 *
 * What is HMAC'd (unless `log_raw`): every string in request and response
 * `data` (and, in request data, numbers: Vault decodes JSON bodies with
 * `UseNumber`), `client_token` everywhere, `wrap_info.token`; with
 * `hmac_accessor` (the default) also the accessors. Never: auth metadata,
 * policies, paths, addresses, the top-level `error`.
 */
import { createHash } from 'node:crypto';
import type { IssuedToken, Request, Response } from '../sdk/logical.js';
import { removeDuplicatesLower } from '../sdk/strutil.js';
import { formatRFC3339Nano, secondsToNanos, toUTCRFC3339Nano } from '../sdk/time.js';
import type { TokenEntry } from '../vault/token-store.js';
import { VAULT_VERSION } from '../vault/version.js';
import { GoStruct, encodeJSON, encodeJSONx, isPlainObject, omitEmpty } from './encode.js';
import { elideListResponseData, hashStructure, type HashFn } from './hash.js';
import type { AuditedHeaders } from './headers.js';
import type { AuditEvent } from './types.js';

export type AuditFormat = 'json' | 'jsonx';

/** A device's formatting options (Vault's formatterConfig). */
export interface FormatterConfig {
  /** `log_raw`: nothing is HMAC'd. */
  raw: boolean;
  /** `hmac_accessor`: accessors are HMAC'd (default true). */
  hmacAccessor: boolean;
  /** `elide_list_responses`: list responses show counts instead of keys. */
  elideListResponses: boolean;
  format: AuditFormat;
  /** Written before every entry. */
  prefix: string;
}

export const DEFAULT_FORMATTER_CONFIG: FormatterConfig = {
  raw: false,
  hmacAccessor: true,
  elideListResponses: false,
  format: 'json',
  prefix: '',
};

export interface FormatContext {
  config: FormatterConfig;
  /** The device's identified HMAC (`hmac-sha256:<hex>`). */
  hmac: HashFn;
  /** The entry's `time` (RFC3339Nano, UTC). */
  time: string;
  headers?: AuditedHeaders;
}

/** The root namespace, the only one vault-dev has. */
const ROOT_NAMESPACE_ID = 'root';

/** Mount types whose plugin is built into the Vault binary itself (running version `v<vault>+builtin.vault`). */
const IN_REPO_BUILTINS = new Set([
  'system',
  'token',
  'cubbyhole',
  'identity',
  'approle',
  'userpass',
  'cert',
  'github',
  'ldap',
  'okta',
  'radius',
  'aws',
  'transit',
  'pki',
  'ssh',
  'totp',
  'database',
  'rabbitmq',
  'nomad',
  'consul',
]);

// --- auth ---------------------------------------------------------------

/** What an `auth` block of an entry shows, before hashing. */
export interface AuthView {
  clientToken?: string;
  accessor?: string;
  displayName?: string;
  policies?: readonly string[];
  tokenPolicies?: readonly string[];
  identityPolicies?: readonly string[];
  metadata?: Record<string, string> | null;
  numUses?: number;
  remainingUses?: number;
  entityId?: string;
  tokenType: string;
  /** Seconds. */
  tokenTTL?: number;
  /** Already formatted (RFC3339, local zone). */
  tokenIssueTime?: string;
  policyResults?: { allowed: boolean; grantingPolicies: readonly string[] };
}

function renderAuth(view: AuthView, ctx: FormatContext): GoStruct {
  const { raw, hmacAccessor } = ctx.config;
  const clientToken = view.clientToken ? (raw ? view.clientToken : ctx.hmac(view.clientToken)) : undefined;
  const accessor = view.accessor ? (raw || !hmacAccessor ? view.accessor : ctx.hmac(view.accessor)) : undefined;
  const policyResults = view.policyResults
    ? new GoStruct([
        ['allowed', view.policyResults.allowed],
        [
          'granting_policies',
          omitEmpty(
            view.policyResults.grantingPolicies.map(
              (name) =>
                new GoStruct([
                  ['name', omitEmpty(name)],
                  ['namespace_id', ROOT_NAMESPACE_ID],
                  ['type', 'acl'],
                ]),
            ),
          ),
        ],
      ])
    : undefined;
  return new GoStruct([
    ['accessor', accessor],
    ['client_token', clientToken],
    ['display_name', omitEmpty(view.displayName)],
    ['entity_id', omitEmpty(view.entityId)],
    ['identity_policies', omitEmpty(view.identityPolicies ? [...view.identityPolicies] : undefined)],
    ['metadata', omitEmpty(view.metadata ?? undefined)],
    ['num_uses', omitEmpty(view.numUses)],
    ['policies', omitEmpty(view.policies ? [...view.policies] : undefined)],
    ['policy_results', policyResults],
    ['remaining_uses', omitEmpty(view.remainingUses)],
    ['token_policies', omitEmpty(view.tokenPolicies ? [...view.tokenPolicies] : undefined)],
    ['token_issue_time', omitEmpty(view.tokenIssueTime)],
    ['token_ttl', omitEmpty(view.tokenTTL)],
    ['token_type', omitEmpty(view.tokenType)],
  ]);
}

/** The caller's auth as Vault's CheckToken builds it from the token entry. */
function authFromTokenEntry(te: TokenEntry, event: AuditEvent): AuthView {
  const view: AuthView = {
    clientToken: event.request.clientToken || te.id,
    accessor: te.accessor,
    displayName: te.displayName,
    policies: removeDuplicatesLower(te.policies),
    tokenPolicies: te.policies,
    metadata: te.meta,
    entityId: te.entityId,
    tokenType: te.type,
    tokenTTL: te.creationTTL,
    ...(event.tokenRemainingUses !== undefined ? { remainingUses: Math.max(event.tokenRemainingUses, 0) } : {}),
  };
  // Vault formats time.Unix(te.CreationTime, 0): whole seconds, in the server's zone.
  if (te.creationTime > 0) {
    view.tokenIssueTime = formatRFC3339Nano(secondsToNanos(Math.floor(te.creationTime / 1000)), { local: true });
  }
  if (event.policyResults) view.policyResults = event.policyResults;
  return view;
}

/** The auth of an unauthenticated-path request (Vault's CheckToken with unauth=true). */
function authForUnauthenticated(event: AuditEvent): AuthView {
  const req = event.request;
  const info = req.tokenEntry;
  const view: AuthView = info
    ? {
        clientToken: req.clientToken || info.id,
        accessor: info.accessor,
        displayName: info.displayName,
        policies: removeDuplicatesLower(info.policies),
        tokenPolicies: info.policies,
        metadata: info.meta,
        entityId: info.entityId,
        tokenType: info.type,
      }
    : { tokenType: 'default', ...(req.clientToken ? { clientToken: req.clientToken } : {}) };
  view.policyResults = event.policyResults ?? { allowed: true, grantingPolicies: [] };
  return view;
}

/** A token a login (or token creation) just minted, as the response's auth shows it. */
function authFromIssued(
  issued: { entry: IssuedToken; leaseDuration: number } | undefined,
  wireAuth: Record<string, unknown> | undefined,
): AuthView | undefined {
  if (!issued && !wireAuth) return undefined;
  const entry = issued?.entry as (IssuedToken & { displayName?: unknown }) | undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const strs = (v: unknown): string[] | undefined =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const meta =
    wireAuth && isPlainObject(wireAuth['metadata']) ? (wireAuth['metadata'] as Record<string, string>) : entry?.meta;
  const view: AuthView = {
    clientToken: str(wireAuth?.['client_token']) || entry?.id,
    accessor: str(wireAuth?.['accessor']) ?? entry?.accessor,
    policies: strs(wireAuth?.['policies']) ?? entry?.policies,
    tokenPolicies: strs(wireAuth?.['token_policies']) ?? entry?.policies,
    metadata: meta ?? null,
    numUses: num(wireAuth?.['num_uses']) ?? (entry ? Math.max(entry.numUses, 0) : undefined),
    entityId: str(wireAuth?.['entity_id']) ?? entry?.entityId,
    tokenType: str(wireAuth?.['token_type']) ?? entry?.type ?? 'service',
  };
  const identity = strs(wireAuth?.['identity_policies']);
  if (identity) view.identityPolicies = identity;
  const ttl = num(wireAuth?.['lease_duration']) ?? issued?.leaseDuration;
  if (ttl !== undefined) view.tokenTTL = ttl;
  const displayName = str(entry?.displayName);
  if (displayName) view.displayName = displayName;
  return view;
}

/** Vault's TokenEntry.CreateClientID: the entity ID, else a hash of the sorted policies and namespace. */
export function clientIdOf(policies: readonly string[], entityId: string): string {
  if (entityId) return entityId;
  const sorted = [...policies].sort();
  const input = `${sorted.map((p) => `\u007f${p}`).join('')}\u0000${ROOT_NAMESPACE_ID}`.slice(1);
  return createHash('sha256').update(input, 'utf8').digest('base64');
}

// --- request ------------------------------------------------------------

function nonHmacRequestKeys(event: AuditEvent): readonly string[] {
  return event.mount?.config.auditNonHmacRequestKeys ?? [];
}

function nonHmacResponseKeys(event: AuditEvent): readonly string[] {
  return event.mount?.config.auditNonHmacResponseKeys ?? [];
}

function mountRunningVersion(req: Request): string | undefined {
  return req.mountType && IN_REPO_BUILTINS.has(req.mountType) ? `v${VAULT_VERSION}+builtin.vault` : undefined;
}

function renderRequest(event: AuditEvent, ctx: FormatContext): GoStruct {
  const req = event.request;
  const { raw, hmacAccessor } = ctx.config;
  const te = event.token;
  const info = req.tokenEntry;
  const accessorPlain = te?.accessor ?? info?.accessor;
  const clientId = te
    ? clientIdOf(te.policies, te.entityId)
    : info
      ? clientIdOf(info.policies, info.entityId)
      : undefined;

  let data: unknown;
  if (req.data && Object.keys(req.data).length > 0) {
    data = raw ? req.data : hashStructure(req.data, ctx.hmac, nonHmacRequestKeys(event), { hashNumbers: true });
  }
  // Vault applies the header config (and its HMAC setting) before formatting, even with log_raw.
  const headers = ctx.headers?.apply(req.headers, ctx.hmac);
  const hasMount = Boolean(event.mount || req.mountType);

  return new GoStruct([
    ['client_id', omitEmpty(clientId)],
    ['client_token', req.clientToken ? (raw ? req.clientToken : ctx.hmac(req.clientToken)) : undefined],
    [
      'client_token_accessor',
      accessorPlain ? (raw || !hmacAccessor ? accessorPlain : ctx.hmac(accessorPlain)) : undefined,
    ],
    ['data', omitEmpty(data)],
    ['headers', omitEmpty(headers)],
    ['id', omitEmpty(req.id)],
    ['mount_accessor', omitEmpty(req.mountAccessor)],
    ['mount_class', hasMount ? omitEmpty(req.mountClass) : undefined],
    ['mount_point', omitEmpty(req.mountPoint)],
    ['mount_running_version', mountRunningVersion(req)],
    ['mount_type', omitEmpty(req.mountType)],
    ['namespace', new GoStruct([['id', ROOT_NAMESPACE_ID]])],
    ['operation', omitEmpty(req.operation)],
    ['path', omitEmpty(req.path)],
    ['remote_address', omitEmpty(req.remoteAddress)],
    ['remote_port', omitEmpty(req.remotePort)],
    ['wrap_ttl', omitEmpty(req.wrap?.ttl)],
  ]);
}

// --- response -----------------------------------------------------------

interface ResponseParts {
  auth?: AuthView;
  data?: Record<string, unknown>;
  /** The data came from decoding a JSON body (numbers are json.Number and get HMAC'd). */
  dataFromJSON?: boolean;
  warnings?: string[];
  wrapInfo?: Record<string, unknown>;
  leaseId?: string;
}

function isEnvelope(v: unknown): v is Record<string, unknown> {
  return isPlainObject(v) && ('request_id' in v || 'wrap_info' in v) && !('errors' in v);
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** What Vault audits of a response: the logical response, or what the client got when that differs. */
function responseParts(event: AuditEvent): ResponseParts {
  const resp: Response | null | undefined = event.response;
  const env = isEnvelope(event.envelope) ? event.envelope : undefined;
  const req = event.request;

  // sys/wrapping/unwrap: Vault audits the unwrapped response decoded from its raw JSON body.
  if (req.path === 'sys/wrapping/unwrap' && env && (!resp || resp.raw)) {
    return fromEnvelope(env, true);
  }

  // Vault's RespondWithStatusCode: the logical response carries the HTTP parts in its data.
  const status =
    resp?.raw?.status ??
    (resp?.status !== undefined && resp.status !== 200 && resp.status !== 204 ? resp.status : undefined);
  if (resp && status !== undefined && !resp.error) {
    const body = resp.raw ? resp.raw.body : event.envelope;
    const data: Record<string, unknown> = { http_content_type: 'application/json', http_status_code: status };
    if (body !== undefined && body !== null) data['http_raw_body'] = JSON.stringify(body);
    return { data };
  }

  // A wrapped answer: Vault audits only {wrap_info, warnings}.
  if (env && isPlainObject(env['wrap_info'])) {
    return {
      wrapInfo: env['wrap_info'],
      ...(stringList(env['warnings'])
        ? { warnings: stringList(env['warnings']) }
        : resp?.warnings
          ? { warnings: resp.warnings }
          : {}),
    };
  }

  if (!resp) return env ? fromEnvelope(env, false) : {};

  const parts: ResponseParts = {};
  if (resp.data) parts.data = resp.data;
  if (resp.warnings && resp.warnings.length > 0) parts.warnings = resp.warnings;
  if (!resp.error) {
    const wireAuth = env && isPlainObject(env['auth']) ? env['auth'] : undefined;
    const auth = authFromIssued(resp.issuedToken, wireAuth);
    if (auth) parts.auth = auth;
    const leaseId = resp.leaseId ?? (env && typeof env['lease_id'] === 'string' ? env['lease_id'] : undefined);
    if (leaseId) parts.leaseId = leaseId;
  }
  return parts;
}

function fromEnvelope(env: Record<string, unknown>, fromJSON: boolean): ResponseParts {
  const parts: ResponseParts = {};
  if (isPlainObject(env['data'])) {
    parts.data = env['data'];
    parts.dataFromJSON = fromJSON;
  }
  const warnings = stringList(env['warnings']);
  if (warnings && warnings.length > 0) parts.warnings = warnings;
  if (isPlainObject(env['wrap_info'])) parts.wrapInfo = env['wrap_info'];
  if (isPlainObject(env['auth'])) parts.auth = authFromIssued(undefined, env['auth']);
  if (typeof env['lease_id'] === 'string' && env['lease_id'] !== '') parts.leaseId = env['lease_id'];
  return parts;
}

function renderWrapInfo(w: Record<string, unknown>, ctx: FormatContext): GoStruct {
  const { raw, hmacAccessor } = ctx.config;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const token = str(w['token']);
  const accessor = str(w['accessor']);
  const wrapped = str(w['wrapped_accessor']);
  const hashAccessors = !raw && hmacAccessor;
  return new GoStruct([
    ['accessor', omitEmpty(hashAccessors ? ctx.hmac(accessor) : accessor)],
    ['creation_path', omitEmpty(str(w['creation_path']))],
    ['creation_time', omitEmpty(w['creation_time'] ? toUTCRFC3339Nano(str(w['creation_time'])) : '')],
    ['token', omitEmpty(raw ? token : ctx.hmac(token))],
    ['ttl', omitEmpty(typeof w['ttl'] === 'number' ? w['ttl'] : 0)],
    ['wrapped_accessor', omitEmpty(wrapped && hashAccessors ? ctx.hmac(wrapped) : wrapped)],
  ]);
}

function renderResponse(event: AuditEvent, parts: ResponseParts, ctx: FormatContext): GoStruct {
  const req = event.request;
  const { raw } = ctx.config;
  let data: unknown;
  if (parts.data) {
    let d = parts.data;
    if (ctx.config.elideListResponses && req.operation === 'list') d = elideListResponseData(d);
    data = raw
      ? d
      : hashStructure(d, ctx.hmac, nonHmacResponseKeys(event), { hashNumbers: parts.dataFromJSON === true });
  }
  const hasMount = Boolean(event.mount || req.mountType);
  return new GoStruct([
    ['auth', parts.auth ? renderAuth(parts.auth, ctx) : undefined],
    ['data', omitEmpty(data)],
    ['mount_accessor', omitEmpty(req.mountAccessor)],
    ['mount_class', hasMount ? omitEmpty(req.mountClass) : undefined],
    ['mount_point', omitEmpty(req.mountPoint)],
    ['mount_running_plugin_version', mountRunningVersion(req)],
    ['mount_type', omitEmpty(req.mountType)],
    ['secret', parts.leaseId ? new GoStruct([['lease_id', parts.leaseId]]) : undefined],
    ['wrap_info', parts.wrapInfo ? renderWrapInfo(parts.wrapInfo, ctx) : undefined],
    ['warnings', omitEmpty(parts.warnings)],
  ]);
}

// --- entries ------------------------------------------------------------

/** The request entry Vault writes before the backend runs. */
export function formatRequest(event: AuditEvent, ctx: FormatContext): GoStruct {
  const auth = event.token ? authFromTokenEntry(event.token, event) : authForUnauthenticated(event);
  return new GoStruct([
    ['auth', renderAuth(auth, ctx)],
    ['error', omitEmpty(event.outerError)],
    ['request', renderRequest(event, ctx)],
    ['time', ctx.time],
    ['type', 'request'],
  ]);
}

/** The response entry Vault writes after the backend ran. */
export function formatResponse(event: AuditEvent, ctx: FormatContext): GoStruct {
  const parts = responseParts(event);
  let auth: AuthView;
  if (event.token) {
    auth = authFromTokenEntry(event.token, event);
  } else if (event.response?.issuedToken && !event.response.error) {
    // A successful login: Vault audits the new token's auth at the top level too.
    const env = isEnvelope(event.envelope) ? event.envelope : undefined;
    const wireAuth = env && isPlainObject(env['auth']) ? env['auth'] : undefined;
    const issued = authFromIssued(event.response.issuedToken, wireAuth) as AuthView;
    const { numUses: _numUses, ...rest } = issued;
    auth = rest;
  } else if (event.response?.error?.invalidCredentials) {
    // handleLoginRequest returns no auth with ErrInvalidCredentials.
    auth = { tokenType: 'default' };
  } else {
    auth = authForUnauthenticated(event);
  }
  return new GoStruct([
    ['auth', renderAuth(auth, ctx)],
    ['error', omitEmpty(event.outerError)],
    ['request', renderRequest(event, ctx)],
    ['response', renderResponse(event, parts, ctx)],
    ['time', ctx.time],
    ['type', 'response'],
  ]);
}

/**
 * The test message Vault writes when a device is enabled (`generateAuditTestProbe`):
 * a request entry for `update sys/audit/test` with no auth.
 */
export function formatTestProbe(requestId: string, time: string): GoStruct {
  return new GoStruct([
    ['auth', new GoStruct([['token_type', 'default']])],
    [
      'request',
      new GoStruct([
        ['id', requestId],
        ['namespace', new GoStruct([['id', ROOT_NAMESPACE_ID]])],
        ['operation', 'update'],
        ['path', 'sys/audit/test'],
      ]),
    ],
    ['time', time],
    ['type', 'request'],
  ]);
}

/** The bytes a device writes for an entry: prefix, then JSON + newline (or JSONx, no newline). */
export function serializeEntry(entry: GoStruct, config: FormatterConfig): string {
  const body = config.format === 'jsonx' ? encodeJSONx(entry) : `${encodeJSON(entry)}\n`;
  return `${config.prefix}${body}`;
}
