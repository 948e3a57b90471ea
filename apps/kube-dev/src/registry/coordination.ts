/** coordination.k8s.io/v1 Leases, the leader-election lock. */
import { errors } from '../api/errors.js';
import { isPlainObject } from '../api/object.js';
import { STANDARD_VERBS, type ResourceDef } from './types.js';

/**
 * metav1.MicroTime as the API server decodes it: RFC 3339 with exactly six fractional digits
 * (apimachinery/pkg/apis/meta/v1/micro_time.go, RFC3339Micro). Anything else fails the decoding: a 400, before
 * validation.
 */
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(?:Z|[+-]\d\d:\d\d)$/;
const LAYOUT = '2006-01-02T15:04:05.000000Z07:00';

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
  validate(obj) {
    const spec = obj['spec'];
    if (!isPlainObject(spec)) return [];
    for (const field of ['acquireTime', 'renewTime']) {
      const value = spec[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string' || !MICRO_TIME.test(value) || Number.isNaN(Date.parse(value))) {
        throw errors.badRequest(
          `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(value)} as "${LAYOUT}": cannot parse it (spec.${field})`,
        );
      }
    }
    return [];
  },
};
