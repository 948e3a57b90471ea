/** secret-refresh as a library, for tests: the pure rules and the readers. */
export { loadConfig, type Config } from './config.js';
export { parseEnvFile, shellWord } from './env-file.js';
export { EXIT } from './errors.js';
export { LEASE_FILE, TOKEN_FILE, readLeaseDir } from './lease-dir.js';
export { backoffDelay, giveUpAt, judgeGrant, renewDelay } from './schedule.js';
