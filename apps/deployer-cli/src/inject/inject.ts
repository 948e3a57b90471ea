/**
 * `deployer inject` as a pure function (after linkerd2's inject): manifests and options in, manifests and a report
 * out. Every pod template of a workload gets secret-init, the refresh sidecar (it keeps the pod's token and leases
 * alive and revokes them when the pod stops, so no pod leaves a live token behind), the
 * in-memory volumes and the role annotation. Injecting an injected manifest gives the same manifest: our earlier
 * additions (recognised by the `secret-api.dev/injected` annotation) are taken out and added again. Whatever
 * cannot be injected safely is an error naming the object, and then nothing is output.
 */
import { posix } from 'node:path';
import { ANY_SECRET } from '@secret-api/pod-env';
import { UsageError } from '../errors.js';
import { isTemplatesConfigMap } from './config-map.js';
import { describeObject, isList, isObject } from './manifests.js';
import type { KubeObject, Manifest } from './manifests.js';
import {
  ANNOTATIONS,
  INTAKE_PORT,
  OWNED_CONTAINERS,
  OWNED_VOLUMES,
  REFRESH_PROBE_PORT,
  SECRET_INIT,
  SECRET_REFRESH,
  VOLUMES,
  appMounts,
  injectedVolumes,
  secretInitContainer,
  secretRefreshContainer,
} from './pod-spec.js';
import type { InjectOptions } from './pod-spec.js';
import { ensureFsGroup, podSecurityProblems } from './pod-security.js';

export type { InjectOptions } from './pod-spec.js';

export interface InjectReport {
  injected: { object: string; added: string[] }[];
  skipped: { object: string; reason: string }[];
}

export interface InjectResult {
  objects: KubeObject[];
  report: InjectReport;
}

/** One or more objects that cannot be injected safely; the message names each. */
export class InjectionError extends UsageError {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `cannot inject ${problems[0] ?? ''}`
        : `cannot inject ${problems.length} objects:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'cannot_inject',
    );
  }
}

/** Where each workload kind keeps its pod template (a Pod is its own). */
const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Pod: [],
};

/** Kinds the secret-controller rolls out again when a secret they read changes (it watches Deployments only). */
const RESTARTABLE = new Set(['Deployment']);

/** Where the app's containers get our volumes (the lease directory is not among them: see appMounts). */
const APP_MOUNT_PATHS: readonly string[] = [VOLUMES.secrets.mountPath, VOLUMES.env.mountPath];

function clone<T>(value: T): T {
  return structuredClone(value);
}

function child(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = parent[key];
  if (isObject(existing)) return existing;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

function at(object: KubeObject, path: readonly string[]): Record<string, unknown> | undefined {
  let current: unknown = object;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return isObject(current) ? current : undefined;
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function named(items: readonly Record<string, unknown>[], name: string): boolean {
  return items.some((i) => i['name'] === name);
}

function annotationsOf(metadata: Record<string, unknown>): Record<string, unknown> {
  return child(metadata, 'annotations');
}

/**
 * Takes out what an earlier injection added, so adding it again gives the same pod spec, byte for byte: the lists
 * keep their place among the keys even when emptied (the injection that follows fills them again), so a second
 * injection does not move the keys after them.
 */
function removeEarlierInjection(template: Record<string, unknown>, workload: KubeObject): void {
  const spec = child(template, 'spec');
  if ('initContainers' in spec) {
    spec['initContainers'] = list(spec['initContainers']).filter((c) => !OWNED_CONTAINERS.includes(String(c['name'])));
  }
  if ('volumes' in spec) {
    spec['volumes'] = list(spec['volumes']).filter((v) => !OWNED_VOLUMES.includes(String(v['name'])));
  }
  for (const container of [...list(spec['initContainers']), ...list(spec['containers'])]) {
    if (!('volumeMounts' in container)) continue;
    container['volumeMounts'] = list(container['volumeMounts']).filter(
      (m) => !OWNED_VOLUMES.includes(String(m['name'])),
    );
  }
  const annotations = annotationsOf(child(template, 'metadata'));
  for (const key of [ANNOTATIONS.role, ANNOTATIONS.injected, ANNOTATIONS.configHash]) delete annotations[key];
  const workloadMetadata = isObject(workload['metadata']) ? workload['metadata'] : undefined;
  const workloadAnnotations = workloadMetadata?.['annotations'];
  const ours = [ANNOTATIONS.restartOnChange, ANNOTATIONS.reads];
  if (isObject(workloadAnnotations) && template !== workload && ours.some((key) => key in workloadAnnotations)) {
    for (const key of ours) delete workloadAnnotations[key];
    if (Object.keys(workloadAnnotations).length === 0) delete workloadMetadata?.['annotations'];
  }
}

/** Why this pod template cannot be injected (after our own earlier additions were taken out), if it cannot. */
function problemsWith(template: Record<string, unknown>, options: InjectOptions): string[] {
  const problems: string[] = [];
  const spec = isObject(template['spec']) ? template['spec'] : {};
  if (spec['hostNetwork'] === true) {
    problems.push(`it uses hostNetwork: secret-init's intake port ${8099} would listen on the node`);
  }
  const containers = list(spec['containers']);
  if (containers.length === 0) problems.push('its pod template has no containers');
  const inits = list(spec['initContainers']);
  for (const name of OWNED_CONTAINERS) {
    if (named(containers, name) || named(inits, name)) problems.push(`a container is already named ${name}`);
  }
  for (const name of OWNED_VOLUMES) {
    if (named(list(spec['volumes']), name)) problems.push(`a volume is already named ${name}`);
  }
  for (const container of [...inits, ...containers]) {
    for (const mount of list(container['volumeMounts'])) {
      // As the kubelet sees it: `/etc/secrets/` and `/etc//secrets` are /etc/secrets.
      const path = posix.normalize(String(mount['mountPath'])).replace(/(.)\/+$/, '$1');
      if (APP_MOUNT_PATHS.includes(path)) {
        problems.push(`container ${String(container['name'])} already mounts something at ${path}`);
      }
    }
  }
  // One network namespace for the whole pod: a port of the app's is a port of ours.
  const ourPorts = new Map([[INTAKE_PORT, `${SECRET_INIT}'s intake`]]);
  ourPorts.set(REFRESH_PROBE_PORT, `${SECRET_REFRESH}'s probe`);
  for (const container of [...containers, ...inits]) {
    for (const port of list(container['ports'])) {
      const ours = ourPorts.get(Number(port['containerPort']));
      if (ours && port['protocol'] !== 'UDP' && port['protocol'] !== 'SCTP') {
        problems.push(`container ${String(container['name'])} uses port ${String(port['containerPort'])}, ${ours}`);
      }
    }
  }
  // The lease directory holds the pod's Vault token: no container of the app gets it, not even by asking.
  for (const container of [...containers, ...inits]) {
    if (list(container['volumeMounts']).some((m) => m['name'] === VOLUMES.leases.name)) {
      problems.push(
        `container ${String(container['name'])} mounts ${VOLUMES.leases.name} (the pod's Vault token), which only ${SECRET_INIT} and ${SECRET_REFRESH} may`,
      );
    }
  }
  problems.push(...podSecurityProblems(spec));
  const metadata = isObject(template['metadata']) ? template['metadata'] : {};
  const role = isObject(metadata['annotations']) ? metadata['annotations'][ANNOTATIONS.role] : undefined;
  if (role !== undefined && role !== options.app) {
    problems.push(`its pod template belongs to app ${String(role)} (${ANNOTATIONS.role})`);
  }
  return problems;
}

