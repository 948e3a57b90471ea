import { describe, expect, it } from 'vitest';
import {
  ROUTES,
  ZApp,
  ZAppList,
  ZAppRolePlanResponse,
  ZAuditList,
  ZAuditQuery,
  ZCluster,
  ZCreateAppBody,
  ZCreateClusterBody,
  ZEnsureAppRoleResponse,
  ZGetAppRoleResponse,
  ZGetSecretQuery,
  ZGetSecretResponse,
  ZPatchAppBody,
  ZRollbackSecretBody,
  ZSecretHistory,
  ZSecretIdBody,
  ZSecretIdResponse,
  ZSecretIdTokenResponse,
  ZSecretList,
  ZSecretMetadata,
  ZSecretVersionRef,
  ZSetSecretBody,
  jsonSchemaOf,
  routeKey,
} from './index.js';

const T = '2026-01-02T03:04:05.000Z';

describe('the examples of product.md §4 Shapes parse', () => {
  it('clusters', () => {
    expect(ZCreateClusterBody.parse({ name: 'aws.stg', controllerSubjects: ['system:serviceaccount:x:y'] })).toEqual({
      name: 'aws.stg',
      controllerSubjects: ['system:serviceaccount:x:y'],
    });
    const c = { name: 'aws.stg', cloud: 'aws', env: 'stg', controllerSubjects: ['ctl'], createdAt: T };
    expect(ZCluster.parse(c)).toEqual(c);
  });

  it('apps, with deployers and reveal groups defaulting to empty lists', () => {
    expect(ZCreateAppBody.parse({ name: 'myapp', ownerGroups: ['team-a'] })).toEqual({
      name: 'myapp',
      ownerGroups: ['team-a'],
      deployers: [],
      revealGroups: [],
    });
    const body = {
      name: 'myapp',
      ownerGroups: ['team-a'],
      deployers: ['repo:acme/myapp:ref:refs/heads/*'],
      revealGroups: ['team-a-leads'],
    };
    expect(ZCreateAppBody.parse(body)).toEqual(body);
    const app = { ...body, createdAt: T };
    expect(ZApp.parse(app)).toEqual(app);
    expect(ZAppList.parse({ items: [app], nextCursor: 'abc' })).toEqual({ items: [app], nextCursor: 'abc' });
    expect(ZPatchAppBody.parse({ revealGroups: [] })).toEqual({ revealGroups: [] });
    expect(ZPatchAppBody.safeParse({}).success).toBe(false);
  });

  it('approle ensure, read and plan', () => {
    const ensured = { roleName: 'aws.stg.myapp', roleId: 'b1c2', changed: true };
    expect(ZEnsureAppRoleResponse.parse(ensured)).toEqual(ensured);
    expect(ZGetAppRoleResponse.parse({ roleName: 'aws.stg.myapp', roleId: 'b1c2' })).toEqual({
      roleName: 'aws.stg.myapp',
      roleId: 'b1c2',
    });
    const plan = {
      roleName: 'aws.stg.myapp',
      changes: [
        { kind: 'approle', name: 'aws.stg.myapp', action: 'unchanged' },
        { kind: 'policy', name: 'aws.stg.myapp-read', action: 'update', fields: ['policy'] },
        { kind: 'tokenRole', name: 'aws.stg.myapp-getsecretid', action: 'create' },
      ],
    };
    expect(ZAppRolePlanResponse.parse(plan)).toEqual(plan);
    expect(
      ZAppRolePlanResponse.safeParse({ ...plan, changes: [{ kind: 'x', name: 'n', action: 'create' }] }).success,
    ).toBe(false);
  });

  it('secret-id-token and secret-id', () => {
    const tok = { token: 'hvs.x', ttl: 60, policies: ['aws.stg.myapp-getsecretid'] };
    expect(ZSecretIdTokenResponse.parse(tok)).toEqual(tok);
    const body = { cidrList: ['10.0.0.0/8', 'fd00::/8'], metadata: { pod: 'myapp-7d9f-abcde', namespace: 'myapp' } };
    expect(ZSecretIdBody.parse(body)).toEqual(body);
    expect(ZSecretIdBody.parse({})).toEqual({});
    expect(ZSecretIdBody.safeParse({ cidrList: ['10.0.0.1'] }).success).toBe(false);
    expect(ZSecretIdBody.safeParse({ metadata: { pod: 'p', node: 'n' } }).success).toBe(false);
    const wrapped = { wrappingToken: 'hvs.w', ttl: 60, creationPath: 'auth/approle/role/aws.stg.myapp/secret-id' };
    expect(ZSecretIdResponse.parse(wrapped)).toEqual(wrapped);
  });

  it('secrets: set, list, get, reveal, versions, rollback', () => {
    expect(ZSetSecretBody.parse({ value: 's3cr3t', comment: 'rotate', cas: 3 })).toEqual({
      value: 's3cr3t',
      comment: 'rotate',
      cas: 3,
    });
    expect(ZSetSecretBody.parse({ value: '' })).toEqual({ value: '' });
    expect(ZSecretVersionRef.parse({ key: 'DB_PASSWORD', version: 4 })).toEqual({ key: 'DB_PASSWORD', version: 4 });
    const meta = { key: 'DB_PASSWORD', version: 4, updatedAt: T, updatedBy: 'alice' };
    expect(ZSecretList.parse({ items: [meta] })).toEqual({ items: [meta] });
    expect(ZGetSecretResponse.parse(meta)).toEqual(meta);
    expect(ZGetSecretResponse.parse({ ...meta, value: 's3cr3t' })).toEqual({ ...meta, value: 's3cr3t' });
    expect(ZGetSecretQuery.parse({ reveal: 'true', version: '3' })).toEqual({ reveal: true, version: 3 });
    expect(ZGetSecretQuery.parse({})).toEqual({});
    expect(ZGetSecretQuery.safeParse({ reveal: 'yes' }).success).toBe(false);
    expect(ZGetSecretQuery.safeParse({ version: '0' }).success).toBe(false);
    const history = {
      items: [
        {
          version: 2,
          actor: 'bob',
          createdAt: T,
          comment: null,
          fingerprint: 'hmac:ab',
          deleted: false,
          destroyed: false,
        },
        {
          version: 1,
          actor: 'alice',
          createdAt: T,
          comment: 'first',
          fingerprint: 'hmac:cd',
          deleted: true,
          destroyed: false,
        },
      ],
    };
    expect(ZSecretHistory.parse(history)).toEqual(history);
    expect(ZRollbackSecretBody.parse({ version: 1 })).toEqual({ version: 1 });
  });

  it('audit', () => {
    const list = {
      items: [
        {
          id: 'e1',
          time: T,
          actor: 'alice',
          action: 'secret.set',
          target: 'app/myapp/secrets/DB_PASSWORD',
          result: 'success',
          requestId: 'r1',
        },
      ],
      nextCursor: 'c2',
    };
    expect(ZAuditList.parse(list)).toEqual(list);
    expect(ZAuditQuery.parse({ app: 'myapp', actor: 'alice', since: T, limit: '50' })).toEqual({
      app: 'myapp',
      actor: 'alice',
      since: T,
      limit: 50,
    });
    expect(ZAuditQuery.safeParse({ since: '24h' }).success).toBe(false);
  });
});

