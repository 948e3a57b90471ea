/**
 * What `deploy` checks of the manifests before it writes anything anywhere (the AppRole included): the same object
 * twice, and — against the cluster — a kind the cluster does not serve (a typo, a CRD not installed). Each problem
 * names the file and line of the object's document, and none of them is left for the apply to meet halfway.
 */
import { UsageError } from '../errors.js';
import { describeObject, isList, isObject, type KubeObject, type Manifest } from '../inject/manifests.js';

/** One object of the manifests (a List's items each), with where it was written. */
interface Placed {
  object: KubeObject;
  where: string;
}

function placed(manifests: readonly Manifest[]): Placed[] {
  const out: Placed[] = [];
  const visit = (object: unknown, where: string) => {
    if (!isObject(object)) return;
    if (isList(object)) for (const item of object['items'] as unknown[]) visit(item, where);
    else out.push({ object, where });
  };
  for (const m of manifests) visit(m.object, `${m.source}:${m.line}`);
  return out;
}

const metadataOf = (o: KubeObject): Record<string, unknown> => (isObject(o['metadata']) ? o['metadata'] : {});

/** An object's identity as the API server keys it: API group, kind, namespace (the default where it names none), name. */
function identity(o: KubeObject, namespace: string): string {
  const group = String(o['apiVersion']).includes('/') ? String(o['apiVersion']).split('/')[0] : '';
  const metadata = metadataOf(o);
  const ns = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : namespace;
  return `${group}|${String(o['kind'])}|${ns}|${String(metadata['name'])}`;
}

/** The same object given twice (a file listed both alone and in its directory, say): applied twice, or not at all. */
export function duplicateProblems(manifests: readonly Manifest[], namespace: string): string[] {
  const first = new Map<string, string>();
  const problems: string[] = [];
  for (const { object, where } of placed(manifests)) {
    const key = identity(object, namespace);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, where);
    else if (earlier === where) {
      problems.push(`${where}: ${describeObject(object)} is given twice: deployer.yml's manifests name its file twice`);
    } else problems.push(`${where}: ${describeObject(object)} is given again (first at ${earlier})`);
  }
  return problems;
}

/** Whether the cluster serves a kind: undefined when it does not (an unknown group version or kind). */
export type ServedKind = (apiVersion: string, kind: string) => Promise<{ namespaced: boolean } | undefined>;

/** Every object whose kind the cluster does not serve, as `kubectl apply` says it: "no matches for kind". */
export async function unservedProblems(manifests: readonly Manifest[], served: ServedKind): Promise<string[]> {
  const problems: string[] = [];
  const known = new Map<string, Promise<{ namespaced: boolean } | undefined>>();
  for (const { object, where } of placed(manifests)) {
    const apiVersion = String(object['apiVersion']);
    const kind = String(object['kind']);
    const key = `${apiVersion}|${kind}`;
    if (!known.has(key)) known.set(key, served(apiVersion, kind));
    if ((await known.get(key)) === undefined) {
      problems.push(`${where}: ${describeObject(object)}: the cluster serves no kind ${kind} in ${apiVersion}`);
    }
  }
  return problems;
}

/** The manifests' problems as one error (exit 1): nothing was applied (deploy), or printed (inject). */
export function manifestError(problems: readonly string[], command: 'deploy' | 'inject' = 'deploy'): UsageError {
  const text =
    problems.length === 1
      ? `cannot ${command}: ${problems[0] ?? ''}`
      : `cannot ${command}: ${problems.length} problems in the manifests:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return new UsageError(`${text}\nnothing was ${command === 'deploy' ? 'applied' : 'printed'}`, 'invalid_manifest');
}