function addInjection(template: Record<string, unknown>, workload: KubeObject, options: InjectOptions): string[] {
  const spec = child(template, 'spec');
  const added = [SECRET_INIT, `${SECRET_REFRESH} (native sidecar)`];
  const ours = [secretInitContainer(options), secretRefreshContainer(options)];
  // First: nothing of the app starts before secret-init has rendered its files — so the app's own init containers
  // (a migration, say) can read them as its containers do.
  const appInits = list(spec['initContainers']);
  spec['initContainers'] = [...ours, ...appInits];
  const volumes = injectedVolumes(options);
  spec['volumes'] = [...list(spec['volumes']), ...volumes];
  added.push(`volumes ${volumes.map((v) => String(v['name'])).join(', ')}`);
  for (const container of [...appInits, ...list(spec['containers'])]) {
    container['volumeMounts'] = [...list(container['volumeMounts']), ...appMounts(options)];
  }
  const { fsGroup, kept } = ensureFsGroup(spec);
  added.push(kept ? `pod fsGroup ${fsGroup} (kept)` : `pod fsGroup ${fsGroup}`);
  const annotations = annotationsOf(child(template, 'metadata'));
  annotations[ANNOTATIONS.role] = options.app;
  annotations[ANNOTATIONS.injected] = 'true';
  annotations[ANNOTATIONS.configHash] = options.configHash;
  added.push(`annotation ${ANNOTATIONS.role}=${options.app}`);
  if (options.restartOnChange && RESTARTABLE.has(String(workload['kind']))) {
    const workloadAnnotations = annotationsOf(child(workload, 'metadata'));
    workloadAnnotations[ANNOTATIONS.restartOnChange] = 'true';
    workloadAnnotations[ANNOTATIONS.reads] = options.secretReads;
    added.push(`annotation ${ANNOTATIONS.restartOnChange}=true`);
    added.push(
      options.secretReads === ANY_SECRET
        ? `annotation ${ANNOTATIONS.reads}=* (a template computes what it reads: any change of the app's or shared secrets restarts it)`
        : `annotation ${ANNOTATIONS.reads}=${options.secretReads}`,
    );
  } else if (options.restartOnChange && ['StatefulSet', 'DaemonSet'].includes(String(workload['kind']))) {
    // Said rather than annotated: an annotation the controller never acts on would promise restarts that never come.
    added.push(
      `no restart on change (secret-controller rolls out Deployments only; restart a ${String(workload['kind'])} yourself)`,
    );
  }
  return added;
}

