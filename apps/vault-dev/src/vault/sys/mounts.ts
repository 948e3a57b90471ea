/**
 * `sys/mounts`, `sys/auth`, their `/tune` endpoints and
 * `sys/internal/ui/mounts`, after Vault's logical_system.go mount handlers.
 */
import { parseDurationSecond } from '../../sdk/duration.js';
import { errorResponse } from '../../sdk/errors.js';
import { parseBool, parseCommaStringSlice, parseMap, parseString } from '../../sdk/fields.js';
import type { FieldData, PathSpec } from '../../sdk/framework.js';
import { goQuote } from '../../sdk/go-text.js';
import type { Request, Response } from '../../sdk/logical.js';
import type { Core } from '../core.js';
import { type MountClass, type MountConfig, type MountEntry, MountError } from '../mounts.js';
import { revokePrefix } from './leases.js';
import { SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL } from '../token-store.js';
import { VAULT_VERSION } from '../version.js';

const BUILTIN_PLUGIN_VERSION: Record<string, string> = {
  kv: 'v0.21.0+builtin',
  approle: `v${VAULT_VERSION}+builtin.vault`,
};

export function mountInfo(entry: MountEntry): Record<string, unknown> {
  const config: Record<string, unknown> = {
    default_lease_ttl: entry.config.defaultLeaseTTL,
    force_no_cache: entry.config.forceNoCache,
    max_lease_ttl: entry.config.maxLeaseTTL,
  };
  if (entry.config.auditNonHmacRequestKeys.length > 0)
    config['audit_non_hmac_request_keys'] = entry.config.auditNonHmacRequestKeys;
  if (entry.config.auditNonHmacResponseKeys.length > 0)
    config['audit_non_hmac_response_keys'] = entry.config.auditNonHmacResponseKeys;
  if (entry.config.listingVisibility) config['listing_visibility'] = entry.config.listingVisibility;
  if (entry.config.passthroughRequestHeaders.length > 0)
    config['passthrough_request_headers'] = entry.config.passthroughRequestHeaders;
  if (entry.config.allowedResponseHeaders.length > 0)
    config['allowed_response_headers'] = entry.config.allowedResponseHeaders;
  if (entry.mountClass === 'auth') config['token_type'] = entry.config.tokenType;
  return {
    accessor: entry.accessor,
    config,
    deprecation_status: 'supported',
    description: entry.description,
    external_entropy_access: entry.externalEntropyAccess,
    local: entry.local,
    options: entry.options,
    plugin_version: '',
    running_plugin_version: BUILTIN_PLUGIN_VERSION[entry.type] ?? `v${VAULT_VERSION}+builtin.vault`,
    running_sha256: '',
    seal_wrap: entry.sealWrap,
    type: entry.type,
    uuid: entry.uuid,
  };
}

function tableOf(core: Core, mountClass: MountClass): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of core.router.list(mountClass)) out[entry.path] = mountInfo(entry);
  return out;
}

/** Mount config input as Vault's APIMountConfig: durations as seconds or Go strings ("system" = 0). */
function parseMountConfig(raw: unknown): Partial<MountConfig> {
  const input = parseMap(raw);
  const duration = (v: unknown) => (v === 'system' ? 0 : parseDurationSecond(v));
  const out: Partial<MountConfig> = {};
  if (input['default_lease_ttl'] !== undefined) out.defaultLeaseTTL = duration(input['default_lease_ttl']);
  if (input['max_lease_ttl'] !== undefined) out.maxLeaseTTL = duration(input['max_lease_ttl']);
  if (input['force_no_cache'] !== undefined) out.forceNoCache = parseBool(input['force_no_cache']);
  if (input['audit_non_hmac_request_keys'] !== undefined)
    out.auditNonHmacRequestKeys = parseCommaStringSlice(input['audit_non_hmac_request_keys']);
  if (input['audit_non_hmac_response_keys'] !== undefined)
    out.auditNonHmacResponseKeys = parseCommaStringSlice(input['audit_non_hmac_response_keys']);
  if (input['listing_visibility'] !== undefined) out.listingVisibility = parseString(input['listing_visibility']);
  if (input['passthrough_request_headers'] !== undefined)
    out.passthroughRequestHeaders = parseCommaStringSlice(input['passthrough_request_headers']);
  if (input['allowed_response_headers'] !== undefined)
    out.allowedResponseHeaders = parseCommaStringSlice(input['allowed_response_headers']);
  if (input['token_type'] !== undefined) out.tokenType = parseString(input['token_type']);
  return out;
}

