/**
 * Audit hashing, after Vault's `sdk/helper/salt` and `audit/hashstructure.go`.
 *
 * Each audit device owns a salt: a random UUID string that is the HMAC key
 * (Vault's `salt.NewSalt` generates a UUID and `GetHMAC` keys HMAC-SHA256 with
 * its bytes). Values are written as `hmac-sha256:<hex>` (`GetIdentifiedHMAC`).
 * The salt lives only as long as the device: disabling and re-enabling a path
 * gives new hashes, as in Vault.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { formatRFC3339Nano, millisToNanos } from '../sdk/time.js';

export const HMAC_TYPE = 'hmac-sha256';

export class AuditSalt {
  /** The salt string (a UUID, like Vault's); it is the HMAC key. */
  readonly salt: string;

  constructor(salt: string = randomUUID()) {
    this.salt = salt;
  }

  /** Hex HMAC-SHA256 of `data` keyed with the salt (Vault's `Salt.GetHMAC`). */
  hmacHex(data: string): string {
    return createHmac('sha256', this.salt).update(data, 'utf8').digest('hex');
  }

  /** `hmac-sha256:<hex>` (Vault's `Salt.GetIdentifiedHMAC`). */
  identifiedHmac(data: string): string {
    return `${HMAC_TYPE}:${this.hmacHex(data)}`;
  }
}

export type HashFn = (value: string) => string;

export interface HashStructureOptions {
  /**
   * Hash numbers as their JSON text. Vault decodes request bodies with
   * `UseNumber`, so a number sent in JSON is a `json.Number` (a Go string kind)
   * and Vault's walker HMACs it; numbers a backend puts in a response are Go
   * ints and stay plain. True for request data and for data decoded from a
   * JSON body (an unwrapped response); false for backend response data.
   */
  hashNumbers?: boolean;
}

/**
 * Returns a copy of `value` with every string (and, with `hashNumbers`, every
 * number) replaced by `hash(value)`, at any depth, as Vault's `HashStructure`:
 *  - map keys are never hashed;
 *  - a value is left alone when the nearest enclosing map key is in
 *    `nonHmacKeys` (so `{"k": ["a", "b"]}` with `k` exempt keeps both
 *    elements, while `{"k": {"x": "a"}}` hashes `a` unless `x` is exempt);
 *  - booleans and null are left alone;
 *  - dates become RFC3339Nano strings, unhashed (Vault's time.Time handling);
 *  - byte arrays become base64, unhashed (Go's []byte is walked as uint8s).
 */
export function hashStructure(
  value: unknown,
  hash: HashFn,
  nonHmacKeys: readonly string[] = [],
  options: HashStructureOptions = {},
): unknown {
  const exempt = new Set(nonHmacKeys);
  const walk = (v: unknown, key: string | undefined): unknown => {
    const skip = key !== undefined && exempt.has(key);
    if (typeof v === 'string') return skip ? v : hash(v);
    if (typeof v === 'number') {
      if (!options.hashNumbers || skip || !Number.isFinite(v)) return v;
      return hash(numberText(v));
    }
    if (typeof v === 'bigint') {
      if (!options.hashNumbers || skip) return v;
      return hash(v.toString());
    }
    if (v === null || v === undefined || typeof v === 'boolean') return v;
    if (v instanceof Date) return formatRFC3339Nano(millisToNanos(v.getTime()));
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (Array.isArray(v)) return v.map((el) => walk(el, key));
    if (typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        if (child === undefined) continue;
        out[k] = walk(child, k);
      }
      return out;
    }
    return v;
  };
  return walk(value, undefined);
}

/** The JSON text of a number, as Go's encoder writes a float64. */
export function numberText(n: number): string {
  return JSON.stringify(n);
}

/**
 * Vault's `doElideListResponseData`: in a list response, `keys` (a list of
 * strings) and `key_info` (a map) are replaced by their counts.
 */
export function elideListResponseData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  const keys = out['keys'];
  if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) out['keys'] = keys.length;
  const keyInfo = out['key_info'];
  if (keyInfo !== null && typeof keyInfo === 'object' && !Array.isArray(keyInfo)) {
    out['key_info'] = Object.keys(keyInfo).length;
  }
  return out;
}
