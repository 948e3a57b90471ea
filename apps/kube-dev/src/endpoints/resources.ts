/** The REST verbs of stored resources: list, watch, get, create, update, patch, delete, deletecollection. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors } from '../api/errors.js';
import { checkBody, type FieldValidation } from '../api/field-validation.js';
import { isPlainObject, type KubeObject } from '../api/object.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import type { DeleteOptions, PatchType, Registry } from '../registry/generic.js';
import { apiVersionOf, type ResourceDef } from '../registry/types.js';
import { parseFieldSelector, parseLabelSelector, type FieldGetter } from '../storage/selectors.js';
import { mediaType, parseJson, readBody, sendJson } from './http.js';
import type { ResourceRequest } from './request-info.js';
import { serveWatch, type WatchTimings } from './watch.js';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export interface ResourceContext {
  registry: Registry;
  timings: WatchTimings;
}

function fieldsOf(def: ResourceDef): Record<string, FieldGetter> {
  return {
    'metadata.name': (o) => o.metadata.name,
    'metadata.namespace': (o) => o.metadata.namespace ?? '',
    ...def.fields,
  };
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function writeQuery(
  def: ResourceDef,
  query: URLSearchParams,
  req: IncomingMessage,
): { fieldManager: string; dryRun: boolean } {
  const dryRun = query.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All')) {
    throw errors.invalid('CreateOptions', 'meta.k8s.io', '', [
      { field: 'dryRun', type: 'Unsupported value', detail: `${JSON.stringify(dryRun)}: supported values: "All"` },
    ]);
  }
  const explicit = query.get('fieldManager');
  if (explicit !== null && explicit.length > 128) {
    throw errors.invalid(def.kind, def.group, '', [
      { field: 'fieldManager', type: 'Too long', detail: 'may not be more than 128 characters' },
    ]);
  }
  // Without fieldManager, the manager is the User-Agent up to its first '/'.
  const fromAgent = (req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown';
  return { fieldManager: explicit ?? fromAgent, dryRun: dryRun.length > 0 };
}

function toList(def: ResourceDef, items: KubeObject[], resourceVersion: number): unknown {
  return {
    kind: def.listKind,
    apiVersion: apiVersionOf(def),
    metadata: { resourceVersion: String(resourceVersion) },
    items,
  };
}

function toScale(obj: KubeObject): unknown {
  const spec = obj['spec'] as Record<string, unknown>;
  const status = (obj['status'] ?? {}) as Record<string, unknown>;
  const labels = ((spec['selector'] as Record<string, unknown> | undefined)?.['matchLabels'] ?? {}) as Record<
    string,
    string
  >;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec['replicas'] },
    status: {
      replicas: status['replicas'] ?? 0,
      selector: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation');
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${value}"`);
}

/**
 * Refuses a write's body (an object, or a merge or strategic patch of one) with a value of the wrong JSON type
 * (400, as Go's decoder), then finds its unknown fields and does what `fieldValidation` says: Strict refuses the
 * write with 400, Warn (the default) and Ignore drop them, Warn with one `Warning: 299` header each (kubectl prints
 * them). A JSON patch's values are not checked.
 */
async function checkFields(
  def: ResourceDef,
  query: URLSearchParams,
  res: ServerResponse,
  body: unknown,
  target: { apply?: boolean; namespace?: string | undefined; name?: string } = {},
): Promise<void> {
  const mode = fieldValidationOf(query);
  const { unknown: found, mistyped } = await checkBody(apiVersionOf(def), def.kind, body, mode !== 'Strict');
  // What the API server answers for a body it cannot decode into the type: server-side apply says it one way, the
  // JSON decoder of every other write another.
  const undecodable = (applied: string, decoded: string) => {
    const where = `${target.namespace ? `${target.namespace}/` : ''}${target.name ?? ''}`;
    return errors.badRequest(
      target.apply
        ? `failed to create typed patch object (${where}; ${apiVersionOf(def)}, Kind=${def.kind}): ${applied}`
        : `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${decoded}`,
    );
  };
  const wrong = mistyped[0];
  if (wrong !== undefined) {
    throw undecodable(
      `.${wrong.path}: expected ${wrong.want}, got ${wrong.got}`,
      `json: cannot unmarshal ${wrong.got} into Go struct field ${def.kind}.${wrong.path} of type ${wrong.want}`,
    );
  }
  if (found.length === 0 || mode === 'Ignore') return;
  if (mode === 'Strict') {
    throw undecodable(
      found.map((p) => `.${p}: field not declared in schema`).join(', '),
      `strict decoding error: ${found.map((p) => `unknown field "${p}"`).join(', ')}`,
    );
  }
  res.setHeader(
    'Warning',
    found.map((p) => `299 - "unknown field \\"${p}\\""`),
  );
}

