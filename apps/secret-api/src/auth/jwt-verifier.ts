import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { Readable } from 'node:stream';
import { ZGroupName, ZSubject } from '@secret-api/contract';
import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { CryptoKey, FetchImplementation, JWTPayload, JWTVerifyOptions, ProtectedHeaderParameters } from 'jose';
import { duplicateMember } from '../http/json-body.js';
import { createGroupsSource, GroupsUnavailableError, type GroupsSource } from './groups/index.js';
import type { Identity } from './identity.js';
import { ALLOWED_ALGORITHMS, ZAuthIssuers } from './issuers.js';
import type { TIssuerConfig, TIssuerConfigInput, TTrustedIssuer } from './issuers.js';
import { checkJwksFile, FileKeySet, JwksSourceError, selectPublicKeys } from './jwks-file.js';
import type { KeyResolver } from './jwks-file.js';
import { DEFAULT_MAX_VERIFIED_TOKENS, VerifiedTokenCache } from './verified-token-cache.js';

/**
 * The request's token is missing or not acceptable: the API answers 401. `reason` is safe to show the client.
 * `credentials`: whether the request carried any Bearer credentials at all (RFC 6750 §3.1: without them, the
 * challenge names no error).
 */
export class AuthenticationError extends Error {
  constructor(
    readonly reason: string,
    readonly credentials: 'none' | 'given' = 'given',
  ) {
    super(reason);
    this.name = 'AuthenticationError';
  }
}

/** A trusted issuer's keys cannot be obtained right now: the API answers 503 (the token may well be fine). */
export class IssuerUnavailableError extends Error {
  constructor(
    readonly issuer: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`keys of issuer ${issuer} are unavailable: ${detail}`, options);
    this.name = 'IssuerUnavailableError';
  }
}

export interface JwtVerifierOptions {
  /** Parsed AUTH_ISSUERS (validated again here, so unparsed entries are fine too). */
  issuers: readonly (TIssuerConfig | TIssuerConfigInput)[];
  /** AUTH_GROUPS_CLAIM: a plain claim name (not a path; `https://example.com/groups` is one name). */
  groupsClaim: string;
  /** Leeway for exp/nbf against clock drift between us and the issuer. */
  clockSkewSeconds: number;
  /** Remote JWKS fetch timeout. Default 5000. */
  jwksTimeoutMs?: number;
  /** How long a fetched remote JWKS is used before it is fetched again. Default 10 minutes. */
  jwksCacheMaxAgeMs?: number;
  /** Minimum time between two remote JWKS fetches caused by unknown kids. Default 30 s (jose's default). */
  jwksCooldownMs?: number;
  /** Minimum time between two checks of a JWKS file for a new version. Default 1000. */
  jwksFileReloadIntervalMs?: number;
  /**
   * Verified tokens remembered until their `exp` (see verified-token-cache.ts). Default 10,000; 0
   * verifies every request in full.
   */
  verifiedTokenCacheSize?: number;
}

/** Longest token we look at. Real access/ID tokens are 1–4 KiB; the cap bounds parsing work on garbage. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
/** Largest remote JWKS document we read. */
const MAX_JWKS_BYTES = 512 * 1024;
const MAX_GROUPS = 1000;
/** Bounds the work a kid-less token can cause against a set with many keys of its type. */
const MAX_KEY_CANDIDATES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
/**
 * Accepted `typ` headers (when present). Other JWT kinds signed by the same issuer — logout tokens, DPoP proofs,
 * SD-JWTs, ... — carry their own typ and must not be replayable as access tokens. A missing typ is accepted:
 * it is optional in RFC 7519 and plenty of issuers omit it.
 */
const ACCEPTED_TYP = new Set(['jwt', 'at+jwt']);

interface IssuerEntry {
  config: TTrustedIssuer;
  /** The issuer's groups source (Google's Directory), when its tokens carry no groups. */
  directory: GroupsSource | undefined;
  keys: KeyResolver;
  verifyOptions: JWTVerifyOptions;
  groupsClaim: string;
}

