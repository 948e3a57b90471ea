/** core/v1: the resources kube-dev serves from the legacy `/api/v1` group. */
import { errors } from '../api/errors.js';
import { deepEqual, isPlainObject, type KubeObject } from '../api/object.js';
import { STANDARD_VERBS, type FieldCause, type ResourceDef } from './types.js';

type Obj = Record<string, unknown>;

function at(obj: unknown, ...path: string[]): unknown {
  let node = obj;
  for (const key of path) node = isPlainObject(node) ? node[key] : undefined;
  return node;
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value);
}

const field =
  (...path: string[]) =>
  (obj: KubeObject) =>
    str(at(obj, ...path));

function containersOf(spec: unknown, list: 'containers' | 'initContainers'): Obj[] {
  const value = at(spec, list);
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}

function validateContainers(spec: unknown, prefix: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const containers = containersOf(spec, 'containers');
  if (containers.length === 0) causes.push({ field: `${prefix}.containers`, type: 'Required value', detail: '' });
  for (const list of ['initContainers', 'containers'] as const) {
    containersOf(spec, list).forEach((c, i) => {
      if (typeof c['name'] !== 'string' || c['name'] === '') {
        causes.push({ field: `${prefix}.${list}[${i}].name`, type: 'Required value', detail: '' });
      }
      if (typeof c['image'] !== 'string' || c['image'] === '') {
        causes.push({ field: `${prefix}.${list}[${i}].image`, type: 'Required value', detail: '' });
      }
    });
  }
  return causes;
}

/** Kubernetes' pod defaults that clients read back (pkg/apis/core/v1/defaults.go). */
export function defaultPodSpec(spec: Obj): void {
  spec['restartPolicy'] ??= 'Always';
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['schedulerName'] ??= 'default-scheduler';
  spec['securityContext'] ??= {};
  spec['serviceAccountName'] ??= (spec['serviceAccount'] as string | undefined) ?? 'default';
  spec['serviceAccount'] ??= spec['serviceAccountName'];
  for (const list of ['initContainers', 'containers'] as const) {
    for (const c of containersOf(spec, list)) {
      c['terminationMessagePath'] ??= '/dev/termination-log';
      c['terminationMessagePolicy'] ??= 'File';
      c['imagePullPolicy'] ??=
        String(c['image'] ?? '').endsWith(':latest') || !String(c['image'] ?? '').includes(':')
          ? 'Always'
          : 'IfNotPresent';
      c['resources'] ??= {};
    }
  }
}

export const pods: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'pods',
  singular: 'pod',
  kind: 'Pod',
  listKind: 'PodList',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  verbs: STANDARD_VERBS,
  subresources: [{ name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] }],
  nameRule: 'subdomain',
  hasStatus: true,
  returnDeletedObject: true,
  fields: {
    'spec.nodeName': field('spec', 'nodeName'),
    'spec.host': field('spec', 'nodeName'),
    'spec.restartPolicy': field('spec', 'restartPolicy'),
    'spec.schedulerName': field('spec', 'schedulerName'),
    'spec.serviceAccountName': field('spec', 'serviceAccountName'),
    'spec.hostNetwork': (obj) => String(at(obj, 'spec', 'hostNetwork') === true),
    'status.phase': field('status', 'phase'),
    'status.podIP': field('status', 'podIP'),
    'status.nominatedNodeName': field('status', 'nominatedNodeName'),
  },
  prepareForCreate(obj) {
    const spec = (isPlainObject(obj['spec']) ? obj['spec'] : {}) as Obj;
    defaultPodSpec(spec);
    obj['spec'] = spec;
    obj['status'] = { phase: 'Pending', qosClass: 'BestEffort' };
  },
  validate(obj, old) {
    const causes = validateContainers(obj['spec'], 'spec');
    if (old) {
      // Pod specs are immutable but for images (pkg/apis/core/validation ValidatePodUpdate).
      // Shallow copies: deepEqual skips keys whose value is undefined.
      const withoutImages = (spec: unknown): unknown => {
        if (!isPlainObject(spec)) return spec;
        const copy: Obj = { ...spec };
        for (const list of ['initContainers', 'containers'] as const) {
          if (Array.isArray(spec[list]))
            copy[list] = (spec[list] as unknown[]).map((c) => (isPlainObject(c) ? { ...c, image: undefined } : c));
        }
        return copy;
      };
      if (!deepEqual(withoutImages(old['spec']), withoutImages(obj['spec']))) {
        causes.push({
          field: 'spec',
          type: 'Forbidden',
          detail:
            'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        });
      }
    }
    return causes;
  },
  admit(obj, ctx) {
    const ns = obj.metadata.namespace ?? '';
    const sa = String(at(obj, 'spec', 'serviceAccountName') ?? 'default');
    if (!ctx.lookup('serviceaccounts', '', ns, sa)) {
      throw errors.forbidden(
        `pods "${obj.metadata.name ?? obj.metadata.generateName ?? ''}" is forbidden: error looking up service account ${ns}/${sa}: serviceaccount "${sa}" not found`,
        { name: obj.metadata.name ?? '', kind: 'pods' },
      );
    }
  },
};

export const namespaces: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] }],
  nameRule: 'label',
  hasStatus: true,
  fields: { 'status.phase': field('status', 'phase') },
  prepareForCreate(obj) {
    obj['spec'] = { finalizers: ['kubernetes'] };
    obj['status'] = { phase: 'Active' };
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
  },
};

