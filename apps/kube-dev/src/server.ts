/**
 * Assembles kube-dev: store, registry, controllers, the simulated kubelet, the
 * token issuer, and the HTTP front that authenticates and routes like the
 * apiserver's handler chain.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { errors } from './api/errors.js';
import { Authenticator } from './auth/authenticator.js';
import { TokenIssuer } from './auth/service-account-tokens.js';
import { createServingCert } from './auth/serving-cert.js';
import { DeploymentController } from './controllers/deployment.js';
import { GarbageCollector } from './controllers/garbage-collector.js';
import {
  serveOidc,
  serveSelfSubjectReview,
  serveTokenRequest,
  serveTokenReview,
  type AuthContext,
} from './endpoints/authentication.js';
import { serveDiscovery } from './endpoints/discovery.js';
import { sendError } from './endpoints/http.js';
import { serveOpenApi } from './endpoints/openapi.js';
import { parseResourcePath } from './endpoints/request-info.js';
import { serveResource, type ResourceContext } from './endpoints/resources.js';
import { Kubelet, type InitContainerRunner } from './kubelet/kubelet.js';
import { writeKubeconfig } from './kubeconfig.js';
import { Registry } from './registry/generic.js';
import { findResource, namespaces, pods, secrets, serviceAccounts } from './registry/index.js';
import { Store } from './storage/store.js';

export interface KubeDevOptions {
  /** 0 (the default for the library) picks a free port. */
  port?: number;
  host?: string;
  /** The admin bearer token (user kube-dev-admin, group system:masters); random when unset. */
  adminToken?: string;
  /** `iss` of service-account tokens and the OIDC issuer; default https://kubernetes.default.svc.cluster.local. */
  issuer?: string;
  /** Audiences the API server accepts for its own authentication; default [issuer]. */
  apiAudiences?: string[];
  /** Namespaces created at start, beside default, kube-system, kube-public and kube-node-lease. */
  namespaces?: string[];
  /** Runs init containers as real processes; see commandRunner(). Unset: they succeed at once. */
  runInitContainer?: InitContainerRunner;
  /**
   * The node's pod IPs: a /16 or /24 inside 127.0.0.0/8, default 127.10.0.0/16. Give each stand-in on one machine
   * its own when their pods run real processes that listen on their pod IPs.
   */
  podCIDR?: string;
  /** The kubelet's first restart back-off (default 10 s), doubled per restart up to maxRestartBackoffMs (default 5 min). */
  restartBackoffMs?: number;
  maxRestartBackoffMs?: number;
  /** Watch length when the client sends no timeoutSeconds (the real server: 30–60 min). */
  watchTimeoutSeconds?: number;
  bookmarkIntervalMs?: number;
  /** Events kept for watches to resume from. */
  historySize?: number;
}

export interface KubeDev {
  /** `https://host:port`, the kubeconfig's server. */
  address: string;
  /** PEM of the self-signed serving certificate: the CA clients trust. */
  caCertPem: string;
  host: string;
  port: number;
  adminToken: string;
  issuer: string;
  /** The JWKS URL of the service-account issuer (public, for AUTH_ISSUERS). */
  jwksUri: string;
  nodeName: string;
  registry: Registry;
  store: Store;
  /** Writes a kubeconfig for the admin token (mode 0600) and returns its path. */
  writeKubeconfig(path: string, namespace?: string): string;
  close(): Promise<void>;
}

const NODE_NAME = 'kube-dev-node';
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
// Paths any client may read, as with system:public-info-viewer, plus the issuer discovery.
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

