/**
 * Where the Kubernetes API is and how to authenticate: in a cluster, the pod's service account (token file
 * re-read on rotation, the cluster CA); outside, a kubeconfig with a token (what kube-dev and most dev
 * clusters hand out). Client certificates and exec plugins are not supported: the controller runs in-cluster.
 */
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, resolve } from 'node:path';
import { TokenFile } from '../token-file.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConnection {
  server: string;
  ca: string | undefined;
  token(): string;
}

type Obj = Record<string, unknown>;
type YamlParse = (text: string) => unknown;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const named = (list: unknown, name: unknown): Obj =>
  obj((Array.isArray(list) ? list : []).map(obj).find((e) => e['name'] === name));

export function inClusterConnection(host: string, port: number, dir = SERVICE_ACCOUNT_DIR): KubeConnection {
  const tokens = new TokenFile(`${dir}/token`);
  const h = host.includes(':') ? `[${host}]` : host;
  return { server: `https://${h}:${port}`, ca: readFileSync(`${dir}/ca.crt`, 'utf8'), token: () => tokens.read() };
}

/** One file of a KUBECONFIG list, parsed. */
interface KubeconfigFile {
  path: string;
  doc: Obj;
}

/**
 * The entry `name` of a list (`contexts`, `clusters`, `users`) as kubectl merges a KUBECONFIG list: the first file
 * that defines the name wins, and relative paths in it are relative to that file.
 */
function entry(
  files: readonly KubeconfigFile[],
  list: string,
  name: unknown,
): { value: Obj; base: string } | undefined {
  for (const { path, doc } of files) {
    const found = named(doc[list], name);
    if (Object.keys(found).length > 0) return { value: found, base: dirname(path) };
  }
  return undefined;
}

/**
 * Out of a cluster only: KUBECONFIG, one file or a list separated as PATH is (kubectl's merge: the first file to set
 * current-context or to define a name wins; files in the list that do not exist are skipped). The YAML parser is
 * loaded here, so an in-cluster controller never holds it in memory.
 */
export async function kubeconfigConnection(kubeconfig: string): Promise<KubeConnection> {
  // yaml is CommonJS: in the bundle its chunk exports only `default` (module.exports); Node's own loader gives both.
  const yaml = (await import('yaml')) as unknown as { parse?: YamlParse; default?: { parse: YamlParse } };
  const parse = (yaml.parse ?? yaml.default?.parse) as YamlParse;
  const paths = kubeconfig.split(delimiter).filter((p) => p !== '');
  const files = paths.filter((p) => existsSync(p)).map((p) => ({ path: p, doc: obj(parse(readFileSync(p, 'utf8'))) }));
  // Said as a file that cannot be read is: the caller names the variable and its value.
  if (files.length === 0) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  const currentContext = files.map((f) => f.doc['current-context']).find((c) => typeof c === 'string' && c !== '');
  if (currentContext === undefined) throw new Error('no current-context is set');
  const context = entry(files, 'contexts', currentContext);
  if (!context) throw new Error(`no context named ${String(currentContext)}`);
  const { cluster: clusterName, user: userName } = obj(context.value['context']);
  const clusterEntry = entry(files, 'clusters', clusterName);
  const cluster = obj(clusterEntry?.value['cluster']);
  const server = cluster['server'];
  if (typeof server !== 'string') {
    throw new Error(`the current context's cluster (${String(clusterName)}) has no server`);
  }
  let ca: string | undefined;
  if (typeof cluster['certificate-authority-data'] === 'string') {
    ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  } else if (typeof cluster['certificate-authority'] === 'string') {
    ca = readFileSync(resolve(clusterEntry!.base, cluster['certificate-authority']), 'utf8');
  }
  const userEntry = entry(files, 'users', userName);
  const user = obj(userEntry?.value['user']);
  const tokenPath = user['tokenFile'] ?? user['token-file'];
  if (typeof user['token'] === 'string') {
    const token = user['token'];
    return { server: server.replace(/\/+$/, ''), ca, token: () => token };
  }
  if (typeof tokenPath === 'string') {
    const tokens = new TokenFile(resolve(userEntry!.base, tokenPath));
    return { server: server.replace(/\/+$/, ''), ca, token: () => tokens.read() };
  }
  throw new Error(`the current user (${String(userName)}) has no token (only token authentication is supported)`);
}
