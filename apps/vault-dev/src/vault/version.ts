/** The Vault release whose HTTP API vault-dev follows (reported by sys/health and sys/seal-status). */
export const VAULT_VERSION = '1.18.3';
export const BUILD_DATE = '2024-12-16T14:00:53Z';