export const serviceAccounts: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'serviceaccounts',
  singular: 'serviceaccount',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  namespaced: true,
  shortNames: ['sa'],
  verbs: STANDARD_VERBS,
  subresources: [
    { name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
  ],
  nameRule: 'subdomain',
};

export const configMaps: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  namespaced: true,
  shortNames: ['cm'],
  verbs: STANDARD_VERBS,
  subresources: [],
  nameRule: 'subdomain',
  validate: (obj, old) => [...immutableWhenSet(obj, old), ...configMapSize(obj)],
};

/** What a ConfigMap may hold, names and values together (pkg/apis/core/validation ValidateConfigMap). */
const MAX_CONFIG_MAP_BYTES = 1024 * 1024;

function configMapSize(obj: KubeObject): FieldCause[] {
  let total = 0;
  for (const [key, encoded] of [
    ['data', false],
    ['binaryData', true],
  ] as const) {
    const entries = obj[key];
    if (!isPlainObject(entries)) continue;
    for (const [name, value] of Object.entries(entries)) {
      const text = String(value);
      total += Buffer.byteLength(name) + (encoded ? Buffer.from(text, 'base64').length : Buffer.byteLength(text));
    }
  }
  return total > MAX_CONFIG_MAP_BYTES
    ? [{ field: '[]', type: 'Too long', detail: `must have at most ${MAX_CONFIG_MAP_BYTES} bytes` }]
    : [];
}

/**
 * A ConfigMap or Secret marked `immutable: true` keeps its data and the mark for good: only its metadata may
 * change (pkg/apis/core/validation ValidateConfigMapUpdate, ValidateSecretUpdate).
 */
function immutableWhenSet(obj: KubeObject, old: KubeObject | undefined): FieldCause[] {
  if (old?.['immutable'] !== true) return [];
  const detail = 'field is immutable when `immutable` is set';
  const causes: FieldCause[] = [];
  if (obj['immutable'] !== true) causes.push({ field: 'immutable', type: 'Forbidden', detail });
  for (const key of ['data', 'binaryData']) {
    if (!deepEqual(old[key] ?? {}, obj[key] ?? {})) causes.push({ field: key, type: 'Forbidden', detail });
  }
  return causes;
}

/** `stringData` is write-only: it is merged into base64 `data` and never stored. */
function foldStringData(obj: KubeObject): void {
  const stringData = obj['stringData'];
  if (isPlainObject(stringData)) {
    const data = (isPlainObject(obj['data']) ? obj['data'] : {}) as Obj;
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    obj['data'] = data;
  }
  delete obj['stringData'];
}

export const secrets: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  listKind: 'SecretList',
  namespaced: true,
  verbs: STANDARD_VERBS,
  subresources: [],
  nameRule: 'subdomain',
  fields: { type: field('type') },
  prepareForCreate(obj) {
    obj['type'] ??= 'Opaque';
  },
  validate(obj, old) {
    foldStringData(obj);
    const data = obj['data'];
    const causes: FieldCause[] = immutableWhenSet(obj, old);
    if (isPlainObject(data)) {
      for (const [k, v] of Object.entries(data)) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
          causes.push({ field: `data[${k}]`, type: 'Invalid value', detail: 'must be base64-encoded' });
        }
      }
    }
    return causes;
  },
};

export const events: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  listKind: 'EventList',
  namespaced: true,
  shortNames: ['ev'],
  verbs: STANDARD_VERBS,
  subresources: [],
  nameRule: 'subdomain',
  fields: {
    'involvedObject.kind': field('involvedObject', 'kind'),
    'involvedObject.namespace': field('involvedObject', 'namespace'),
    'involvedObject.name': field('involvedObject', 'name'),
    'involvedObject.uid': field('involvedObject', 'uid'),
    'involvedObject.apiVersion': field('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': field('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': field('involvedObject', 'fieldPath'),
    reason: field('reason'),
    reportingComponent: field('reportingComponent'),
    source: field('source', 'component'),
    type: field('type'),
  },
  validate(obj) {
    // pkg/apis/core/validation/events.go: an Event lives in the namespace of the object it is about.
    const involved = obj['involvedObject'];
    const namespace = isPlainObject(involved) ? involved['namespace'] : undefined;
    if (typeof namespace === 'string' && namespace !== '' && namespace !== obj.metadata.namespace) {
      return [{ field: 'involvedObject.namespace', type: 'Invalid value', detail: 'does not match event.namespace' }];
    }
    return [];
  },
};
