/** secret-api as a library: start it in-process (the dev stack, tests, benchmarks). */
export { startSecretApi, StartupError, type RunningSecretApi, type StartOptions } from './server.js';
export { parseConfig, ConfigError, type Config } from './config/env.js';
export { readSecretFiles, FILE_VARIABLES } from './config/secret-files.js';
export { createApp, OPERATIONS } from './app.js';
export { LocalIssuer, type LocalIssuerOptions } from './auth/local-issuer.js';
export type { Identity } from './auth/identity.js';
export { PERMISSIONS, type Permission } from './authz/permissions.js';
/** The statement a history page reads (bench/secrets explains it). */
export { historyPageQuery } from './services/secrets/secret-history.js';
/** A set's two statements on its key's lock session, as the API sends them (bench/secrets/statements.mjs). */
export { confirmAndUnlock, lockAndRecord, recordedWithLock } from './services/secrets/pending-row.js';