function enable(core: Core, mountClass: MountClass) {
  return (_req: Request, d: FieldData): Response | null => {
    const type = d.get<string>('type');
    if (!type) return errorResponse('backend type must be specified as a string');
    let config: Partial<MountConfig>;
    try {
      config = parseMountConfig(d.get('config'));
    } catch (err) {
      return errorResponse(`unable to convert given mount config information: ${(err as Error).message}`);
    }
    if (config.defaultLeaseTTL && config.maxLeaseTTL && config.defaultLeaseTTL > config.maxLeaseTTL) {
      return errorResponse('given default lease TTL greater than given max lease TTL');
    }
    // A mount's max may exceed the system's (PKI CAs of years); only a default with no max of its own may not.
    if (!config.maxLeaseTTL && (config.defaultLeaseTTL ?? 0) > SYSTEM_MAX_TTL) {
      return errorResponse(`given default lease TTL greater than system max lease TTL of ${SYSTEM_MAX_TTL}`);
    }
    try {
      core.router.mount(mountClass, {
        path: d.get<string>('path'),
        type,
        description: d.get<string>('description'),
        local: d.get<boolean>('local'),
        sealWrap: d.get<boolean>('seal_wrap'),
        externalEntropyAccess: d.get<boolean>('external_entropy_access'),
        options: d.has('options') ? d.get<Record<string, string>>('options') : null,
        config,
      });
    } catch (err) {
      if (err instanceof MountError) return errorResponse(err.message);
      throw err;
    }
    return null;
  };
}

const MOUNT_FIELDS = {
  path: { type: 'string' },
  type: { type: 'string' },
  description: { type: 'string' },
  config: { type: 'map' },
  options: { type: 'kvPairs' },
  local: { type: 'bool' },
  seal_wrap: { type: 'bool' },
  external_entropy_access: { type: 'bool' },
  plugin_name: { type: 'string' },
  plugin_version: { type: 'string' },
} as const;

const TUNE_FIELDS = {
  path: { type: 'string' },
  default_lease_ttl: { type: 'string' },
  max_lease_ttl: { type: 'string' },
  description: { type: 'string' },
  audit_non_hmac_request_keys: { type: 'commaStringSlice' },
  audit_non_hmac_response_keys: { type: 'commaStringSlice' },
  listing_visibility: { type: 'string' },
  passthrough_request_headers: { type: 'commaStringSlice' },
  allowed_response_headers: { type: 'commaStringSlice' },
  token_type: { type: 'string' },
  options: { type: 'kvPairs' },
  user_lockout_config: { type: 'map' },
  plugin_version: { type: 'string' },
} as const;

function findMount(core: Core, mountClass: MountClass, path: string): MountEntry | undefined {
  let p = path.replace(/^\/+/, '');
  if (!p.endsWith('/')) p += '/';
  return core.router.byRoutePrefix(mountClass === 'auth' ? `auth/${p}` : p);
}

/**
 * Vault's unmountInternal: every lease the mount issued (secrets, and the
 * tokens of an auth mount's logins) is revoked first; if one cannot be, the
 * unmount fails with that error and the mount stays. Then the mount goes,
 * with its engine's open resources.
 */
async function unmount(core: Core, mountClass: MountClass, path: string): Promise<Response | null> {
  const entry = findMount(core, mountClass, path);
  if (!entry) return null;
  try {
    await revokePrefix(core, entry.routePrefix, false);
  } catch (err) {
    return errorResponse(err instanceof Error ? err.message : String(err));
  }
  core.router.unmount(mountClass, path);
  await entry.backend.cleanup?.();
  return null;
}