describe('request bodies are strict', () => {
  it.each([
    [ZCreateClusterBody, { name: 'aws.stg', controllerSubjects: ['c'], extra: 1 }],
    [ZCreateAppBody, { name: 'myapp', ownerGroups: ['g'], admin: true }],
    [ZPatchAppBody, { ownerGroups: ['g'], name: 'other' }],
    [ZSetSecretBody, { value: 'v', version: 3 }],
    [ZRollbackSecretBody, { version: 1, value: 'v' }],
    [ZSecretIdBody, { ttl: 3600 }],
  ])('rejects unknown keys (%#)', (schema, body) => {
    const r = schema.safeParse(body);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });

  it('rejects wrong types and bounds', () => {
    expect(ZSetSecretBody.safeParse({ value: 42 }).success).toBe(false);
    expect(ZSetSecretBody.safeParse({ value: 'v', cas: -1 }).success).toBe(false);
    expect(ZSetSecretBody.safeParse({ value: 'v', cas: 1.5 }).success).toBe(false);
    expect(ZSetSecretBody.safeParse({ value: 'v', comment: 'x'.repeat(1025) }).success).toBe(false);
    expect(ZRollbackSecretBody.safeParse({ version: 0 }).success).toBe(false);
    expect(ZRollbackSecretBody.safeParse({ version: '1' }).success).toBe(false);
  });
});

/** Every property name anywhere in a JSON Schema. */
function propertyNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) propertyNames(s, out);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'properties' && v && typeof v === 'object') for (const name of Object.keys(v)) out.add(name);
      propertyNames(v, out);
    }
  }
  return out;
}

describe('response schemas decide what leaves the server', () => {
  it('strip unknown fields', () => {
    const meta = { key: 'K', version: 1, updatedAt: T, updatedBy: 'alice' };
    expect(ZSecretMetadata.parse({ ...meta, value: 'leak' })).toEqual(meta);
    expect(ZSecretList.parse({ items: [{ ...meta, value: 'leak' }], internal: 1 })).toEqual({ items: [meta] });
    expect(ZSecretVersionRef.parse({ key: 'K', version: 1, value: 'leak' })).toEqual({ key: 'K', version: 1 });
    expect(ZGetAppRoleResponse.parse({ roleName: 'r', roleId: 'i', secretId: 'leak' })).toEqual({
      roleName: 'r',
      roleId: 'i',
    });
    expect(
      ZSecretHistory.parse({
        items: [
          {
            version: 1,
            actor: 'a',
            createdAt: T,
            comment: null,
            fingerprint: 'f',
            deleted: false,
            destroyed: false,
            value: 'leak',
          },
        ],
      }).items[0],
    ).not.toHaveProperty('value');
  });

  it('every response schema strips unknown top-level fields (except the OpenAPI document itself)', () => {
    for (const r of ROUTES.filter((r) => r.path !== '/openapi.json')) {
      for (const schema of Object.values(r.responses)) {
        if (!schema || r.contentType) continue;
        const json = jsonSchemaOf(schema, 'output');
        if (json['type'] !== 'object' || !json['properties']) continue;
        expect(json['additionalProperties'], routeKey(r)).toBe(false);
      }
    }
  });

  it('only GET .../secrets/:key (reveal) has a value field', () => {
    const withValue: string[] = [];
    for (const r of ROUTES) {
      for (const schema of Object.values(r.responses)) {
        if (schema && propertyNames(jsonSchemaOf(schema, 'output')).has('value')) withValue.push(routeKey(r));
      }
    }
    expect(withValue.sort()).toEqual(
      [
        'GET /v1/apps/:app/secrets/:key',
        'GET /v1/scopes/cluster/:cluster/secrets/:key',
        'GET /v1/scopes/global/secrets/:key',
        'GET /v1/scopes/project/:cloud/secrets/:key',
      ].sort(),
    );
    for (const r of ROUTES.filter((r) => withValue.includes(routeKey(r)))) {
      expect(Object.keys(r.query?.shape ?? {})).toContain('reveal');
    }
  });
});
