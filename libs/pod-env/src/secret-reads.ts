/**
 * Which KV secrets a pod reads, as the deployer works it out from the app's templates and `SECRET_<NAME>`
 * variables and the secret-controller uses it: a deployment annotated for restart on change is rolled out when a
 * secret it reads changes, not when any secret of its app or of a shared scope does.
 *
 * A read is named as `lookup` names it: `KEY` for the app's own secret, `global/KEY`, `project/KEY`,
 * `cluster/KEY` for the shared scopes of the pod's cluster. When a template computes what it reads (`lookup
 * .Key`, a `rawRead` of a built path), nothing short of rendering tells, and the pod counts as reading
 * everything ({@link ANY_SECRET}).
 */

/** The template functions that call Vault: secret-init declares them, the deployer parses templates with them. */
export const VAULT_TEMPLATE_FUNCTIONS = [
  'lookup',
  'rawRead',
  'rawWrite',
  'dbUsername',
  'dbPassword',
  'awsCredsEnvVars',
  'tlsKey',
  'tlsCert',
  'tlsCA',
] as const;

/** The annotation value of a pod that may read any secret. */
export const ANY_SECRET = '*';

export type SecretReads = ReadonlySet<string> | typeof ANY_SECRET;

export interface PodSecretUse {
  /** The first argument of every `lookup`; undefined where the template computes it. */
  lookups: readonly (string | undefined)[];
  /** Every Vault path read: `rawRead`'s first argument, each `SECRET_<NAME>` variable's path (without `#field`). */
  paths: readonly (string | undefined)[];
}

export interface PodPlace {
  app: string;
  cloud: string;
  env: string;
  /** The KV v2 mount secret-init reads (`VAULT_KV_MOUNT`). */
  kvMount: string;
}

/** What an annotation's comma-separated list can carry back unchanged. */
const READ_NAME = /^[^\s,*]+$/;

/** `<mount>/data/<app>/KEY` and the shared scopes' paths as reads; null for any other path (not a secret we set). */
function readOfPath(path: string, place: PodPlace): string | null {
  const prefix = `${place.kvMount}/data/`;
  if (!path.startsWith(prefix)) return null;
  const within = path.slice(prefix.length);
  // Each folder the pod may read, and how `lookup` names a key in it.
  const folders: [folder: string, read: string][] = [
    [`${place.app}/`, ''],
    ['global/', 'global/'],
    [`project/${place.cloud}/`, 'project/'],
    [`cluster/${place.cloud}/${place.env}/`, 'cluster/'],
  ];
  for (const [folder, read] of folders) if (within.startsWith(folder)) return read + within.slice(folder.length);
  return null;
}

/** What a pod reads, from its templates' calls and its variables. */
export function secretReads(use: PodSecretUse, place: PodPlace): SecretReads {
  const reads = new Set<string>();
  for (const key of use.lookups) {
    if (key === undefined) return ANY_SECRET;
    reads.add(key);
  }
  for (const path of use.paths) {
    if (path === undefined) return ANY_SECRET;
    const read = readOfPath(path, place);
    if (read !== null) reads.add(read);
  }
  for (const read of reads) if (!READ_NAME.test(read)) return ANY_SECRET;
  return reads;
}

/** The annotation's value: the reads sorted, comma-separated ("" for none), or `*`. */
export function formatSecretReads(reads: SecretReads): string {
  return reads === ANY_SECRET ? ANY_SECRET : [...reads].sort().join(',');
}

/** An annotation's reads; a pod without one (injected before reads were known) may read anything. */
export function parseSecretReads(annotation: string | undefined): SecretReads {
  if (annotation === undefined) return ANY_SECRET;
  const names = annotation.split(',').map((name) => name.trim());
  if (names.some((name) => name === ANY_SECRET)) return ANY_SECRET;
  return new Set(names.filter((name) => name.length > 0));
}

/** A change of a secret, as the Secret API's changes feed gives it. */
export interface SecretChangeRef {
  scope: 'app' | 'global' | 'project' | 'cluster';
  app?: string | undefined;
  key: string;
}

/** Whether app `app`'s pod, reading `reads`, reads the changed secret. */
export function readsChange(reads: SecretReads, app: string, change: SecretChangeRef): boolean {
  if (change.scope === 'app' && change.app !== app) return false;
  if (reads === ANY_SECRET) return true;
  return reads.has(change.scope === 'app' ? change.key : `${change.scope}/${change.key}`);
}