function tuneRead(core: Core, mountClass: MountClass) {
  return (_req: Request, d: FieldData): Response | null => {
    const entry = findMount(core, mountClass, d.get<string>('path'));
    if (!entry) return errorResponse(`cannot fetch sysview for path ${goQuote(d.get<string>('path'))}`);
    const data: Record<string, unknown> = {
      default_lease_ttl: entry.config.defaultLeaseTTL || SYSTEM_DEFAULT_TTL,
      description: entry.description,
      force_no_cache: entry.config.forceNoCache,
      max_lease_ttl: entry.config.maxLeaseTTL || SYSTEM_MAX_TTL,
    };
    if (entry.options) data['options'] = entry.options;
    if (entry.mountClass === 'auth') data['token_type'] = entry.config.tokenType;
    if (entry.config.auditNonHmacRequestKeys.length > 0)
      data['audit_non_hmac_request_keys'] = entry.config.auditNonHmacRequestKeys;
    if (entry.config.auditNonHmacResponseKeys.length > 0)
      data['audit_non_hmac_response_keys'] = entry.config.auditNonHmacResponseKeys;
    if (entry.config.listingVisibility) data['listing_visibility'] = entry.config.listingVisibility;
    if (entry.config.passthroughRequestHeaders.length > 0)
      data['passthrough_request_headers'] = entry.config.passthroughRequestHeaders;
    if (entry.config.allowedResponseHeaders.length > 0)
      data['allowed_response_headers'] = entry.config.allowedResponseHeaders;
    return { data };
  };
}

function tuneWrite(core: Core, mountClass: MountClass) {
  return (_req: Request, d: FieldData): Response | null => {
    const entry = findMount(core, mountClass, d.get<string>('path'));
    if (!entry) return errorResponse(`cannot fetch sysview for path ${goQuote(d.get<string>('path'))}`);
    const next: MountConfig = { ...entry.config };
    const ttl = (name: string): number | undefined => {
      if (!d.has(name)) return undefined;
      const raw = d.get<string>(name);
      return raw === '' || raw === 'system' ? 0 : parseDurationSecond(raw);
    };
    try {
      const def = ttl('default_lease_ttl');
      const max = ttl('max_lease_ttl');
      if (def !== undefined) next.defaultLeaseTTL = def;
      if (max !== undefined) next.maxLeaseTTL = max;
    } catch (err) {
      return errorResponse(`unable to parse TTL: ${(err as Error).message}`);
    }
    // Vault's tuneMountTTLs: a max is checked only against the default, never against the system's max.
    if (next.defaultLeaseTTL && !next.maxLeaseTTL && next.defaultLeaseTTL > SYSTEM_MAX_TTL) {
      return errorResponse(
        `new backend default lease TTL of ${next.defaultLeaseTTL} greater than system max lease TTL of ${SYSTEM_MAX_TTL}`,
      );
    }
    if (next.defaultLeaseTTL && next.maxLeaseTTL && next.maxLeaseTTL < next.defaultLeaseTTL) {
      return errorResponse(
        `backend max lease TTL of ${next.maxLeaseTTL} would be less than backend default lease TTL of ${next.defaultLeaseTTL}`,
      );
    }
    if (d.has('audit_non_hmac_request_keys')) next.auditNonHmacRequestKeys = d.get('audit_non_hmac_request_keys');
    if (d.has('audit_non_hmac_response_keys')) next.auditNonHmacResponseKeys = d.get('audit_non_hmac_response_keys');
    if (d.has('listing_visibility')) next.listingVisibility = d.get('listing_visibility');
    if (d.has('passthrough_request_headers')) next.passthroughRequestHeaders = d.get('passthrough_request_headers');
    if (d.has('allowed_response_headers')) next.allowedResponseHeaders = d.get('allowed_response_headers');
    if (d.has('token_type')) {
      if (entry.mountClass !== 'auth') return errorResponse('tuning of token_type is only supported for auth mounts');
      const t = d.get<string>('token_type');
      if (!['default-service', 'default-batch', 'service', 'batch'].includes(t)) {
        return errorResponse(`invalid value for "token_type"`);
      }
      next.tokenType = t;
    }
    if (d.has('options')) {
      const options = d.get<Record<string, string>>('options');
      if (options['version'] !== undefined && entry.type !== 'kv') {
        return errorResponse(`secrets engine ${goQuote(entry.type)} does not allow setting a version`);
      }
      entry.options = { ...(entry.options ?? {}), ...options };
    }
    Object.assign(entry.config, next);
    if (d.has('description')) entry.description = d.get<string>('description');
    return null;
  };
}

