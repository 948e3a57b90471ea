/**
 * OpenAPI v3, only as much as kubectl needs to move validation to the server:
 * per group-version, a `patch` operation for each kind with the GVK extension
 * and a `fieldValidation` parameter. `/openapi/v2` is 404 on purpose: kubectl
 * decodes it as protobuf whatever the Content-Type.
 */
import type { ServerResponse } from 'node:http';
import { RESOURCES } from '../registry/index.js';
import { apiVersionOf, type ResourceDef } from '../registry/types.js';
import { sendJson } from './http.js';

function gvPath(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`;
}

function documentFor(path: string): unknown | undefined {
  const defs = RESOURCES.filter((d) => gvPath(d) === path);
  if (defs.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const def of defs) {
    const url = `/${gvPath(def)}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.resource}/{name}`;
    paths[url] = {
      patch: {
        'x-kubernetes-group-version-kind': { group: def.group, version: def.version, kind: def.kind },
        parameters: [
          { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
          { name: 'dryRun', in: 'query', schema: { type: 'string' } },
        ],
        responses: {},
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.31.0' }, paths, components: { schemas: {} } };
}

export function serveOpenApi(res: ServerResponse, pathname: string): boolean {
  if (pathname === '/openapi/v2') return false;
  if (pathname === '/openapi/v3' || pathname === '/openapi/v3/') {
    const paths: Record<string, unknown> = {};
    for (const def of RESOURCES)
      paths[gvPath(def)] = { serverRelativeURL: `/openapi/v3/${gvPath(def)}?hash=${apiVersionOf(def).length}` };
    sendJson(res, 200, { paths });
    return true;
  }
  if (pathname.startsWith('/openapi/v3/')) {
    const doc = documentFor(pathname.slice('/openapi/v3/'.length));
    if (!doc) return false;
    sendJson(res, 200, doc);
    return true;
  }
  return false;
}
