/**
 * The patch strategies of the built-in types we serve (the `patchMergeKey` and
 * `listType=map` tags of api/core/v1/types.go), shared by strategic merge patch
 * and server-side apply. Lists not named here are atomic: replaced whole.
 */
export const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  conditions: 'type',
  podIPs: 'ip',
  hostIPs: 'ip',
  ownerReferences: 'uid',
};

/** Lists merged as sets of scalars. */
export const SET_LISTS: ReadonlySet<string> = new Set(['finalizers']);
