/**
 * Discovery (apiserver/pkg/endpoints/discovery): `/api`, `/apis`, per-group-version
 * resource lists, the aggregated v2 form kubectl asks for first, and `/version`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESOURCES } from '../registry/index.js';
import { apiVersionOf, type ResourceDef } from '../registry/types.js';
import { sendJson } from './http.js';

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export const VERSION_INFO = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-kube-dev',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T00:00:00Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function groups(): Map<string, ResourceDef[]> {
  const out = new Map<string, ResourceDef[]>();
  for (const def of RESOURCES) {
    if (def.group === '') continue;
    out.set(def.group, [...(out.get(def.group) ?? []), def]);
  }
  return out;
}

/** Groups with no stored resources, served only for their special endpoints. */
const VIRTUAL_GROUPS: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  'authentication.k8s.io': [
    { name: 'tokenreviews', kind: 'TokenReview', namespaced: false },
    { name: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false },
  ],
};

function wantsAggregated(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return (
      params[0] === 'application/json' &&
      params.includes('g=apidiscovery.k8s.io') &&
      params.includes('v=v2') &&
      params.includes('as=APIGroupDiscoveryList')
    );
  });
}

function resourceEntries(defs: ResourceDef[]): unknown[] {
  return defs.flatMap((def) => [
    {
      name: def.resource,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: def.verbs,
      ...(def.shortNames ? { shortNames: def.shortNames } : {}),
      ...(def.categories ? { categories: def.categories } : {}),
    },
    ...def.subresources.map((sub) => ({
      name: `${def.resource}/${sub.name}`,
      singularName: '',
      namespaced: def.namespaced,
      ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
      kind: sub.kind,
      verbs: sub.verbs,
    })),
  ]);
}

function aggregatedVersion(
  version: string,
  defs: ResourceDef[],
  virtual: { name: string; kind: string; namespaced: boolean }[],
  group: string,
): unknown {
  return {
    version,
    freshness: 'Current',
    resources: [
      ...defs.map((def) => ({
        resource: def.resource,
        responseKind: { group: def.group, version: def.version, kind: def.kind },
        scope: def.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: def.singular,
        verbs: def.verbs,
        ...(def.shortNames ? { shortNames: def.shortNames } : {}),
        ...(def.categories ? { categories: def.categories } : {}),
        subresources: def.subresources.map((sub) => ({
          subresource: sub.name,
          responseKind: { group: sub.group ?? def.group, version: sub.version ?? def.version, kind: sub.kind },
          verbs: sub.verbs,
        })),
      })),
      ...virtual.map((v) => ({
        resource: v.name,
        responseKind: { group, version, kind: v.kind },
        scope: v.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: v.name.replace(/s$/, ''),
        verbs: ['create'],
      })),
    ],
  };
}

function groupNames(): string[] {
  return [...new Set([...groups().keys(), ...Object.keys(VIRTUAL_GROUPS)])].sort();
}

/** Answers a discovery path, or returns false when the path is not one. */
export function serveDiscovery(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  serverAddress: string,
): boolean {
  const path = pathname.replace(/\/$/, '');
  if (path === '/version') {
    sendJson(res, 200, VERSION_INFO);
    return true;
  }
  const core = RESOURCES.filter((d) => d.group === '');
  if (path === '/api') {
    if (wantsAggregated(req)) {
      sendJson(
        res,
        200,
        {
          kind: 'APIGroupDiscoveryList',
          apiVersion: 'apidiscovery.k8s.io/v2',
          metadata: {},
          items: [{ metadata: { name: '' }, versions: [aggregatedVersion('v1', core, [], '')] }],
        },
        AGGREGATED,
      );
    } else {
      sendJson(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
      });
    }
    return true;
  }
  if (path === '/apis') {
    const names = groupNames();
    if (wantsAggregated(req)) {
      const items = names.map((name) => ({
        metadata: { name },
        versions: [aggregatedVersion('v1', groups().get(name) ?? [], VIRTUAL_GROUPS[name] ?? [], name)],
      }));
      sendJson(
        res,
        200,
        { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items },
        AGGREGATED,
      );
    } else {
      const list = names.map((name) => {
        const gv = { groupVersion: `${name}/v1`, version: 'v1' };
        return { name, versions: [gv], preferredVersion: gv };
      });
      sendJson(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: list });
    }
    return true;
  }
  if (path === '/api/v1') {
    sendJson(res, 200, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'v1',
      resources: resourceEntries(core),
    });
    return true;
  }
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (m && groupNames().includes(m[1] as string)) {
    const group = m[1] as string;
    const gv = { groupVersion: `${group}/v1`, version: 'v1' };
    if (!m[2]) {
      sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [gv], preferredVersion: gv });
      return true;
    }
    if (m[2] !== 'v1') return false;
    const virtual = (VIRTUAL_GROUPS[group] ?? []).map((v) => ({
      name: v.name,
      singularName: v.name.replace(/s$/, ''),
      namespaced: v.namespaced,
      kind: v.kind,
      verbs: ['create'],
    }));
    sendJson(res, 200, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${group}/v1`,
      resources: [...resourceEntries(groups().get(group) ?? []), ...virtual],
    });
    return true;
  }
  return false;
}

export { apiVersionOf };
