/**
 * The service-account JWT check a login runs before TokenReview, after the
 * plugin's parseAndValidateJWT and hashicorp/cap's
 * Validator.ValidateAllowMissingIatNbfExp: a compact JWS signed with an
 * RS/ES/PS algorithm, its signature checked only when `pem_keys` are
 * configured, then the issuer, the audience and the time claims.
 *
 * Two kinds of failure, as the plugin tells them apart: `SignatureError`
 * (unparseable token, unexpected algorithm, bad signature; the login answers
 * a bare `permission denied`) and `ClaimsError` (a 403 with the validator's
 * text).
 */
import { constants, verify, type KeyObject } from 'node:crypto';

export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];

/** cap/jwt.DefaultLeewaySeconds: the assumed lifetime when only iat/nbf or only exp is set. */
const DEFAULT_LEEWAY_SECONDS = 150;
/** go-jose jwt.DefaultLeeway: the clock skew allowed on every time claim. */
const CLOCK_SKEW_SECONDS = 60;
const REGISTERED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];
const EC_CURVES: Record<string, { curve: string; size: number }> = {
  ES256: { curve: 'prime256v1', size: 32 },
  ES384: { curve: 'secp384r1', size: 48 },
  ES512: { curve: 'secp521r1', size: 66 },
};

export type Claims = Record<string, unknown>;

export class SignatureError extends Error {}
export class ClaimsError extends Error {}

interface CompactJws {
  alg: string;
  signingInput: Buffer;
  signature: Buffer;
  claims: Claims;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeSegment(segment: string): Buffer {
  if (!BASE64URL.test(segment)) throw new SignatureError('illegal base64 data');
  return Buffer.from(segment, 'base64url');
}

function jsonObject(bytes: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** jose.ParseSigned with the allowed algorithms, and the claims as JSON. */
function parseCompact(token: string): CompactJws {
  const parts = token.split('.');
  if (parts.length !== 3) throw new SignatureError('compact JWS format must have three parts');
  const [rawHeader, rawPayload, rawSignature] = parts as [string, string, string];
  const header = jsonObject(decodeSegment(rawHeader));
  if (!header || typeof header['alg'] !== 'string') throw new SignatureError('malformed JWS header');
  const alg = header['alg'];
  if (!ALLOWED_ALGORITHMS.includes(alg))
    throw new SignatureError(`unexpected signature algorithm ${JSON.stringify(alg)}`);
  const signature = decodeSegment(rawSignature);
  if (signature.length === 0) throw new SignatureError('token must be signed');
  const claims = jsonObject(decodeSegment(rawPayload));
  if (!claims) throw new SignatureError('claims are not a JSON object');
  return { alg, signingInput: Buffer.from(`${rawHeader}.${rawPayload}`, 'ascii'), signature, claims };
}

function verifiesWith(jws: CompactJws, key: KeyObject): boolean {
  const digest = `sha${jws.alg.slice(2)}`;
  try {
    if (jws.alg.startsWith('RS')) {
      return key.asymmetricKeyType === 'rsa' && verify(digest, jws.signingInput, key, jws.signature);
    }
    if (jws.alg.startsWith('PS')) {
      return (
        key.asymmetricKeyType === 'rsa' &&
        verify(
          digest,
          jws.signingInput,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
          jws.signature,
        )
      );
    }
    const ec = EC_CURVES[jws.alg];
    return (
      ec !== undefined &&
      key.asymmetricKeyType === 'ec' &&
      key.asymmetricKeyDetails?.namedCurve === ec.curve &&
      jws.signature.length === 2 * ec.size &&
      verify(digest, jws.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jws.signature)
    );
  } catch {
    return false;
  }
}

export interface ExpectedClaims {
  /** Empty: `iss` is not checked. */
  issuer: string;
  /** Empty: `aud` is not checked. */
  audiences: string[];
  /** Epoch milliseconds. */
  now: number;
}

/** NumericDate: a JSON number, truncated to whole seconds; 0 when absent. */
function numericDate(claims: Claims, name: string): number {
  const value = claims[name];
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number') throw new ClaimsError('go-jose/go-jose/jwt: expected number value to unmarshal');
  return Math.trunc(value);
}

/** jwt.Audience: a string or an array of strings. */
function audienceClaim(claims: Claims): string[] {
  const aud = claims['aud'];
  if (aud === undefined || aud === null) return [];
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[];
  throw new ClaimsError('go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience');
}

function validateClaims(claims: Claims, expected: ExpectedClaims): void {
  for (const key of Object.keys(claims)) {
    for (const name of REGISTERED_CLAIMS) {
      if (key !== name && key.toLowerCase() === name) {
        throw new ClaimsError(
          `ambiguous claim: key ${JSON.stringify(key)} collides with registered claim ${JSON.stringify(name)} under case folding`,
        );
      }
    }
  }
  const iss = typeof claims['iss'] === 'string' ? claims['iss'] : '';
  if (expected.issuer !== '' && expected.issuer !== iss) throw new ClaimsError('invalid issuer (iss) claim');
  const aud = audienceClaim(claims);
  if (expected.audiences.length > 0 && !expected.audiences.some((a) => aud.includes(a))) {
    throw new ClaimsError('invalid audience (aud) claim: audience claim does not match any expected audience');
  }

  const iat = numericDate(claims, 'iat');
  let exp = numericDate(claims, 'exp');
  let nbf = numericDate(claims, 'nbf');
  // A token without any time claim is accepted (ValidateAllowMissingIatNbfExp).
  if (iat === 0 && exp === 0 && nbf === 0) return;
  if (exp === 0) exp = Math.max(iat, nbf) + DEFAULT_LEEWAY_SECONDS;
  if (nbf === 0) nbf = iat !== 0 ? iat : exp - DEFAULT_LEEWAY_SECONDS;
  const now = expected.now / 1000;
  if (now + CLOCK_SKEW_SECONDS < nbf) throw new ClaimsError('invalid not before (nbf) claim: token not yet valid');
  if (now - CLOCK_SKEW_SECONDS > exp) throw new ClaimsError('invalid expiration time (exp) claim: token is expired');
  if (iat !== 0 && now + CLOCK_SKEW_SECONDS < iat) {
    throw new ClaimsError('invalid issued at (iat) claim: token issued in the future');
  }
}

/**
 * Parses and validates a login JWT; `keys` empty means the signature is not
 * checked (the plugin's DontVerifySignature). Returns the claims.
 */
export function validateJwt(token: string, keys: readonly KeyObject[], expected: ExpectedClaims): Claims {
  const jws = parseCompact(token);
  if (keys.length > 0 && !keys.some((key) => verifiesWith(jws, key))) {
    throw new SignatureError('error verifying token signature: failed to verify signature');
  }
  validateClaims(jws.claims, expected);
  return jws.claims;
}
