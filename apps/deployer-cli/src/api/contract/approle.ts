/**
 * The AppRole routes alone. `deployer roleid` runs in every deploy, so it imports these rather than the whole
 * contract (start-up, bench/cli): see the README of this folder.
 */
export { ensureAppRoleRoute, getAppRoleRoute } from '@secret-api/contract';
