/** What every PKI path shares. */
import type { SystemView } from '../../../sdk/framework.js';
import type { ExpirationManager } from '../../../vault/expiration.js';
import type { PkiStore } from './store.js';

export interface PkiContext {
  store: PkiStore;
  system: SystemView;
  expiration: ExpirationManager;
  mountPoint: string;
  now: () => number;
}

/** Vault accepts serials with `:` or `-`; answers use `:`. */
export function normalizeSerial(serial: string): string {
  return serial.toLowerCase().replace(/-/g, ':');
}

/** Vault's NotBefore backdating (not_before_duration default). */
export const NOT_BEFORE_BACKDATE_MS = 30_000;
