import { readFile, stat } from 'node:fs/promises';
import { createLocalJWKSet, errors, importJWK } from 'jose';
import type { CryptoKey, FlattenedJWSInput, JSONWebKeySet, JWK, JWSHeaderParameters } from 'jose';

/** A key set could not be obtained (file unreadable or invalid, JWKS URL unreachable or answering nonsense). */
export class JwksSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksSourceError';
  }
}

/** Key types whose JWS algorithms we allow; `oct` (HMAC secrets) is never a verification key here. */
const ASYMMETRIC_KTY = new Set(['RSA', 'EC', 'OKP']);
/** Members that only a private (or secret) JWK carries. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface PublicKeySelection {
  /** The asymmetric public keys, ready for jose's createLocalJWKSet. */
  jwks: JSONWebKeySet;
  /** Entries dropped because they are symmetric (`oct`), of an unknown type, or not objects. */
  ignored: number;
  /** Entries dropped because they carry private key material (a leaked signing key must not be trusted). */
  private: number;
}

/**
 * Keeps only the asymmetric public keys of a parsed JWKS document. Dropping rather than failing means one odd
 * entry (an `oct` key, a key type we don't know) never takes the whole issuer down.
 */
export function selectPublicKeys(document: unknown): PublicKeySelection {
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new JwksSourceError('is not a JSON Web Key Set (expected an object with a "keys" list)');
  }
  const keys: JWK[] = [];
  let ignored = 0;
  let privateCount = 0;
  for (const entry of (document as { keys: unknown[] }).keys) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      ignored++;
      continue;
    }
    const jwk = entry as JWK;
    if (typeof jwk.kty !== 'string' || !ASYMMETRIC_KTY.has(jwk.kty)) {
      ignored++;
    } else if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) {
      privateCount++;
    } else {
      keys.push(jwk);
    }
  }
  return { jwks: { keys }, ignored, private: privateCount };
}

/** The algorithm to try importing a key with when the JWK does not name one (validation only). */
function probeAlgorithm(jwk: JWK): string {
  if (typeof jwk.alg === 'string') return jwk.alg;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'OKP') return 'EdDSA';
  return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : 'ES256';
}

/**
 * Reads and checks a JWKS file the strict way (for start-up): the file must parse, must not contain private keys,
 * and must yield at least one importable asymmetric public key. Throws an Error that names the file.
 */
export async function checkJwksFile(path: string): Promise<void> {
  const fail = (what: string, cause?: unknown): never => {
    throw new JwksSourceError(`JWKS file ${path} ${what}`, { cause });
  };
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, err);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    fail('is not valid JSON', err);
  }
  let selection: PublicKeySelection = { jwks: { keys: [] }, ignored: 0, private: 0 };
  try {
    selection = selectPublicKeys(document);
  } catch (err) {
    fail((err as Error).message, err);
  }
  if (selection.private > 0) {
    fail(`contains ${selection.private} private key(s); publish only the public keys`);
  }
  if (selection.jwks.keys.length === 0) {
    fail('has no asymmetric public keys (kty RSA, EC or OKP)');
  }
  for (const [index, jwk] of selection.jwks.keys.entries()) {
    try {
      await importJWK(jwk, probeAlgorithm(jwk));
    } catch (err) {
      const name = typeof jwk.kid === 'string' ? `kid ${JSON.stringify(jwk.kid)}` : `#${index}`;
      fail(`has an unusable key ${name}: ${(err as Error).message}`, err);
    }
  }
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/** A jose key resolver (what jwtVerify accepts as its key argument). */
export type KeyResolver = (protectedHeader: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/**
 * A JWKS kept in a file. Keys rotate by rewriting the file: when a token names a kid we don't have, the file is
 * re-read if it changed since we loaded it — at most once per `reloadIntervalMs`, so a flood of tokens with made-up
 * kids costs one stat() per interval, not one read per request.
 */
export class FileKeySet {
  private local: LocalKeySet | undefined;
  /** Identity of the file version behind `local` (inode, size, mtime, ctime). */
  private loadedVersion: string | undefined;
  private lastCheckAt = -Infinity;
  private lastFailure: { at: number; error: JwksSourceError } | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly reloadIntervalMs = 1000,
  ) {}

  readonly getKey: KeyResolver = async (protectedHeader, token) => {
    if (!this.local) await this.loadOnce();
    const local = this.local;
    if (!local) throw new JwksSourceError(`JWKS file ${this.path} is not loaded`);
    try {
      return await local(protectedHeader, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || !(await this.reloadIfChanged())) throw err;
    }
    const reloaded = this.local;
    if (!reloaded) throw new JwksSourceError(`JWKS file ${this.path} is not loaded`);
    return reloaded(protectedHeader, token);
  };

  private async loadOnce(): Promise<void> {
    // A broken file is not re-read on every request: the last failure is replayed for one interval.
    const failure = this.lastFailure;
    if (failure && Date.now() - failure.at < this.reloadIntervalMs) throw failure.error;
    await this.load();
  }

  /** True when a different version of the file was loaded. */
  private async reloadIfChanged(): Promise<boolean> {
    if (this.pending) {
      await this.pending;
      return true;
    }
    const now = Date.now();
    if (now - this.lastCheckAt < this.reloadIntervalMs) return false;
    this.lastCheckAt = now;
    const version = await this.version();
    if (version === this.loadedVersion) return false;
    await this.load();
    return true;
  }

  private load(): Promise<void> {
    this.pending ??= this.read().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async version(): Promise<string> {
    try {
      const s = await stat(this.path, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch (err) {
      throw this.failed(`cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, err);
    }
  }

  private async read(): Promise<void> {
    // stat before read: if the file changes in between we record the older version and simply re-read next time.
    const version = await this.version();
    this.lastCheckAt = Date.now();
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      throw this.failed(`cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, err);
    }
    let local: LocalKeySet;
    try {
      local = createLocalJWKSet(selectPublicKeys(JSON.parse(text)).jwks);
    } catch (err) {
      // A half-written file during a non-atomic rewrite lands here; the old keys stay in use.
      throw this.failed(err instanceof SyntaxError ? 'is not valid JSON' : (err as Error).message, err);
    }
    this.local = local;
    this.loadedVersion = version;
    this.lastFailure = undefined;
  }

  private failed(what: string, cause: unknown): JwksSourceError {
    const error = new JwksSourceError(`JWKS file ${this.path} ${what}`, { cause });
    this.lastFailure = { at: Date.now(), error };
    return error;
  }
}
