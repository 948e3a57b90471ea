/** coordination.k8s.io/v1 Leases, the leader-election lock. */
import { STANDARD_VERBS, type ResourceDef } from './types.js';

export const leases: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  listKind: 'LeaseList',
  namespaced: true,
  verbs: STANDARD_VERBS,
  subresources: [],
  nameRule: 'subdomain',
  leaseLikeUpdate: true,
};