/** Whether the caller's policies grant anything under a mount (Vault's hasMountAccess). */
function hasMountAccess(core: Core, policies: readonly string[], routePrefix: string): boolean {
  if (policies.includes('root')) return true;
  for (const name of policies) {
    const policy = core.policies.get(name);
    for (const rule of policy?.paths ?? []) {
      if (rule.capabilities.has('deny') && rule.capabilities.size === 1) continue;
      const rulePath = rule.path;
      if (rulePath.startsWith(routePrefix) || (rule.isPrefix && routePrefix.startsWith(rulePath))) return true;
      if (rule.hasSegmentWildcards && segmentPrefixMatches(rulePath, routePrefix)) return true;
    }
  }
  return false;
}

function segmentPrefixMatches(pattern: string, prefix: string): boolean {
  const want = prefix.replace(/\/$/, '').split('/');
  const have = pattern.split('/');
  return want.every(
    (seg, i) => have[i] === '+' || have[i] === seg || (i === have.length - 1 && (have[i] ?? '').endsWith('*')),
  );
}

export function mountPaths(core: Core): PathSpec[] {
  return [
    { pattern: 'mounts/?$', operations: { read: () => ({ data: tableOf(core, 'secret') }) } },
    {
      pattern: 'mounts/(?<path>.+?)/tune$',
      fields: TUNE_FIELDS,
      operations: { read: tuneRead(core, 'secret'), update: tuneWrite(core, 'secret') },
    },
    {
      pattern: 'mounts/(?<path>.+)',
      fields: MOUNT_FIELDS,
      operations: {
        read: (_req, d) => {
          const entry = findMount(core, 'secret', d.get<string>('path'));
          return entry
            ? { data: mountInfo(entry) }
            : errorResponse(`No secret engine mount at ${d.get<string>('path').replace(/\/?$/, '/')}`);
        },
        update: enable(core, 'secret'),
        delete: (_req, d) => unmount(core, 'secret', d.get<string>('path')),
      },
    },
    { pattern: 'auth/?$', operations: { read: () => ({ data: tableOf(core, 'auth') }) } },
    {
      pattern: 'auth/(?<path>.+?)/tune$',
      fields: TUNE_FIELDS,
      operations: { read: tuneRead(core, 'auth'), update: tuneWrite(core, 'auth') },
    },
    {
      pattern: 'auth/(?<path>.+)',
      fields: MOUNT_FIELDS,
      operations: {
        read: (_req, d) => {
          const entry = findMount(core, 'auth', d.get<string>('path'));
          return entry
            ? { data: mountInfo(entry) }
            : errorResponse(`No auth engine at ${d.get<string>('path').replace(/\/?$/, '/')}`);
        },
        update: (req, d) => {
          if (d.get<string>('type') === 'token')
            return errorResponse('token credential backend cannot be instantiated');
          return enable(core, 'auth')(req, d);
        },
        delete: (_req, d) => {
          const p = d.get<string>('path').replace(/\/?$/, '/');
          if (p === 'token/') return errorResponse('token credential backend cannot be disabled');
          return unmount(core, 'auth', p);
        },
      },
    },
    {
      pattern: 'internal/ui/mounts/?$',
      operations: {
        read: (req) => {
          const policies = req.tokenEntry?.policies ?? [];
          const visible = (cls: MountClass) => {
            const out: Record<string, unknown> = {};
            for (const entry of core.router.list(cls)) {
              if (hasMountAccess(core, policies, entry.routePrefix)) out[entry.path] = mountInfo(entry);
            }
            return out;
          };
          return { data: { secret: visible('secret'), auth: visible('auth') } };
        },
      },
    },
    {
      pattern: 'internal/ui/mounts/(?<path>.+)',
      fields: { path: { type: 'string' } },
      operations: {
        read: (req, d) => {
          const path = d.get<string>('path');
          const entry = core.router.match(path.endsWith('/') ? path : `${path}/`) ?? core.router.match(path);
          const policies = req.tokenEntry?.policies ?? [];
          if (!entry || !hasMountAccess(core, policies, entry.routePrefix)) {
            return errorResponse(
              `preflight capability check returned 403, please ensure client's policies grant access to path ${goQuote(path.replace(/\/?$/, '/'))}`,
              403,
            );
          }
          return { data: { ...mountInfo(entry), path: entry.routePrefix } };
        },
      },
    },
  ];
}

export const MOUNT_ROOT_PATHS = ['auth/*'];
export const MOUNT_UNAUTHENTICATED_PATHS = ['internal/ui/mounts', 'internal/ui/mounts/*'];
