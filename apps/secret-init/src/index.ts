/** secret-init as a library, for tests and the refresh sidecar (the lease file format). */
export { loadConfig, type Config, type Credentials } from './config.js';
export { EXIT, SecretInitError } from './errors.js';
export { LEASE_FILE, TOKEN_FILE, leaseFile, type LeaseFileV1 } from './leases/lease-file.js';
export { shellQuote, shellExport } from './env/shell.js';
export { parseSecretVariables } from './env/variables.js';
