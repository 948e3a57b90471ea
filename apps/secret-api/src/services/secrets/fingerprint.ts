/**
 * The history's fingerprint of a value: HMAC-SHA256 under HISTORY_HMAC_KEY. It shows whether two
 * versions hold the same value (a rollback, an unchanged re-set) without storing anything from
 * which the value could be guessed: a plain hash of a short password is a dictionary lookup away.
 */
import { createHmac } from 'node:crypto';

/** What the history stores, and what repair compares with a value read back from Vault. */
export function fingerprint(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}

/**
 * What the history shows: the stored fingerprint bound to the secret's path. Within one key, equal values still show
 * equal fingerprints; across keys, scopes and apps they never do. Otherwise whoever may write an app's secrets but
 * not reveal them could confirm a guess by setting it on a scratch key and comparing fingerprints, and a value
 * reused by two apps would show. Derived at read time, so the stored rows (and repair) need no migration.
 */
export function shownFingerprint(key: Buffer, path: string, stored: string): string {
  if (stored === '') return ''; // a version whose value was never known
  return createHmac('sha256', key).update(`history-fingerprint\0${path}\0${stored}`, 'utf8').digest('base64url');
}
