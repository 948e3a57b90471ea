/** vault-dev as a library: start an in-memory, Vault-compatible server for tests and local use. */
export { startVaultDev, createDevCore, type VaultDev, type VaultDevOptions } from './server.js';
export { createListAwareServer, originalMethod } from './http/list-method.js';
