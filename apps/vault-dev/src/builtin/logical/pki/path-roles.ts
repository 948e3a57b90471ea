/**
 * `roles/:name` (write answers the role, read, delete) and `roles/` (LIST),
 * after Vault's builtin/logical/pki/path_roles.go, with its defaults.
 */
import { errorResponse } from '../../../sdk/errors.js';
import { genericNameRegex, type FieldData, type FieldSchemas, type PathSpec } from '../../../sdk/framework.js';
import type { Response } from '../../../sdk/logical.js';
import type { PkiContext } from './context.js';
import type { PkiRole } from './store.js';
import { checkKeyParams } from './x509.js';

const ROLE_FIELDS: FieldSchemas = {
  name: { type: 'string', description: 'Name of the role' },
  ttl: { type: 'durationSecond', description: 'The lease duration if no specific lease duration is requested.' },
  max_ttl: { type: 'durationSecond', description: 'The maximum allowed lease duration.' },
  allowed_domains: { type: 'commaStringSlice', description: 'Domains this role may issue for.' },
  allow_subdomains: { type: 'bool', default: false },
  allow_bare_domains: { type: 'bool', default: false },
  allow_glob_domains: { type: 'bool', default: false },
  allow_any_name: { type: 'bool', default: false },
  allow_localhost: { type: 'bool', default: true },
  allow_ip_sans: { type: 'bool', default: true },
  allow_wildcard_certificates: { type: 'bool', default: true },
  enforce_hostnames: { type: 'bool', default: true },
  server_flag: { type: 'bool', default: true },
  client_flag: { type: 'bool', default: true },
  require_cn: { type: 'bool', default: true },
  key_type: { type: 'string', default: 'rsa' },
  key_bits: { type: 'int', default: 0 },
  generate_lease: { type: 'bool', default: false },
  no_store: { type: 'bool', default: false },
};

export function rolePaths(ctx: PkiContext): PathSpec[] {
  return [
    {
      pattern: 'roles/?$',
      operations: {
        list: () => {
          const keys = ctx.store.roleNames();
          return keys.length === 0 ? null : { data: { keys } };
        },
      },
    },
    {
      pattern: `roles/${genericNameRegex('name')}$`,
      fields: ROLE_FIELDS,
      operations: {
        update: (_req, data) => writeRole(ctx, data),
        read: (_req, data) => {
          const role = ctx.store.role(data.get<string>('name'));
          return role ? { data: roleData(role) } : null;
        },
        delete: (_req, data) => {
          ctx.store.deleteRole(data.get<string>('name'));
          return null;
        },
      },
    },
  ];
}

function writeRole(ctx: PkiContext, data: FieldData): Response {
  const key = checkKeyParams(data.get<string>('key_type'), data.get<number>('key_bits'));
  if (typeof key === 'string') return errorResponse(key);
  const noStore = data.get<boolean>('no_store');
  const role: PkiRole = {
    ttl: data.get<number>('ttl'),
    maxTTL: data.get<number>('max_ttl'),
    allowedDomains: data.get<string[]>('allowed_domains'),
    allowSubdomains: data.get<boolean>('allow_subdomains'),
    allowBareDomains: data.get<boolean>('allow_bare_domains'),
    allowGlobDomains: data.get<boolean>('allow_glob_domains'),
    allowAnyName: data.get<boolean>('allow_any_name'),
    allowLocalhost: data.get<boolean>('allow_localhost'),
    allowIpSans: data.get<boolean>('allow_ip_sans'),
    allowWildcardCertificates: data.get<boolean>('allow_wildcard_certificates'),
    enforceHostnames: data.get<boolean>('enforce_hostnames'),
    serverFlag: data.get<boolean>('server_flag'),
    clientFlag: data.get<boolean>('client_flag'),
    requireCn: data.get<boolean>('require_cn'),
    keyType: key.type,
    keyBits: key.bits,
    // no_store forces generate_lease off, as Vault.
    generateLease: data.get<boolean>('generate_lease') && !noStore,
    noStore,
  };
  if (role.maxTTL > 0 && role.ttl > role.maxTTL) return errorResponse('"ttl" value must be less than "max_ttl" value');
  ctx.store.putRole(data.get<string>('name'), role);
  return { data: roleData(role) };
}

function roleData(role: PkiRole): Record<string, unknown> {
  return {
    allow_any_name: role.allowAnyName,
    allow_bare_domains: role.allowBareDomains,
    allow_glob_domains: role.allowGlobDomains,
    allow_ip_sans: role.allowIpSans,
    allow_localhost: role.allowLocalhost,
    allow_subdomains: role.allowSubdomains,
    allow_token_displayname: false,
    allow_wildcard_certificates: role.allowWildcardCertificates,
    allowed_domains: role.allowedDomains,
    client_flag: role.clientFlag,
    enforce_hostnames: role.enforceHostnames,
    ext_key_usage: [],
    generate_lease: role.generateLease,
    issuer_ref: 'default',
    key_bits: role.keyBits,
    key_type: role.keyType,
    key_usage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
    max_ttl: role.maxTTL,
    no_store: role.noStore,
    not_before_duration: 30,
    require_cn: role.requireCn,
    server_flag: role.serverFlag,
    ttl: role.ttl,
  };
}
