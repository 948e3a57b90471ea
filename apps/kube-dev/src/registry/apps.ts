/** apps/v1 Deployments: defaults, validation, and the fields the controller owns. */
import { deepEqual, isPlainObject } from '../api/object.js';
import { STANDARD_VERBS, type FieldCause, type ResourceDef } from './types.js';

type Obj = Record<string, unknown>;

function matchLabels(selector: unknown): Record<string, string> | undefined {
  if (!isPlainObject(selector)) return undefined;
  return isPlainObject(selector['matchLabels']) ? (selector['matchLabels'] as Record<string, string>) : {};
}

export const deployments: ResourceDef = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  singular: 'deployment',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  verbs: STANDARD_VERBS,
  subresources: [
    { name: 'status', kind: 'Deployment', verbs: ['get', 'patch', 'update'] },
    { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
  ],
  nameRule: 'subdomain',
  hasStatus: true,
  tracksGeneration: true,
  prepareForCreate(obj) {
    const spec = (isPlainObject(obj['spec']) ? obj['spec'] : {}) as Obj;
    spec['replicas'] ??= 1;
    spec['strategy'] ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
    spec['revisionHistoryLimit'] ??= 10;
    spec['progressDeadlineSeconds'] ??= 600;
    obj['spec'] = spec;
    obj['status'] = {};
  },
  validate(obj, old) {
    const causes: FieldCause[] = [];
    const spec = obj['spec'];
    const selector = isPlainObject(spec) ? spec['selector'] : undefined;
    const labels = isPlainObject(spec) ? (spec['template'] as Obj | undefined)?.['metadata'] : undefined;
    const templateLabels = (isPlainObject(labels) ? labels['labels'] : undefined) as Record<string, string> | undefined;
    const wanted = matchLabels(selector);
    if (!wanted) causes.push({ field: 'spec.selector', type: 'Required value', detail: '' });
    else if (Object.entries(wanted).some(([k, v]) => templateLabels?.[k] !== v)) {
      causes.push({
        field: 'spec.template.metadata.labels',
        type: 'Invalid value',
        detail: '`selector` does not match template `labels`',
      });
    }
    const replicas = isPlainObject(spec) ? spec['replicas'] : undefined;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      causes.push({ field: 'spec.replicas', type: 'Invalid value', detail: 'must be greater than or equal to 0' });
    }
    const podSpec = isPlainObject(spec) ? (spec['template'] as Obj | undefined)?.['spec'] : undefined;
    const containers = isPlainObject(podSpec) ? podSpec['containers'] : undefined;
    if (!Array.isArray(containers) || containers.length === 0) {
      causes.push({ field: 'spec.template.spec.containers', type: 'Required value', detail: '' });
    }
    if (old && !deepEqual((old['spec'] as Obj | undefined)?.['selector'], selector)) {
      causes.push({ field: 'spec.selector', type: 'Invalid value', detail: 'field is immutable' });
    }
    return causes;
  },
};