/**
 * Verifies bearer JWTs from the trusted issuers and turns them into an Identity. Only three error types ever leave
 * verify(): AuthenticationError (401), IssuerUnavailableError and GroupsUnavailableError (503).
 */
export class JwtVerifier {
  private readonly issuers = new Map<string, IssuerEntry>();
  private readonly verified: VerifiedTokenCache | undefined;

  constructor(options: JwtVerifierOptions) {
    const parsed = ZAuthIssuers.safeParse(options.issuers);
    if (!parsed.success) {
      throw new Error(`invalid issuer configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    if (!Number.isFinite(options.clockSkewSeconds) || options.clockSkewSeconds < 0) {
      throw new Error('clockSkewSeconds must be a non-negative number');
    }
    if (options.groupsClaim.length === 0) throw new Error('groupsClaim must not be empty');
    const cacheSize = options.verifiedTokenCacheSize ?? DEFAULT_MAX_VERIFIED_TOKENS;
    this.verified = cacheSize > 0 ? new VerifiedTokenCache(cacheSize) : undefined;
    for (const config of parsed.data) {
      const allowed = config.algorithms.filter((alg) => (ALLOWED_ALGORITHMS as readonly string[]).includes(alg));
      const source = config.jwksFile !== undefined ? `JWKS file ${config.jwksFile}` : `JWKS ${config.jwksUri}`;
      const resolver =
        config.jwksFile !== undefined
          ? new FileKeySet(config.jwksFile, options.jwksFileReloadIntervalMs ?? 1000).getKey
          : remoteKeySet(
              config.jwksUri ?? '',
              options,
              config.jwksCaFile === undefined ? undefined : readJwksCa(config.jwksCaFile),
            );
      this.issuers.set(config.issuer, {
        config,
        directory: config.groupsSource ? createGroupsSource(config.groupsSource) : undefined,
        keys: guardKeySource(config.issuer, source, resolver),
        groupsClaim: config.groupsClaim ?? options.groupsClaim,
        verifyOptions: {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: allowed,
          clockTolerance: options.clockSkewSeconds,
          requiredClaims: ['exp', 'sub'],
        },
      });
    }
  }

  async verify(token: string): Promise<Identity> {
    // Only a token of acceptable size is hashed; anything else goes to check() for its exact 401.
    const key =
      this.verified && typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN_LENGTH
        ? VerifiedTokenCache.keyOf(token)
        : undefined;
    const cached = key === undefined ? undefined : this.verified?.get(key);
    if (cached) return cached;
    try {
      const { identity, cacheUntil } = await this.check(token);
      if (key !== undefined && cacheUntil !== undefined) this.verified?.set(key, identity, cacheUntil);
      return identity;
    } catch (err) {
      // The single exit for failures: whatever went wrong below leaves as a 401 or a 503, never as a jose error.
      throw toPublicError(err);
    }
  }

  /** `cacheUntil` (the token's exp, seconds) when the identity may be reused for the same token. */
  private async check(token: string): Promise<{ identity: Identity; cacheUntil?: number }> {
    if (typeof token !== 'string' || token.length === 0) throw new AuthenticationError('token is missing');
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthenticationError('token is too large');
    const parts = token.split('.');
    if (parts.length === 5) throw new AuthenticationError('token is encrypted (JWE); a signed JWT is required');
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
      throw new AuthenticationError('token is malformed');
    }
    // As for request bodies (http/json-body.ts): a member given twice means whatever each parser picks — JSON.parse
    // the last, an issuer's claim check or a gateway maybe the first — so such a token means nothing.
    for (const [part, what] of [
      [parts[0], 'header'],
      [parts[1], 'claims'],
    ] as const) {
      const twice = duplicateMember(Buffer.from(part ?? '', 'base64url').toString('utf8'));
      if (twice !== undefined) throw new AuthenticationError(`token ${what} name ${JSON.stringify(twice)} twice`);
    }
    let header: ProtectedHeaderParameters;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      // Read without trusting it, only to pick the issuer's keys; jwtVerify checks everything again.
      unverified = decodeJwt(token);
    } catch {
      throw new AuthenticationError('token is malformed');
    }
    if (typeof unverified.iss !== 'string') throw new AuthenticationError('token has no issuer');
    const entry = this.issuers.get(unverified.iss);
    if (!entry) throw new AuthenticationError('token issuer is not trusted');
    if (typeof header.alg !== 'string' || !entry.verifyOptions.algorithms?.includes(header.alg)) {
      throw new AuthenticationError('token algorithm is not allowed');
    }
    if (parts[2] === '') throw new AuthenticationError('token is malformed');
    if (header.typ !== undefined && (typeof header.typ !== 'string' || !ACCEPTED_TYP.has(normalizeTyp(header.typ)))) {
      throw new AuthenticationError('token type is not accepted');
    }

    let payload: JWTPayload;
    try {
      payload = (await jwtVerify(token, entry.keys, entry.verifyOptions)).payload;
    } catch (err) {
      if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
      payload = await verifyWithCandidates(token, err, entry.verifyOptions);
    }
    rejectFutureIssuance(payload, Number(entry.verifyOptions.clockTolerance ?? 0));
    const identity = this.identity(entry, payload);
    // Directory groups are not cached here: they may change before the token expires, and the
    // groups source keeps its own, shorter-lived cache.
    if (!entry.directory) return { identity, cacheUntil: payload.exp as number };
    // Only after the signature and claims are verified: an unverified token never costs a directory lookup.
    const fromDirectory = await entry.directory.groupsOf({
      subject: identity.subject,
      ...(typeof payload['email'] === 'string' && { email: payload['email'] }),
      emailVerified: payload['email_verified'] === true,
    });
    const prefixed = fromDirectory.map((g) => entry.config.groupsPrefix + g);
    const groups = [...new Set([...identity.groups, ...prefixed])].slice(0, MAX_GROUPS);
    return { identity: { ...identity, groups } };
  }

  private identity(entry: IssuerEntry, payload: JWTPayload): Identity {
    if (!ZSubject.safeParse(payload.sub).success) {
      throw new AuthenticationError('token subject is invalid (printable ASCII without spaces or "*", 1-512)');
    }
    const claim = entry.groupsClaim;
    const raw: unknown = Object.hasOwn(payload, claim) ? payload[claim] : undefined;
    let groups: string[] = [];
    if (raw === undefined) {
      if (entry.config.groupsRequired && !entry.directory) {
        throw new AuthenticationError(`token has no "${claim}" claim`);
      }
    } else if (!Array.isArray(raw) || !raw.every((g) => typeof g === 'string')) {
      throw new AuthenticationError(`token "${claim}" claim is not a list of strings`);
    } else {
      // Invalid names are dropped, not fatal: one odd directory group must not lock a person out entirely.
      const prefix = entry.config.groupsPrefix;
      groups = [...new Set(raw.filter((g: string) => ZGroupName.safeParse(prefix + g).success).map((g) => prefix + g))];
      groups = groups.slice(0, MAX_GROUPS);
    }
    const subject = payload.sub as string;
    const principal = entry.config.subjectPrefix + subject;
    if (!ZSubject.safeParse(principal).success) throw new AuthenticationError('token subject is too long');
    return { subject, issuer: entry.config.issuer, principal, groups };
  }
}

/**
 * jose checks `iat` only against a maximum token age. A token "issued" beyond the clock skew in the future is a
 * forgery or a broken issuer clock; either way it must not be accepted (it would also outlive a key rotation).
 */
function rejectFutureIssuance(payload: JWTPayload, clockSkewSeconds: number): void {
  if (payload.iat === undefined) return;
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) {
    throw new AuthenticationError('token "iat" claim is not a number');
  }
  if (payload.iat > Date.now() / 1000 + clockSkewSeconds)
    throw new AuthenticationError('token was issued in the future');
}

/** Extracts the token from an Authorization header: exactly `Bearer <token>`, the scheme case-insensitive. */
export function bearerToken(header: string | undefined): string {
  const value = header?.trim() ?? '';
  if (value === '') {
    throw new AuthenticationError('Authorization header is missing; send "Authorization: Bearer <token>"', 'none');
  }
  const space = value.search(/\s/);
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    throw new AuthenticationError(
      'Authorization header must use the Bearer scheme: "Authorization: Bearer <token>"',
      'none',
    );
  }
  const token = space === -1 ? '' : value.slice(space).trim();
  if (token === '') throw new AuthenticationError('Authorization header has no token after "Bearer"');
  if (/\s/.test(token))
    throw new AuthenticationError('Authorization header must be "Bearer <token>" with a single token');
  if (token.length > MAX_TOKEN_LENGTH) throw new AuthenticationError('token is too large');
  return token;
}

/**
 * Loads every jwksFile once and checks it (start-up). Throws an Error naming the issuer and the file on the first
 * problem. Remote JWKS URIs are not fetched: an issuer being down must not stop the API from starting.
 */
export async function checkIssuerKeys(issuers: readonly (TIssuerConfig | TIssuerConfigInput)[]): Promise<void> {
  for (const issuer of issuers) {
    try {
      if (issuer.jwksFile !== undefined) await checkJwksFile(issuer.jwksFile);
      if (issuer.jwksCaFile !== undefined) pemCertificates(await readCaText(issuer.jwksCaFile), issuer.jwksCaFile);
    } catch (err) {
      throw new Error(`issuer ${issuer.issuer}: ${(err as Error).message}`, { cause: err });
    }
  }
}

function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** The jwksCaFile's certificates, or an error naming the file: missing, unreadable, or holding no certificate. */
class JwksCaError extends Error {
  override name = 'JwksCaError';
}

async function readCaText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new JwksCaError(`jwksCaFile ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle; a bundle with none, or with one that does not parse, is refused. */
function pemCertificates(text: string, path: string): string[] {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new JwksCaError(`jwksCaFile ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new JwksCaError(`jwksCaFile ${path}: certificate ${index + 1} is not a valid X.509 certificate`);
    }
  });
  return blocks;
}

/** Read once, when the verifier is built at start-up (checkIssuerKeys has already reported a bad file). */
function readJwksCa(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new JwksCaError(`jwksCaFile ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return pemCertificates(text, path);
}

function remoteKeySet(uri: string, options: JwtVerifierOptions, ca: string[] | undefined): KeyResolver {
  const timeoutMs = options.jwksTimeoutMs ?? 5000;
  return createRemoteJWKSet(new URL(uri), {
    timeoutDuration: timeoutMs,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    [customFetch]: publicKeysOnlyFetch(timeoutMs, ca === undefined ? fetch : privateCaFetch(ca)),
  });
}

/**
 * A fetch over node:https that trusts only the given CAs: the global fetch cannot be given a CA per request, and
 * NODE_EXTRA_CA_CERTS would widen trust for every connection of the process.
 */
function privateCaFetch(ca: string[]): FetchImplementation {
  // Idle sockets time out as with Node's global agent, before the key server closes them under a request.
  const agent = new Agent({ ca, keepAlive: true, timeout: 5_000 });
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'GET',
          agent,
          headers: Object.fromEntries(new Headers(init.headers).entries()),
          ...(init.signal && { signal: init.signal }),
        },
        (res) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve(
            new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status: res.statusCode ?? 0, headers }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
}

/**
 * Fetches the JWKS ourselves so that (a) failures carry a useful reason, (b) the body is size-capped, and
 * (c) symmetric and private keys are dropped before jose ever sees the set.
 */
function publicKeysOnlyFetch(timeoutMs: number, transport: FetchImplementation): FetchImplementation {
  return async (url, init) => {
    let response: Response;
    try {
      response = await transport(url, init);
    } catch (err) {
      throw fetchFailure(err, timeoutMs);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new JwksSourceError(`JWKS answered HTTP ${response.status}`);
    }
    let text: string;
    try {
      text = await readCapped(response, MAX_JWKS_BYTES);
    } catch (err) {
      throw err instanceof JwksSourceError ? err : fetchFailure(err, timeoutMs);
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (err) {
      throw new JwksSourceError('JWKS response is not valid JSON', { cause: err });
    }
    const { jwks } = selectPublicKeys(document);
    return new Response(JSON.stringify(jwks), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

function fetchFailure(err: unknown, timeoutMs: number): JwksSourceError {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new JwksSourceError(`JWKS fetch timed out after ${timeoutMs} ms`, { cause: err });
  }
  // The global fetch wraps the socket's error as `cause`; node:https (a jwksCaFile) throws it as it is.
  const cause = err instanceof Error ? ((err.cause ?? err) as { code?: unknown }) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.message : String(err);
  return new JwksSourceError(`JWKS fetch failed (${code})`, { cause: err });
}

async function readCapped(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new JwksSourceError(`JWKS response is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Turns "cannot get the keys" into IssuerUnavailableError and lets key-selection outcomes (no key for this kid,
 * several candidates) through for the normal 401 mapping.
 */
function guardKeySource(issuer: string, source: string, resolver: KeyResolver): KeyResolver {
  return async (protectedHeader, token) => {
    try {
      return await resolver(protectedHeader, token);
    } catch (err) {
      if (err instanceof JwksSourceError) throw new IssuerUnavailableError(issuer, err.message, { cause: err });
      if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
        throw new IssuerUnavailableError(issuer, `${source}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  };
}

/** A token without kid matched several keys of the set: the first one whose signature verifies wins. */
async function verifyWithCandidates(
  token: string,
  candidates: errors.JWKSMultipleMatchingKeys,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  let tried = 0;
  for await (const key of candidates as AsyncIterable<CryptoKey>) {
    if (++tried > MAX_KEY_CANDIDATES) break;
    try {
      return (await jwtVerify(token, key, options)).payload;
    } catch (err) {
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw err;
    }
  }
  throw new AuthenticationError('token signature is invalid');
}

const CLAIM_NAMES = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);

/** Maps whatever jose (or our key sources) threw to one of the two public error types, with a short safe reason. */
function toPublicError(err: unknown): AuthenticationError | IssuerUnavailableError | GroupsUnavailableError {
  if (err instanceof AuthenticationError || err instanceof IssuerUnavailableError) return err;
  if (err instanceof GroupsUnavailableError) return err;
  if (err instanceof errors.JWTExpired) return new AuthenticationError('token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    const claim = CLAIM_NAMES.has(err.claim) ? err.claim : undefined;
    if (err.reason === 'missing' && claim) return new AuthenticationError(`token has no "${claim}" claim`);
    // A date claim of the wrong type ("iat": "1"), not one out of range.
    if (err.reason === 'invalid' && (err.claim === 'iat' || err.claim === 'nbf' || err.claim === 'exp')) {
      return new AuthenticationError(`token "${err.claim}" claim is not a number`);
    }
    if (err.claim === 'nbf') return new AuthenticationError('token is not yet valid');
    if (err.claim === 'aud') return new AuthenticationError('token audience is not accepted');
    if (err.claim === 'iss') return new AuthenticationError('token issuer is not trusted');
    if (err.claim === 'iat') return new AuthenticationError('token was issued in the future');
    if (err.claim === 'typ') return new AuthenticationError('token type is not accepted');
    return new AuthenticationError(claim ? `token "${claim}" claim is invalid` : 'token claims are invalid');
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new AuthenticationError('token signature is invalid');
  if (err instanceof errors.JWKSNoMatchingKey) return new AuthenticationError('token signing key is unknown');
  if (err instanceof errors.JOSEAlgNotAllowed) return new AuthenticationError('token algorithm is not allowed');
  if (err instanceof errors.JOSENotSupported) return new AuthenticationError('token uses an unsupported feature');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return new AuthenticationError('token is malformed');
  }
  return new AuthenticationError('token is invalid');
}