function optedOut(workload: KubeObject, template: Record<string, unknown>): boolean {
  const flag = (o: Record<string, unknown>): unknown => {
    const metadata = o['metadata'];
    return isObject(metadata) && isObject(metadata['annotations'])
      ? metadata['annotations'][ANNOTATIONS.inject]
      : undefined;
  };
  return flag(workload) === 'false' || flag(template) === 'false';
}

interface Walk {
  report: InjectReport;
  problems: string[];
}

/**
 * Kinds the API server keeps outside any namespace (Kubernetes' own; a custom resource's scope is its CRD's, which
 * only the cluster knows).
 */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'APIService',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
]);

/**
 * An object that names no namespace, in the cluster's: where `deploy` applies it, and so where the printed manifests
 * (`inject`, `deploy --dry-run`, a GitOps repository) put it too, whatever namespace the tool applying them defaults to.
 */
function inNamespace(object: KubeObject, namespace: string): KubeObject {
  const metadata = isObject(object['metadata']) ? object['metadata'] : {};
  if (metadata['namespace'] !== undefined || CLUSTER_SCOPED.has(String(object['kind']))) return object;
  return { ...object, metadata: { ...metadata, namespace } };
}

function injectObject(object: KubeObject, options: InjectOptions, walk: Walk): KubeObject {
  if (isList(object)) {
    return {
      ...object,
      items: (object['items'] as unknown[]).map((item) => (isObject(item) ? injectObject(item, options, walk) : item)),
    };
  }
  const name = describeObject(object);
  const kind = String(object['kind']);
  const path = POD_TEMPLATE_PATHS[kind];
  if (path === undefined) {
    walk.report.skipped.push({ object: name, reason: 'not a workload' });
    return inNamespace(object, options.namespace);
  }
  const out = clone(object);
  const template = path.length === 0 ? out : at(out, path);
  if (template === undefined) {
    walk.problems.push(`${name}: it has no pod template (${path.join('.')})`);
    return object;
  }
  if (optedOut(out, template)) {
    walk.report.skipped.push({ object: name, reason: `${ANNOTATIONS.inject}: "false"` });
    return inNamespace(object, options.namespace);
  }
  const metadata = isObject(out['metadata']) ? out['metadata'] : {};
  if (typeof metadata['namespace'] === 'string' && metadata['namespace'] !== options.namespace) {
    walk.problems.push(
      `${name}: it is in namespace ${metadata['namespace']}, but the cluster's namespace (and the templates' ConfigMap) is ${options.namespace}`,
    );
    return object;
  }
  // Its pods mount the templates' ConfigMap, which is in the cluster's namespace: without one of its own, a
  // workload piped to `kubectl apply` would land in the context's namespace (often `default`) and find none.
  if (metadata['namespace'] === undefined) out['metadata'] = { ...metadata, namespace: options.namespace };
  const templateMetadata = isObject(template['metadata']) ? template['metadata'] : {};
  const wasInjected =
    isObject(templateMetadata['annotations']) && templateMetadata['annotations'][ANNOTATIONS.injected] === 'true';
  if (wasInjected) removeEarlierInjection(template, out);
  const problems = problemsWith(template, options);
  if (problems.length > 0) {
    walk.problems.push(...problems.map((p) => `${name}: ${p}`));
    return object;
  }
  walk.report.injected.push({ object: name, added: addInjection(template, out, options) });
  return out;
}

/**
 * The ConfigMap of the templates: in the place of an earlier injection's (whatever templates it held: its name
 * has their digest), else first (pods mount it).
 */
function withConfigMap(objects: KubeObject[], configMap: KubeObject, app: string): KubeObject[] {
  const index = objects.findIndex((o) => isTemplatesConfigMap(o, app));
  if (index === -1) return [configMap, ...objects];
  return objects.flatMap((o, i) => (i === index ? [configMap] : isTemplatesConfigMap(o, app) ? [] : [o]));
}

/**
 * Injects every workload in `manifests`; `configMap` is the templates' ConfigMap, added to (or replaced in) the
 * output. Throws {@link InjectionError} naming every object that cannot be injected; the input is never changed.
 */
export function inject(manifests: readonly Manifest[], options: InjectOptions, configMap: KubeObject): InjectResult {
  const walk: Walk = { report: { injected: [], skipped: [] }, problems: [] };
  const objects: KubeObject[] = [];
  for (const manifest of manifests) {
    if (isTemplatesConfigMap(manifest.object, options.app)) {
      objects.push(manifest.object);
      continue;
    }
    objects.push(injectObject(manifest.object, options, walk));
  }
  if (walk.problems.length > 0) throw new InjectionError(walk.problems);
  return { objects: withConfigMap(objects, configMap, options.app), report: walk.report };
}
