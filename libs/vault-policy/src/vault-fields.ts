/**
 * How Vault gives back the fields we write, so a GET can be compared with a
 * desired body without false differences (which would turn every ensure into
 * a write) and without missing real ones.
 */
import { parseDurationSeconds } from './duration.js';

type FieldKind =
  | 'duration'
  | 'count'
  | 'policySet'
  | 'cidrSet'
  | 'bool'
  | 'stringSet'
  | 'stringList'
  | 'jsonText'
  | 'text'
  | 'emptyText';

/** Every field a rendered AppRole, token-role or dynamic-credential role body sets. */
const FIELD_KINDS: Record<string, FieldKind> = {
  bind_secret_id: 'bool',
  orphan: 'bool',
  renewable: 'bool',
  token_no_default_policy: 'bool',
  token_type: 'text',
  path_suffix: 'emptyText',
  allowed_entity_aliases: 'stringSet',
  allowed_policies_glob: 'stringSet',
  disallowed_policies_glob: 'stringSet',
  secret_id_num_uses: 'count',
  token_num_uses: 'count',
  secret_id_ttl: 'duration',
  token_explicit_max_ttl: 'duration',
  token_max_ttl: 'duration',
  token_period: 'duration',
  token_ttl: 'duration',
  // Vault treats these as sets: policy names are lower-cased and de-duplicated on use.
  allowed_policies: 'policySet',
  disallowed_policies: 'policySet',
  token_policies: 'policySet',
  secret_id_bound_cidrs: 'cidrSet',
  token_bound_cidrs: 'cidrSet',
  // Database, AWS and PKI roles (dynamic.ts).
  db_name: 'text',
  credential_type: 'text', // AWS reads it back comma-joined; one type reads back as itself
  key_type: 'text',
  default_ttl: 'duration',
  max_ttl: 'duration',
  ttl: 'duration',
  default_sts_ttl: 'duration',
  max_sts_ttl: 'duration',
  key_bits: 'count',
  allow_subdomains: 'bool',
  allow_bare_domains: 'bool',
  // Order matters for statements (they run in sequence), not for ARNs or domains.
  creation_statements: 'stringList',
  revocation_statements: 'stringList',
  policy_arns: 'stringSet',
  role_arns: 'stringSet',
  allowed_domains: 'stringSet',
  policy_document: 'jsonText',
};

/**
 * Legacy names Vault still returns. It fills the token_* field from the
 * legacy one when the former is empty; older servers may return only the
 * legacy key, so we do the same.
 */
const LEGACY_ALIASES: Record<string, string> = {
  token_period: 'period',
  token_policies: 'policies',
  token_explicit_max_ttl: 'explicit_max_ttl',
  token_bound_cidrs: 'bound_cidrs',
  secret_id_bound_cidrs: 'bound_cidr_list',
};

function isEmpty(value: unknown): boolean {
  return (
    value === undefined || value === null || value === 0 || value === '' || (Array.isArray(value) && value.length === 0)
  );
}

/** The value Vault's GET data holds for `field`, legacy aliases resolved. */
export function actualField(data: Readonly<Record<string, unknown>>, field: string): unknown {
  const value = data[field];
  const legacy = LEGACY_ALIASES[field];
  if (legacy !== undefined && isEmpty(value) && !isEmpty(data[legacy])) return data[legacy];
  return value;
}

function toList(value: unknown): unknown[] | undefined {
  if (value === undefined || value === null) return []; // Vault returns null for a never-set CIDR list.
  if (typeof value === 'string') return value === '' ? [] : value.split(','); // comma-string form
  return Array.isArray(value) ? value : undefined;
}

function canonicalCidr(cidr: string): string {
  const s = cidr.trim();
  // A host address and its /32 (/128) are the same block; Vault prints either.
  if (s.endsWith('/32') && !s.includes(':')) return s.slice(0, -3);
  if (s.endsWith('/128') && s.includes(':')) return s.slice(0, -4);
  return s;
}

/** A comparable form of a field value; `undefined` stands for "not a value Vault would return". */
export function normalizeField(field: string, value: unknown): unknown {
  switch (FIELD_KINDS[field]) {
    case 'duration': {
      if (value === undefined || value === null) return 0;
      const parsed = parseDurationSeconds(value);
      return parsed.ok ? parsed.seconds : undefined;
    }
    case 'count':
      if (value === undefined || value === null) return 0; // token roles omit token_num_uses when 0
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    case 'policySet':
    case 'cidrSet': {
      const list = toList(value);
      if (!list || !list.every((v): v is string => typeof v === 'string')) return undefined;
      const norm = FIELD_KINDS[field] === 'cidrSet' ? canonicalCidr : (p: string) => p.trim().toLowerCase();
      return [...new Set(list.map(norm).filter((v) => v !== ''))].sort();
    }
    case 'bool':
      return typeof value === 'boolean' ? value : undefined;
    case 'stringSet': {
      const list = toList(value);
      if (!list || !list.every((v): v is string => typeof v === 'string')) return undefined;
      return [...new Set(list)].sort();
    }
    case 'stringList': {
      // Statements hold commas: never split a string form.
      const list = typeof value === 'string' ? [value] : toList(value);
      if (!list || !list.every((v): v is string => typeof v === 'string')) return undefined;
      return list;
    }
    case 'jsonText':
      // Vault stores a policy document compacted; an absent one reads back as "".
      if (value === undefined || value === null || value === '') return '';
      if (typeof value !== 'string') return undefined;
      try {
        return JSON.stringify(JSON.parse(value));
      } catch {
        return value;
      }
    case 'text':
      return typeof value === 'string' ? value : undefined;
    case 'emptyText':
      // A string Vault may leave out when empty.
      if (value === undefined || value === null) return '';
      return typeof value === 'string' ? value : undefined;
    default:
      return value;
  }
}

/** Fields of `desired` whose value differs from Vault's `actual` data, sorted. */
export function differingFields(
  desired: Readonly<Record<string, unknown>>,
  actual: Readonly<Record<string, unknown>>,
): string[] {
  return Object.keys(desired)
    .filter((field) => {
      const want = normalizeField(field, desired[field]);
      const have = normalizeField(field, actualField(actual, field));
      return have === undefined || JSON.stringify(want) !== JSON.stringify(have);
    })
    .sort();
}
