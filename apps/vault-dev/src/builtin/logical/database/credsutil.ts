/**
 * Generated credentials, after the PostgreSQL plugin's default username
 * template and Vault's default password policy (sdk/helper/random).
 */
import { randomInt } from 'node:crypto';
import { randomToken } from '../../../vault/token-store.js';

/**
 * `{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}`:
 * base62 random part, not lower-cased.
 */
export function generateUsername(displayName: string, roleName: string, nowMs: number): string {
  const unix = Math.floor(nowMs / 1000);
  return `v-${displayName.slice(0, 8)}-${roleName.slice(0, 8)}-${randomToken(20)}-${unix}`.slice(0, 63);
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const DASH = '-';
const CHARSET = LOWER + UPPER + DIGITS + DASH;
const PASSWORD_LENGTH = 20;

/**
 * Vault's default password generator: 20 characters from `a-zA-Z0-9-`, with at
 * least one of each class. Like Vault, it draws whole candidates until one
 * meets every rule.
 */
export function generatePassword(): string {
  for (;;) {
    let candidate = '';
    for (let i = 0; i < PASSWORD_LENGTH; i++) candidate += CHARSET[randomInt(CHARSET.length)];
    if ([LOWER, UPPER, DIGITS, DASH].every((set) => [...candidate].some((c) => set.includes(c)))) return candidate;
  }
}