export async function startKubeDev(options: KubeDevOptions = {}): Promise<KubeDev> {
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  const issuerUrl = options.issuer ?? 'https://kubernetes.default.svc.cluster.local';
  const apiAudiences = options.apiAudiences ?? [issuerUrl];
  const store = new Store(options.historySize !== undefined ? { historySize: options.historySize } : {});
  const registry = new Registry(store);
  for (const name of [...SYSTEM_NAMESPACES, ...(options.namespaces ?? [])]) {
    if (!registry.find(namespaces, undefined, name))
      registry.create(namespaces, undefined, { metadata: { name } }, { fieldManager: 'kube-apiserver' });
  }
  const issuer = new TokenIssuer(issuerUrl);
  const lookup = (resource: 'serviceaccounts' | 'pods' | 'secrets', namespace: string, name: string) =>
    registry.find(resource === 'pods' ? pods : resource === 'secrets' ? secrets : serviceAccounts, namespace, name);
  const authenticator = new Authenticator(adminToken, issuer, apiAudiences, lookup);
  const node = { name: NODE_NAME, uid: randomUUID() };
  const authCtx: AuthContext = { registry, issuer, authenticator, apiAudiences, node };
  const resourceCtx: ResourceContext = {
    registry,
    timings: {
      ...(options.watchTimeoutSeconds !== undefined ? { defaultTimeoutSeconds: options.watchTimeoutSeconds } : {}),
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    },
  };

  const controllers = [new DeploymentController(registry), new GarbageCollector(registry)];
  const kubelet = new Kubelet(registry, {
    nodeName: NODE_NAME,
    ...(options.runInitContainer ? { runInitContainer: options.runInitContainer } : {}),
    ...(options.podCIDR !== undefined ? { podCIDR: options.podCIDR } : {}),
    ...(options.restartBackoffMs !== undefined ? { restartBackoffMs: options.restartBackoffMs } : {}),
    ...(options.maxRestartBackoffMs !== undefined ? { maxRestartBackoffMs: options.maxRestartBackoffMs } : {}),
  });
  for (const c of controllers) c.start();
  kubelet.start();

  let address = '';
  let jwksUri = '';
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://kube-dev.invalid');
    const path = url.pathname;
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
      return;
    }
    if (PUBLIC_PATHS.has(path) && serveDiscovery(req, res, path, address.replace(/^https?:\/\//, ''))) return;
    if (await serveOidc(res, path, authCtx, jwksUri)) return;

    const token = bearerToken(req);
    const who = token ? await authenticator.authenticate(token, [], registry.now()) : undefined;
    if (!who || 'error' in who) throw errors.unauthorized();

    if (serveDiscovery(req, res, path, address.replace(/^https?:\/\//, ''))) return;
    if (path.startsWith('/openapi/')) {
      if (serveOpenApi(res, path)) return;
      throw errors.pageNotFound();
    }
    const info = parseResourcePath(path);
    if (!info) throw errors.pageNotFound();
    if (info.group === 'authentication.k8s.io' && info.version === 'v1' && !info.namespace && !info.name) {
      if (req.method !== 'POST') throw errors.methodNotAllowed();
      if (info.resource === 'tokenreviews') return serveTokenReview(req, res, authCtx);
      if (info.resource === 'selfsubjectreviews') return serveSelfSubjectReview(res, who.user);
    }
    if (
      info.group === '' &&
      info.resource === 'serviceaccounts' &&
      info.subresource === 'token' &&
      info.namespace &&
      info.name
    ) {
      if (req.method !== 'POST') throw errors.methodNotAllowed();
      return serveTokenRequest(req, res, authCtx, info.namespace, info.name);
    }
    const def = findResource(info.group, info.version, info.resource);
    if (!def) throw errors.pageNotFound();
    await serveResource(req, res, resourceCtx, def, info, url.searchParams);
  };

  const listenHost = options.host ?? '127.0.0.1';
  const cert = await createServingCert([...new Set([listenHost, '127.0.0.1', 'localhost'])]);
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, listenHost, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  address = `https://${host}:${bound.port}`;
  jwksUri = `${address}/openid/v1/jwks`;

  return {
    address,
    host: bound.address,
    port: bound.port,
    adminToken,
    caCertPem: cert.certPem,
    issuer: issuerUrl,
    jwksUri,
    nodeName: NODE_NAME,
    registry,
    store,
    writeKubeconfig: (path, namespace) =>
      writeKubeconfig(path, {
        server: address,
        token: adminToken,
        caCertPem: cert.certPem,
        ...(namespace ? { namespace } : {}),
      }),
    async close() {
      kubelet.stop();
      for (const c of controllers) c.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
