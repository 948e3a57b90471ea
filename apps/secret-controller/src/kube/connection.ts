/**
 * Where the Kubernetes API is and how to authenticate: in a cluster, the pod's service account (token file
 * re-read on rotation, the cluster CA); outside, a kubeconfig with a token (what kube-dev and most dev
 * clusters hand out). Client certificates and exec plugins are not supported: the controller runs in-cluster.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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

/** Out of a cluster only: the YAML parser is loaded here, so an in-cluster controller never holds it in memory. */
export async function kubeconfigConnection(path: string): Promise<KubeConnection> {
  // yaml is CommonJS: in the bundle its chunk exports only `default` (module.exports); Node's own loader gives both.
  const yaml = (await import('yaml')) as unknown as { parse?: YamlParse; default?: { parse: YamlParse } };
  const parse = (yaml.parse ?? yaml.default?.parse) as YamlParse;
  const doc = obj(parse(readFileSync(path, 'utf8')));
  const context = obj(named(doc['contexts'], doc['current-context'])['context']);
  const cluster = obj(named(doc['clusters'], context['cluster'])['cluster']);
  const user = obj(named(doc['users'], context['user'])['user']);
  const server = cluster['server'];
  if (typeof server !== 'string') throw new Error(`kubeconfig ${path}: the current context has no cluster server`);
  const base = dirname(path);
  let ca: string | undefined;
  if (typeof cluster['certificate-authority-data'] === 'string') {
    ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  } else if (typeof cluster['certificate-authority'] === 'string') {
    ca = readFileSync(resolve(base, cluster['certificate-authority']), 'utf8');
  }
  const tokenPath = user['tokenFile'] ?? user['token-file'];
  if (typeof user['token'] === 'string') {
    const token = user['token'];
    return { server: server.replace(/\/+$/, ''), ca, token: () => token };
  }
  if (typeof tokenPath === 'string') {
    const tokens = new TokenFile(resolve(base, tokenPath));
    return { server: server.replace(/\/+$/, ''), ca, token: () => tokens.read() };
  }
  throw new Error(`kubeconfig ${path}: the current user has no token (only token authentication is supported)`);
}
