/**
 * Well-formed AWS credentials without AWS: access key ids in the documented
 * shape (`AKIA` long-term / `ASIA` temporary + 16 characters of A-Z2-7),
 * 40-character secret keys, session tokens, and Vault's generated IAM names.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { randomToken } from '../../../vault/token-store.js';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomFrom(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function accessKeyId(temporary: boolean): string {
  return `${temporary ? 'ASIA' : 'AKIA'}${randomFrom(ID_ALPHABET, 16)}`;
}

export function secretAccessKey(): string {
  return randomFrom(SECRET_ALPHABET, 40);
}

/** An STS session token: opaque base64, starting the way AWS's do. */
export function sessionToken(): string {
  return `IQoJb3JpZ2luX2Vj${randomBytes(480).toString('base64')}`;
}

/**
 * The default template for IAM users: `vault-<display>-<role>` cut to 42
 * characters, then `-<unix>-<20 base62>`, the whole cut to 64; characters IAM
 * does not allow become `_`.
 */
export function iamUserName(displayName: string, roleName: string, nowMs: number): string {
  const head = `${displayName}-${roleName}`.slice(0, 42);
  const name = `vault-${head}-${Math.floor(nowMs / 1000)}-${randomToken(20)}`.slice(0, 64);
  return name.replace(/[^A-Za-z0-9+=,.@_-]/g, '_');
}

/** The default STS name: `vault-<unix>-<random>`, 32 characters. */
export function stsName(nowMs: number): string {
  return `vault-${Math.floor(nowMs / 1000)}-${randomToken(20)}`.slice(0, 32);
}
