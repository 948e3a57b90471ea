/**
 * SecretID bookkeeping, after Vault's builtin/credential/approle/validation.go:
 * HMAC-ing, registration with its accessor, TTL derivation against the mount
 * max, the CIDR subset rule between a SecretID and its role, deletion, and
 * the lookup response shape. Also strutil.ParseArbitraryKeyValues for
 * SecretID metadata.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { cidrSubsetBlocks } from '../../../sdk/cidr.js';
import { goQuote, goQuoteList } from '../../../sdk/go-text.js';
import { sortedRecord } from '../../../sdk/strutil.js';
import { formatRFC3339Nano, GO_ZERO_TIME, secondsToNanos, type Nanos } from '../../../sdk/time.js';
import { MAX_HMAC_INPUT_LENGTH, type AppRoleStore, type RoleEntry, type SecretIDEntry } from './role.js';

/** Vault's createHMAC: hex HMAC-SHA256, refusing inputs over 4096 bytes. */
export function createHMAC(key: string, value: string): string {
  if (key === '') throw new Error('invalid HMAC key');
  if (Buffer.byteLength(value, 'utf8') > MAX_HMAC_INPUT_LENGTH) {
    throw new Error(`value is longer than maximum of ${MAX_HMAC_INPUT_LENGTH} bytes`);
  }
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/** deriveSecretIDTTL: a negative TTL or one above the mount max becomes the mount max. */
export function deriveSecretIDTTL(secretIdTTL: number, mountMaxTTL: number): number {
  return secretIdTTL < 0 || secretIdTTL > mountMaxTTL ? mountMaxTTL : secretIdTTL;
}

/**
 * verifyCIDRRoleSecretIDSubset: the SecretID's blocks must each lie inside
 * one of the role's blocks (no role blocks = anything goes). Bare role
 * addresses get `/32`, as Vault appends it. Throws Vault's plain error (a 500).
 */
export function verifyCIDRRoleSecretIDSubset(
  secretIdCidrs: readonly string[],
  roleCidrs: readonly string[] | null,
): void {
  if (secretIdCidrs.length === 0 || !roleCidrs || roleCidrs.length === 0) return;
  const roleBlocks = roleCidrs.map((b) => (b.includes('/') ? b : `${b}/32`));
  let subset = false;
  let cause = '%!w(<nil>)';
  try {
    subset = cidrSubsetBlocks(roleBlocks, secretIdCidrs);
  } catch (err) {
    cause = (err as Error).message;
  }
  if (!subset) {
    throw new Error(
      `failed to verify subset relationship between CIDR blocks on the role ${goQuoteList(roleBlocks)} ` +
        `and CIDR blocks on the secret ID ${goQuoteList(secretIdCidrs)}: ${cause}`,
    );
  }
}

const BASE64_STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** strutil.ParseKeyValues: `k=v,k2=v2`, split, trimmed, lower-cased, de-duplicated, sorted. */
function parseKeyValues(input: string, out: Record<string, string>): void {
  const pairs = [...new Set(input.split(',').map((s) => s.trim().toLowerCase()))].filter((s) => s !== '').sort();
  for (const pair of pairs) {
    const shards = pair.split('=');
    if (shards.length !== 2) throw new Error('invalid <key,value> format');
    const key = (shards[0] as string).trim();
    const value = (shards[1] as string).trim();
    if (key === '' || value === '') {
      throw new Error(`invalid <key,value> pair: key: ${goQuote(key)} value: ${goQuote(value)}`);
    }
    out[key] = value;
  }
}

/**
 * strutil.ParseArbitraryKeyValues: a JSON object of strings, optionally
 * base64-encoded, or `k=v` pairs. Throws Go's error texts.
 */
export function parseArbitraryKeyValues(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  let input = raw.trim();
  if (input === '') return out;
  const compact = input.replace(/[\r\n]/g, '');
  if (BASE64_STD.test(compact)) input = Buffer.from(compact, 'base64').toString('utf8');
  let parsed: unknown;
  let isJSON = false;
  try {
    parsed = JSON.parse(input);
    isJSON =
      parsed === null ||
      (typeof parsed === 'object' &&
        !Array.isArray(parsed) &&
        Object.values(parsed as Record<string, unknown>).every((v) => typeof v === 'string' || v === null));
  } catch {
    isJSON = false;
  }
  if (isJSON) {
    // JSON null leaves the map untouched; a JSON null value decodes to "".
    for (const [k, v] of Object.entries((parsed ?? {}) as Record<string, string | null>)) out[k] = v ?? '';
  } else {
    try {
      parseKeyValues(input, out);
    } catch (err) {
      throw new Error(`failed to parse the input: ${(err as Error).message}`);
    }
  }
  for (const [k, v] of Object.entries(out)) {
    if (k !== '' && v === '') throw new Error(`invalid value for key ${goQuote(k)}`);
  }
  return out;
}

export interface SecretIDLocation {
  roleNameHMAC: string;
  secretIdHMAC: string;
}

/** HMACs locating a SecretID of a role; throws `failed to create HMAC of …` errors. */
export function locateSecretId(role: RoleEntry, secretId: string, what = 'secret_id'): SecretIDLocation {
  let secretIdHMAC: string;
  try {
    secretIdHMAC = createHMAC(role.hmacKey, secretId);
  } catch (err) {
    throw new Error(`failed to create HMAC of ${what}: ${(err as Error).message}`);
  }
  let roleNameHMAC: string;
  try {
    roleNameHMAC = createHMAC(role.hmacKey, role.name);
  } catch (err) {
    throw new Error(`failed to create HMAC of role_name: ${(err as Error).message}`);
  }
  return { roleNameHMAC, secretIdHMAC };
}

export function roleNameHMACOf(role: RoleEntry): string {
  try {
    return createHMAC(role.hmacKey, role.name);
  } catch (err) {
    throw new Error(`failed to create HMAC of role_name: ${(err as Error).message}`);
  }
}

/**
 * registerSecretIDEntry: stores a new SecretID (refusing a duplicate), sets its
 * creation, update and expiration times, and creates its accessor.
 */
export function registerSecretIDEntry(
  store: AppRoleStore,
  role: RoleEntry,
  secretId: string,
  entry: Omit<SecretIDEntry, 'secretIdAccessor' | 'creationTime' | 'lastUpdatedTime' | 'expirationTime'>,
  now: Nanos,
  mountMaxTTL: number,
): SecretIDEntry {
  const { roleNameHMAC, secretIdHMAC } = locateSecretId(role, secretId, 'secret ID');
  if (store.getSecretId(role.secretIdPrefix, roleNameHMAC, secretIdHMAC)) {
    throw new Error('SecretID is already registered');
  }
  const ttl = deriveSecretIDTTL(entry.secretIdTTL, mountMaxTTL);
  const full: SecretIDEntry = {
    ...entry,
    secretIdAccessor: randomUUID(),
    creationTime: now,
    lastUpdatedTime: now,
    expirationTime: ttl !== 0 ? now + secondsToNanos(ttl) : 0n,
  };
  store.putAccessor(role.secretIdPrefix, full.secretIdAccessor, secretIdHMAC);
  store.putSecretId(role.secretIdPrefix, roleNameHMAC, secretIdHMAC, full);
  return full;
}

/** Deletes a SecretID and its accessor. */
export function deleteSecretId(store: AppRoleStore, role: RoleEntry, loc: SecretIDLocation, accessor: string): void {
  store.deleteAccessor(role.secretIdPrefix, accessor);
  store.deleteSecretId(role.secretIdPrefix, loc.roleNameHMAC, loc.secretIdHMAC);
}

/**
 * flushRoleSecrets: deletes every SecretID of a role. Like Vault, it leaves
 * their accessor entries for the tidy to collect.
 */
export function flushRoleSecrets(store: AppRoleStore, role: RoleEntry): void {
  const roleNameHMAC = roleNameHMACOf(role);
  for (const secretIdHMAC of store.listSecretIds(role.secretIdPrefix, roleNameHMAC)) {
    store.deleteSecretId(role.secretIdPrefix, roleNameHMAC, secretIdHMAC);
  }
}

/** Whether a SecretID's expiration_time has passed (0 = never expires). */
export function isExpired(entry: SecretIDEntry, now: Nanos): boolean {
  return entry.expirationTime !== 0n && now > entry.expirationTime;
}

/**
 * A SecretID time as Go's encoding/json writes the time.Time Vault keeps: in
 * the server's zone (time.Now() carries time.Local), and 0n, the zero
 * time.Time of a SecretID that never expires, as Go's zero time.
 */
export function formatSecretIdTime(ns: Nanos): string {
  return ns === 0n ? GO_ZERO_TIME : formatRFC3339Nano(ns, { local: true });
}

/** secretIDStorageEntry.ToResponseData (keys in Go's sorted map order). */
export function secretIdResponseData(entry: SecretIDEntry): Record<string, unknown> {
  return {
    cidr_list: [...entry.cidrList],
    creation_time: formatSecretIdTime(entry.creationTime),
    expiration_time: formatSecretIdTime(entry.expirationTime),
    last_updated_time: formatSecretIdTime(entry.lastUpdatedTime),
    metadata: sortedRecord(entry.metadata),
    secret_id_accessor: entry.secretIdAccessor,
    secret_id_num_uses: entry.secretIdNumUses,
    secret_id_ttl: entry.secretIdTTL,
    token_bound_cidrs: [...entry.tokenBoundCidrs],
  };
}
