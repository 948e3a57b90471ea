/**
 * The history's fingerprint of a value: HMAC-SHA256 under HISTORY_HMAC_KEY. It shows whether two
 * versions hold the same value (a rollback, an unchanged re-set) without storing anything from
 * which the value could be guessed: a plain hash of a short password is a dictionary lookup away.
 */
import { createHmac } from 'node:crypto';

export function fingerprint(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}
