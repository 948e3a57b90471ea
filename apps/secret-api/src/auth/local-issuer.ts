import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { ZIssuerConfig, type TIssuerConfig } from './issuers.js';

export type LocalIssuerAlgorithm = 'ES256' | 'RS256';

export interface LocalIssuerOptions {
  /** The `iss` of every token. */
  issuer: string;
  /** The default `aud` of every token. */
  audience: string;
  /** Persist the private key (`issuer-key.json`, mode 0600) and the public `jwks.json` here, and reuse them. */
  dir?: string;
  /** Default ES256. A key persisted in `dir` keeps its algorithm; asking for another one is an error. */
  alg?: LocalIssuerAlgorithm;
  /**
   * Use the key persisted in `dir` and write nothing: LocalIssuerKeyMissingError when there is none. For minting
   * tokens an already running API trusts; a new key would be one it has never seen.
   */
  existingOnly?: boolean;
}

/** `existingOnly` was asked for and `dir` holds no key. */
export class LocalIssuerKeyMissingError extends Error {
  override name = 'LocalIssuerKeyMissingError';
  constructor(readonly keyPath: string) {
    super(`there is no issuer key at ${keyPath}`);
  }
}

export interface LocalSignOptions {
  /** Lifetime from now when `expiresAt` is not given. Default 3600. */
  ttlSeconds?: number;
  /** `nbf`, in seconds since the epoch. */
  notBefore?: number;
  /** `exp`, in seconds since the epoch. */
  expiresAt?: number;
  /** Overrides the issuer's audience. */
  audience?: string;
  /** Overrides `iss` (to forge a token that claims another issuer). */
  issuer?: string;
  /** Overrides the `kid` header (to forge a token naming an unknown key). */
  kid?: string;
}

export interface LocalSignClaims {
  sub: string;
  groups?: string[];
  [claim: string]: unknown;
}

const KEY_FILE = 'issuer-key.json';
const JWKS_FILE = 'jwks.json';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

/**
 * A real token issuer for the local dev stack and for tests: one asymmetric key, a public JWKS the Secret API
 * trusts through a jwksFile entry, and real signed JWTs. Never meant for production identities.
 */
export class LocalIssuer {
  readonly jwksPath: string | undefined;

  private constructor(
    readonly issuer: string,
    readonly audience: string,
    readonly alg: LocalIssuerAlgorithm,
    readonly kid: string,
    /** Exposed so tests can forge tokens this class would never produce. */
    readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    dir: string | undefined,
  ) {
    this.jwksPath = dir === undefined ? undefined : join(dir, JWKS_FILE);
  }

  static async create(options: LocalIssuerOptions): Promise<LocalIssuer> {
    const dir = options.dir;
    const stored = dir === undefined ? undefined : await loadKey(join(dir, KEY_FILE));
    if (options.existingOnly && !stored) throw new LocalIssuerKeyMissingError(join(dir ?? '', KEY_FILE));
    if (stored && options.alg !== undefined && stored.alg !== options.alg) {
      throw new Error(
        `${join(dir ?? '', KEY_FILE)} holds a ${stored.alg} key but ${options.alg} was asked for; remove the file to generate a new key`,
      );
    }
    const alg = stored?.alg ?? options.alg ?? 'ES256';
    let privateKey: CryptoKey;
    if (stored) {
      privateKey = stored.key;
    } else {
      privateKey = (await generateKeyPair(alg, { extractable: true })).privateKey;
    }
    const privateJwk = await exportJWK(privateKey);
    const publicJwk = publicPart(privateJwk);
    const kid = await calculateJwkThumbprint(publicJwk);
    const issuer = new LocalIssuer(
      options.issuer,
      options.audience,
      alg,
      kid,
      privateKey,
      { ...publicJwk, kid, alg, use: 'sig' },
      dir,
    );
    if (dir !== undefined && !options.existingOnly) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      if (!stored) await saveKey(join(dir, KEY_FILE), { ...privateJwk, kid, alg });
      await issuer.writeJwks(join(dir, JWKS_FILE), { onlyIfChanged: true });
    }
    return issuer;
  }

  /** The public key set (never private material). */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk }] };
  }

  /**
   * Writes the public JWKS. The write is atomic (temp file + rename) so a verifier re-reading the file never sees
   * half of it; with `onlyIfChanged` an identical file is left alone, so its mtime does not trigger reloads.
   */
  async writeJwks(path: string, options: { onlyIfChanged?: boolean } = {}): Promise<void> {
    const text = `${JSON.stringify(this.jwks(), null, 2)}\n`;
    if (options.onlyIfChanged) {
      const current = await readFile(path, 'utf8').catch(() => undefined);
      if (current === text) return;
    }
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, text, { mode: 0o644 });
    await rename(temp, path);
  }

  /** Signs a JWT with this issuer's key: `iss`, `aud`, `iat`, `exp` (and `nbf` if asked) are set from the options. */
  async sign(claims: LocalSignClaims, options: LocalSignOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ ...claims })
      .setProtectedHeader({ alg: this.alg, kid: options.kid ?? this.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? this.audience)
      .setIssuedAt(now)
      .setExpirationTime(options.expiresAt ?? now + (options.ttlSeconds ?? 3600));
    if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
    return jwt.sign(this.privateKey);
  }

  /**
   * The AUTH_ISSUERS entry that trusts this issuer (needs `dir`, since the API reads the keys from jwks.json).
   * Parsed, so every field the schema defaults is filled in. `groupsRequired: false` makes it trust tokens without
   * a groups claim, the way a CI issuer is configured (a CI job's token names a subject and no groups).
   */
  issuerConfig(options: { groupsRequired?: boolean } = {}): TIssuerConfig {
    if (this.jwksPath === undefined) {
      throw new Error('LocalIssuer.issuerConfig() needs an issuer created with a dir (its jwks.json is the key set)');
    }
    return ZIssuerConfig.parse({
      issuer: this.issuer,
      audience: this.audience,
      jwksFile: this.jwksPath,
      groupsRequired: options.groupsRequired ?? true,
      algorithms: [this.alg],
    });
  }
}

function publicPart(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  return copy as JWK;
}

async function loadKey(path: string): Promise<{ key: CryptoKey; alg: LocalIssuerAlgorithm } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the local issuer key ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const jwk = JSON.parse(text) as JWK;
    const alg: unknown = jwk.alg;
    if (alg !== 'ES256' && alg !== 'RS256') throw new Error(`unsupported alg ${String(alg)}`);
    if (typeof jwk.d !== 'string') throw new Error('not a private key');
    const key = await importJWK(jwk, alg, { extractable: true });
    if (key instanceof Uint8Array) throw new Error('not an asymmetric key');
    return { key, alg };
  } catch (err) {
    throw new Error(
      `the local issuer key ${path} is invalid (${(err as Error).message}); remove it to generate a new one`,
      {
        cause: err,
      },
    );
  }
}

async function saveKey(path: string, jwk: JWK): Promise<void> {
  // 'wx': two processes starting at once must not overwrite each other's key after one already published its JWKS.
  await writeFile(path, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' });
  // The mode given to writeFile is filtered by the umask; make 0600 explicit.
  await chmod(path, 0o600);
}
