/** Where the embedded stack keeps each of its parts inside the data directory. */
import { resolve } from 'node:path';

/** The dev issuer's private key (`issuer-key.json`, 0600) and public `jwks.json`. */
export const devIssuerDir = (dataDir: string): string => resolve(dataDir, 'dev-issuer');

/** vault-dev's state (`-dev-data-dir`), so secrets and AppRoles survive a restart. */
export const vaultDevDataDir = (dataDir: string): string => resolve(dataDir, 'vault');