async function readPatchBody(req: IncomingMessage, type: PatchType): Promise<unknown> {
  const text = await readBody(req);
  if (type !== 'apply') return parseJson(text);
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw errors.badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
}

const PROPAGATION_POLICIES = ['Foreground', 'Background', 'Orphan'];

/** As the apiserver's ValidateDeleteOptions: an unknown policy is a 422 and nothing is deleted. */
function propagationPolicyOf(value: string): DeleteOptions['propagationPolicy'] {
  if (!PROPAGATION_POLICIES.includes(value)) {
    throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
      {
        field: 'propagationPolicy',
        type: 'Unsupported value',
        detail: `${JSON.stringify(value)}: supported values: "Foreground", "Background", "Orphan", "nil"`,
      },
    ]);
  }
  return value as DeleteOptions['propagationPolicy'];
}

function deleteOptionsOf(query: URLSearchParams, body: unknown): DeleteOptions {
  // A non-empty DeleteOptions body wins over the query.
  if (isPlainObject(body) && Object.keys(body).some((k) => k !== 'kind' && k !== 'apiVersion')) {
    const pre = isPlainObject(body['preconditions']) ? body['preconditions'] : undefined;
    return {
      ...(typeof body['gracePeriodSeconds'] === 'number' ? { gracePeriodSeconds: body['gracePeriodSeconds'] } : {}),
      ...(typeof body['propagationPolicy'] === 'string'
        ? { propagationPolicy: propagationPolicyOf(body['propagationPolicy']) }
        : {}),
      ...(pre
        ? {
            preconditions: {
              ...(pre['uid'] ? { uid: String(pre['uid']) } : {}),
              ...(pre['resourceVersion'] ? { resourceVersion: String(pre['resourceVersion']) } : {}),
            },
          }
        : {}),
      ...(Array.isArray(body['dryRun']) && body['dryRun'].length > 0 ? { dryRun: true } : {}),
    };
  }
  const grace = query.get('gracePeriodSeconds');
  const policy = query.get('propagationPolicy');
  return {
    ...(grace !== null && /^-?\d+$/.test(grace) ? { gracePeriodSeconds: Number(grace) } : {}),
    ...(policy ? { propagationPolicy: propagationPolicyOf(policy) } : {}),
    ...(query.get('dryRun') === 'All' ? { dryRun: true } : {}),
  };
}

function deletedReply(def: ResourceDef, obj: KubeObject, gone: boolean): unknown {
  if (def.returnDeletedObject || !gone) return obj;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: obj.metadata.name,
      ...(def.group ? { group: def.group } : {}),
      kind: def.resource,
      uid: obj.metadata.uid,
    },
  };
}

