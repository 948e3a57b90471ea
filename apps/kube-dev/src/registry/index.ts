/** Every resource kube-dev serves, and the lookups the router and discovery need. */
import { deployments } from './apps.js';
import { leases } from './coordination.js';
import { configMaps, events, namespaces, pods, secrets, serviceAccounts } from './core.js';
import type { ResourceDef } from './types.js';

export const RESOURCES: readonly ResourceDef[] = [
  pods,
  namespaces,
  serviceAccounts,
  configMaps,
  secrets,
  events,
  deployments,
  leases,
];

export function findResource(group: string, version: string, resource: string): ResourceDef | undefined {
  return RESOURCES.find((d) => d.group === group && d.version === version && d.resource === resource);
}

export { deployments, leases, configMaps, events, namespaces, pods, secrets, serviceAccounts };
