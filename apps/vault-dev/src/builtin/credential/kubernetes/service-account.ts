/**
 * The service account a login JWT speaks for, after path_login.go's
 * serviceAccount: the legacy secret-token claims
 * (`kubernetes.io/serviceaccount/…`) or the projected-token claim
 * (`kubernetes.io: {namespace, serviceaccount: {name, uid}}`), which wins
 * when present.
 */
import type { Claims } from './jwt.js';

export interface ServiceAccount {
  name: string;
  namespace: string;
  /** "" when the claims carry none (the login then fails: `could not parse UID from claims`). */
  uid: string;
  /** Legacy secret-based tokens only; "" for projected tokens. */
  secretName: string;
  /** The token's own `aud`. */
  audiences: string[];
}

/** mapstructure's error for a claim of the wrong type (a plain error: the login answers 500). */
export class ClaimDecodeError extends Error {}

const LEGACY = 'kubernetes.io/serviceaccount/';

function decodeError(key: string, expected: string, value: unknown): ClaimDecodeError {
  const got = Array.isArray(value) ? 'slice' : typeof value === 'number' ? 'float64' : typeof value;
  return new ClaimDecodeError(`1 error(s) decoding:\n\n* '${key}' expected type '${expected}', got '${got}'`);
}

function stringClaim(claims: Record<string, unknown>, key: string, path = key): string {
  const value = claims[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw decodeError(path, 'string', value);
  return value;
}

function objectClaim(claims: Record<string, unknown>, key: string, path: string): Record<string, unknown> | null {
  const value = claims[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw decodeError(path, 'map', value);
  return value as Record<string, unknown>;
}

export function serviceAccountOf(claims: Claims): ServiceAccount {
  const aud = claims['aud'];
  let audiences: string[] = [];
  if (Array.isArray(aud)) audiences = aud.map((a) => String(a));
  else if (aud !== undefined && aud !== null) {
    throw new ClaimDecodeError("1 error(s) decoding:\n\n* 'aud': source data must be an array or slice, got string");
  }
  const sa: ServiceAccount = {
    name: stringClaim(claims, `${LEGACY}service-account.name`),
    uid: stringClaim(claims, `${LEGACY}service-account.uid`),
    namespace: stringClaim(claims, `${LEGACY}namespace`),
    secretName: stringClaim(claims, `${LEGACY}secret.name`),
    audiences,
  };
  const projected = objectClaim(claims, 'kubernetes.io', 'kubernetes.io');
  if (projected) {
    sa.namespace = stringClaim(projected, 'namespace', 'kubernetes.io.namespace');
    const account = objectClaim(projected, 'serviceaccount', 'kubernetes.io.serviceaccount');
    if (account) {
      sa.name = stringClaim(account, 'name', 'kubernetes.io.serviceaccount.name');
      sa.uid = stringClaim(account, 'uid', 'kubernetes.io.serviceaccount.uid');
    }
  }
  return sa;
}