export async function serveResource(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResourceContext,
  def: ResourceDef,
  info: ResourceRequest,
  query: URLSearchParams,
): Promise<void> {
  const { registry } = ctx;
  const method = req.method ?? 'GET';
  const ns = def.namespaced ? info.namespace : undefined;
  if (def.namespaced && info.namespace === undefined && (method !== 'GET' || info.name !== undefined)) {
    throw errors.pageNotFound();
  }
  const sub = info.subresource;
  if (sub !== undefined && !def.subresources.some((s) => s.name === sub)) throw errors.pageNotFound();

  if (info.name === undefined) {
    if (method === 'GET') {
      const matches = parseLabelSelector(query.get('labelSelector') ?? undefined);
      const fieldMatches = parseFieldSelector(query.get('fieldSelector') ?? undefined, fieldsOf(def));
      const match = (o: KubeObject) => matches(o) && fieldMatches(o);
      if (query.get('resourceVersionMatch') && !query.get('resourceVersion')) {
        throw errors.invalid('ListOptions', 'meta.k8s.io', '', [
          {
            field: 'resourceVersionMatch',
            type: 'Forbidden',
            detail: 'resourceVersionMatch is forbidden unless resourceVersion is provided',
          },
        ]);
      }
      if (isTrue(query.get('watch'))) {
        const timeout = query.get('timeoutSeconds');
        serveWatch(
          req,
          res,
          registry.store,
          {
            def,
            namespace: ns,
            matches: match,
            resourceVersion: query.get('resourceVersion') ?? undefined,
            allowBookmarks: isTrue(query.get('allowWatchBookmarks')),
            timeoutSeconds: timeout !== null && /^\d+$/.test(timeout) ? Number(timeout) : undefined,
          },
          ctx.timings,
        );
        return;
      }
      const revision = registry.store.currentRevision();
      sendJson(res, 200, toList(def, registry.list(def, ns).filter(match), revision));
      return;
    }
    if (method === 'POST') {
      const { fieldManager, dryRun } = writeQuery(def, query, req);
      const body = parseJson(await readBody(req));
      await checkFields(def, query, res, body);
      const created = registry.create(def, ns, body, { fieldManager, dryRun });
      sendJson(res, 201, created);
      return;
    }
    if (method === 'DELETE' && def.verbs.includes('deletecollection')) {
      const matches = parseLabelSelector(query.get('labelSelector') ?? undefined);
      const fieldMatches = parseFieldSelector(query.get('fieldSelector') ?? undefined, fieldsOf(def));
      const options = deleteOptionsOf(query, parseJson(await readBody(req)));
      const deleted = registry
        .list(def, ns)
        .filter((o) => matches(o) && fieldMatches(o))
        .map((o) => registry.delete(def, o.metadata.namespace, o.metadata.name ?? '', options).object);
      sendJson(res, 200, toList(def, deleted, registry.store.currentRevision()));
      return;
    }
    throw errors.methodNotAllowed();
  }

  const name = info.name;
  if (sub === 'scale') {
    await serveScale(req, res, ctx, def, ns, name, query);
    return;
  }
  const subresource = sub === 'status' ? ('status' as const) : undefined;
  switch (method) {
    case 'GET':
      sendJson(res, 200, registry.get(def, ns, name));
      return;
    case 'PUT': {
      const { fieldManager, dryRun } = writeQuery(def, query, req);
      const body = parseJson(await readBody(req));
      await checkFields(def, query, res, body);
      const result = registry.update(def, ns, name, body, {
        fieldManager,
        dryRun,
        ...(subresource ? { subresource } : {}),
      });
      sendJson(res, result.created ? 201 : 200, result.object);
      return;
    }
    case 'PATCH': {
      const type = PATCH_TYPES[mediaType(req)];
      if (!type) throw errors.unsupportedMediaType(mediaType(req));
      const { fieldManager, dryRun } = writeQuery(def, query, req);
      const force = query.get('force');
      const patch = await readPatchBody(req, type);
      if (type !== 'json') await checkFields(def, query, res, patch, { apply: type === 'apply', namespace: ns, name });
      const result = registry.patch(def, ns, name, type, patch, {
        fieldManager: type === 'apply' ? (query.get('fieldManager') ?? '') : fieldManager,
        dryRun,
        ...(subresource ? { subresource } : {}),
        ...(force !== null ? { force: isTrue(force) } : {}),
      });
      sendJson(res, result.created ? 201 : 200, result.object);
      return;
    }
    case 'DELETE': {
      if (sub) throw errors.methodNotAllowed();
      const { object, gone } = registry.delete(def, ns, name, deleteOptionsOf(query, parseJson(await readBody(req))));
      sendJson(res, 200, deletedReply(def, object, gone));
      return;
    }
    default:
      throw errors.methodNotAllowed();
  }
}

/** `/scale` speaks autoscaling/v1 Scale; writing it sets spec.replicas. */
async function serveScale(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ResourceContext,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  query: URLSearchParams,
): Promise<void> {
  const { registry } = ctx;
  const current = registry.get(def, ns, name);
  if (req.method === 'GET') {
    sendJson(res, 200, toScale(current));
    return;
  }
  if (req.method !== 'PUT' && req.method !== 'PATCH') throw errors.methodNotAllowed();
  const { fieldManager, dryRun } = writeQuery(def, query, req);
  let scale: unknown;
  if (req.method === 'PUT') scale = parseJson(await readBody(req));
  else {
    const type = PATCH_TYPES[mediaType(req)];
    if (!type || type === 'apply') throw errors.unsupportedMediaType(mediaType(req));
    const body = parseJson(await readBody(req));
    scale = type === 'json' ? applyJsonPatch(toScale(current), body) : applyMergePatch(toScale(current), body);
  }
  const replicas = isPlainObject(scale) && isPlainObject(scale['spec']) ? scale['spec']['replicas'] : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid('Scale', 'autoscaling', name, [
      { field: 'spec.replicas', type: 'Invalid value', detail: 'must be greater than or equal to 0' },
    ]);
  }
  const result = registry.patch(def, ns, name, 'merge', { spec: { replicas } }, { fieldManager, dryRun });
  sendJson(res, 200, toScale(result.object));
}
