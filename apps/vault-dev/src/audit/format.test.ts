import { describe, expect, it } from 'vitest';
import { errorResponse } from '../sdk/errors.js';
import type { Request, Response } from '../sdk/logical.js';
import { makeRequest } from '../testing/backend-harness.js';
import type { MountConfig, MountEntry } from '../vault/mounts.js';
import { TokenStore, type TokenEntry } from '../vault/token-store.js';
import { VAULT_VERSION } from '../vault/version.js';
import { AuditSalt } from './hash.js';
import { AuditedHeaders } from './headers.js';
import {
  DEFAULT_FORMATTER_CONFIG,
  clientIdOf,
  formatRequest,
  formatResponse,
  formatTestProbe,
  serializeEntry,
  type FormatContext,
  type FormatterConfig,
} from './format.js';
import type { AuditEvent } from './types.js';

const SALT = new AuditSalt('unit-test-salt');
const H = (s: string): string => SALT.identifiedHmac(s);
const TIME = '2024-05-06T07:08:09.123456789Z';

function ctx(config: Partial<FormatterConfig> = {}): FormatContext {
  return { config: { ...DEFAULT_FORMATTER_CONFIG, ...config }, hmac: H, time: TIME, headers: new AuditedHeaders() };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The entry as written to the file, parsed back. */
function line(entry: ReturnType<typeof formatRequest>, config: Partial<FormatterConfig> = {}): Json {
  const text = serializeEntry(entry, { ...DEFAULT_FORMATTER_CONFIG, ...config });
  expect(text.endsWith('\n')).toBe(true);
  expect(text.indexOf('\n')).toBe(text.length - 1);
  return JSON.parse(text) as Json;
}

function mount(
  type: string,
  routePrefix: string,
  mountClass: 'secret' | 'auth',
  config: Partial<MountConfig> = {},
): MountEntry {
  return {
    path: mountClass === 'auth' ? routePrefix.slice('auth/'.length) : routePrefix,
    routePrefix,
    mountClass,
    type,
    description: '',
    accessor: `${mountClass === 'auth' ? 'auth_' : ''}${type}_0a1b2c3d`,
    uuid: '00000000-0000-0000-0000-000000000000',
    local: false,
    sealWrap: false,
    externalEntropyAccess: false,
    options: null,
    config: {
      defaultLeaseTTL: 0,
      maxLeaseTTL: 0,
      forceNoCache: false,
      auditNonHmacRequestKeys: [],
      auditNonHmacResponseKeys: [],
      listingVisibility: '',
      passthroughRequestHeaders: [],
      allowedResponseHeaders: [],
      tokenType: '',
      ...config,
    },
  } as unknown as MountEntry;
}

function requestOn(
  m: MountEntry,
  operation: Request['operation'],
  relativePath: string,
  data: Request['data'],
  extra: Partial<Request> = {},
): Request {
  return makeRequest(m.routePrefix, operation, relativePath, data, {
    mountType: m.type,
    mountAccessor: m.accessor,
    mountClass: m.mountClass,
    remoteAddress: '10.1.2.3',
    remotePort: 41234,
    ...extra,
  });
}

const APPROLE = mount('approle', 'auth/approle/', 'auth');
const ROLE_ID = '5a3f2b8e-1111-2222-3333-444455556666';
const SECRET_ID = '9c8d7e6f-aaaa-bbbb-cccc-ddddeeeeffff';

function loginRequest(m = APPROLE): Request {
  return requestOn(m, 'update', 'login', { role_id: ROLE_ID, secret_id: SECRET_ID });
}

function tokens(): TokenStore {
  return new TokenStore(() => Date.UTC(2024, 4, 6, 7, 0, 0));
}

describe('failed AppRole login', () => {
  const req = loginRequest();
  const failed: Response = errorResponse('invalid role or secret ID', 400, { invalidCredentials: true });
  const event: AuditEvent = {
    request: req,
    mount: APPROLE,
    response: failed,
    envelope: { errors: ['invalid role or secret ID'] },
    outerError: 'invalid credentials',
  };

  it('request line: role_id and secret_id HMAC-ed, mount and remote address plain, unauthenticated auth', () => {
    const entry = line(formatRequest({ request: req, mount: APPROLE }, ctx()));
    expect(entry['type']).toBe('request');
    expect(entry['time']).toBe(TIME);
    expect(entry['error']).toBeUndefined();
    expect(entry['auth']).toEqual({ policy_results: { allowed: true }, token_type: 'default' });
    expect(entry['request']).toEqual({
      id: req.id,
      operation: 'update',
      mount_point: 'auth/approle/',
      mount_type: 'approle',
      mount_accessor: 'auth_approle_0a1b2c3d',
      mount_class: 'auth',
      mount_running_version: `v${VAULT_VERSION}+builtin.vault`,
      namespace: { id: 'root' },
      path: 'auth/approle/login',
      data: { role_id: H(ROLE_ID), secret_id: H(SECRET_ID) },
      remote_address: '10.1.2.3',
      remote_port: 41234,
    });
  });

  it('response line: top-level error "invalid credentials", data.error is the HMAC of the error text, no auth', () => {
    const entry = line(formatResponse(event, ctx()));
    expect(entry['type']).toBe('response');
    expect(entry['error']).toBe('invalid credentials');
    expect(entry['auth']).toEqual({ token_type: 'default' });
    expect(entry['request']['data']).toEqual({ role_id: H(ROLE_ID), secret_id: H(SECRET_ID) });
    expect(entry['request']['id']).toBe(req.id);
    expect(entry['response']).toEqual({
      data: { error: H('invalid role or secret ID') },
      mount_accessor: 'auth_approle_0a1b2c3d',
      mount_class: 'auth',
      mount_point: 'auth/approle/',
      mount_running_plugin_version: `v${VAULT_VERSION}+builtin.vault`,
      mount_type: 'approle',
    });
  });

  it('a locked-out attempt (no backend response) gives error "permission denied" and an empty response', () => {
    const entry = line(
      formatResponse(
        {
          request: req,
          mount: APPROLE,
          response: null,
          envelope: { errors: ['permission denied'] },
          outerError: 'permission denied',
        },
        ctx(),
      ),
    );
    expect(entry['error']).toBe('permission denied');
    expect(entry['response']['data']).toBeUndefined();
    expect(entry['response']['auth']).toBeUndefined();
  });
});

describe('successful AppRole login', () => {
  const store = tokens();
  const token: TokenEntry = store.create({
    parent: '',
    policies: ['default', 'p1'],
    path: 'auth/approle/login',
    mountPoint: 'auth/approle/',
    meta: { role_name: 'myrole', team: 'blue' },
    displayName: 'approle',
    ttl: 3600,
    renewable: true,
    entityId: 'e7c1b6a0-0000-4000-8000-000000000001',
  });
  const req = loginRequest();
  const response: Response = { issuedToken: { entry: token, leaseDuration: 3600 } };
  const envelope = {
    request_id: req.id,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: {
      client_token: token.id,
      accessor: token.accessor,
      policies: ['default', 'p1'],
      token_policies: ['default', 'p1'],
      metadata: { role_name: 'myrole', team: 'blue' },
      lease_duration: 3600,
      renewable: true,
      entity_id: token.entityId,
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    },
    mount_type: 'approle',
  };

  it('response.auth has the HMAC-ed client token and accessor and plaintext metadata', () => {
    const entry = line(formatResponse({ request: req, mount: APPROLE, response, envelope }, ctx()));
    expect(entry['error']).toBeUndefined();
    expect(entry['response']['auth']).toEqual({
      client_token: H(token.id),
      accessor: H(token.accessor),
      display_name: 'approle',
      policies: ['default', 'p1'],
      token_policies: ['default', 'p1'],
      metadata: { role_name: 'myrole', team: 'blue' },
      entity_id: token.entityId,
      token_type: 'service',
      token_ttl: 3600,
    });
    // Vault audits the new token's auth at the top level of a login's response line too (without num_uses).
    expect(entry['auth']).toEqual(entry['response']['auth']);
    expect(entry['response']['data']).toBeUndefined();
  });

  it('num_uses shows in response.auth only', () => {
    const limited = { ...envelope, auth: { ...envelope.auth, num_uses: 3 } };
    const entry = line(formatResponse({ request: req, mount: APPROLE, response, envelope: limited }, ctx()));
    expect(entry['response']['auth']['num_uses']).toBe(3);
    expect(entry['auth']['num_uses']).toBeUndefined();
  });
});

describe('SecretID generation', () => {
  const store = tokens();
  const root = store.create({
    id: 'hvs.roottoken',
    parent: '',
    policies: ['root'],
    path: 'auth/token/root',
    mountPoint: 'auth/token/',
    displayName: 'root',
    ttl: 0,
    renewable: false,
  });
  const base = (wrapTTL?: number): AuditEvent => ({
    request: requestOn(APPROLE, 'update', 'role/myrole/secret-id', null, {
      clientToken: root.id,
      ...(wrapTTL ? { wrap: { ttl: wrapTTL, format: '' as const } } : {}),
    }),
    mount: APPROLE,
    token: root,
    tokenRemainingUses: 0,
    policyResults: { allowed: true, grantingPolicies: ['root'] },
  });
  const secretResponse: Response = {
    data: { secret_id: SECRET_ID, secret_id_accessor: 'acc-1234', secret_id_ttl: 0, secret_id_num_uses: 1 },
    wrappedAccessor: 'acc-1234',
  };

  it('plain answer: secret_id and secret_id_accessor HMAC-ed, numbers plain', () => {
    const event = {
      ...base(),
      response: secretResponse,
      envelope: { request_id: 'x', data: secretResponse.data, wrap_info: null },
    };
    const entry = line(formatResponse(event, ctx()));
    expect(entry['response']['data']).toEqual({
      secret_id: H(SECRET_ID),
      secret_id_accessor: H('acc-1234'),
      secret_id_ttl: 0,
      secret_id_num_uses: 1,
    });
  });

  it('wrapped answer: wrap_info.token, accessor and wrapped_accessor HMAC-ed; no data; creation_time in UTC', () => {
    const envelope = {
      request_id: '',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: {
        token: 'hvs.wrappingtoken',
        accessor: 'wrapacc',
        ttl: 120,
        creation_time: '2024-05-06T09:08:09.5+02:00',
        creation_path: 'auth/approle/role/myrole/secret-id',
        wrapped_accessor: 'acc-1234',
      },
      warnings: null,
      auth: null,
    };
    const event = { ...base(120), response: secretResponse, envelope };
    const entry = line(formatResponse(event, ctx()));
    expect(entry['response']['data']).toBeUndefined();
    expect(entry['response']['wrap_info']).toEqual({
      token: H('hvs.wrappingtoken'),
      accessor: H('wrapacc'),
      ttl: 120,
      creation_time: '2024-05-06T07:08:09.5Z',
      creation_path: 'auth/approle/role/myrole/secret-id',
      wrapped_accessor: H('acc-1234'),
    });
    expect(entry['request']['wrap_ttl']).toBe(120);
    // The caller's auth: root, with its policy results.
    expect(entry['auth']['client_token']).toBe(H(root.id));
    expect(entry['auth']['policy_results']).toEqual({
      allowed: true,
      granting_policies: [{ name: 'root', namespace_id: 'root', type: 'acl' }],
    });
  });

  it('the authenticated caller: token, accessor and client id on the request; display name, policies, issue time in auth', () => {
    const entry = line(formatRequest(base(), ctx()));
    expect(entry['auth']).toEqual({
      client_token: H(root.id),
      accessor: H(root.accessor),
      display_name: 'root',
      policies: ['root'],
      token_policies: ['root'],
      policy_results: { allowed: true, granting_policies: [{ name: 'root', namespace_id: 'root', type: 'acl' }] },
      token_type: 'service',
      token_issue_time: expect.stringMatching(/^2024-05-0\dT\d\d:00:00(Z|[+-]\d\d:\d\d)$/),
    });
    expect(entry['request']['client_token']).toBe(H(root.id));
    expect(entry['request']['client_token_accessor']).toBe(H(root.accessor));
    expect(entry['request']['client_id']).toBe(clientIdOf(['root'], ''));
    expect(entry['request']['data']).toBeUndefined();
  });

  it('remaining_uses shows the caller token uses left', () => {
    const entry = line(formatRequest({ ...base(), tokenRemainingUses: 4 }, ctx()));
    expect(entry['auth']['remaining_uses']).toBe(4);
  });
});

describe('device options', () => {
  const store = tokens();
  const caller = store.create({
    parent: '',
    policies: ['default', 'ops'],
    path: 'auth/token/create',
    mountPoint: 'auth/token/',
    displayName: 'token',
    ttl: 600,
    renewable: true,
  });
  const event: AuditEvent = {
    request: requestOn(
      APPROLE,
      'update',
      'login',
      { role_id: ROLE_ID, secret_id: SECRET_ID },
      { clientToken: caller.id },
    ),
    mount: APPROLE,
    token: caller,
    policyResults: { allowed: true, grantingPolicies: ['ops'] },
    response: { data: { secret_id_accessor: 'acc' } },
    envelope: {
      request_id: 'r',
      data: { secret_id_accessor: 'acc' },
      wrap_info: {
        token: 'wtok',
        accessor: 'wacc',
        ttl: 60,
        creation_time: '2024-01-01T00:00:00Z',
        creation_path: 'p',
        wrapped_accessor: 'inner',
      },
    },
  };

  it('log_raw: nothing is HMAC-ed', () => {
    const req = line(formatRequest(event, ctx({ raw: true })));
    expect(req['auth']['client_token']).toBe(caller.id);
    expect(req['auth']['accessor']).toBe(caller.accessor);
    expect(req['request']['client_token']).toBe(caller.id);
    expect(req['request']['data']).toEqual({ role_id: ROLE_ID, secret_id: SECRET_ID });
    const resp = line(formatResponse(event, ctx({ raw: true })));
    expect(resp['response']['wrap_info']).toMatchObject({ token: 'wtok', accessor: 'wacc', wrapped_accessor: 'inner' });
  });

  it('hmac_accessor=false: accessors plain, tokens still HMAC-ed', () => {
    const req = line(formatRequest(event, ctx({ hmacAccessor: false })));
    expect(req['auth']['accessor']).toBe(caller.accessor);
    expect(req['request']['client_token_accessor']).toBe(caller.accessor);
    expect(req['auth']['client_token']).toBe(H(caller.id));
    const resp = line(formatResponse(event, ctx({ hmacAccessor: false })));
    expect(resp['response']['wrap_info']).toMatchObject({
      token: H('wtok'),
      accessor: 'wacc',
      wrapped_accessor: 'inner',
    });
  });

  it('non-HMAC keys from the mount tuning exempt request and response keys', () => {
    const tuned = mount('approle', 'auth/approle/', 'auth', {
      auditNonHmacRequestKeys: ['role_id'],
      auditNonHmacResponseKeys: ['secret_id_accessor'],
    });
    const e: AuditEvent = {
      request: loginRequest(tuned),
      mount: tuned,
      response: { data: { secret_id_accessor: 'acc', secret_id: SECRET_ID } },
      envelope: { request_id: 'r', data: {} },
    };
    const entry = line(formatResponse(e, ctx()));
    expect(entry['request']['data']).toEqual({ role_id: ROLE_ID, secret_id: H(SECRET_ID) });
    expect(entry['response']['data']).toEqual({ secret_id_accessor: 'acc', secret_id: H(SECRET_ID) });
  });

  it('request numbers are HMAC-ed (JSON numbers are json.Number in Vault); booleans are not', () => {
    const kv = mount('kv', 'secret/', 'secret');
    const e: AuditEvent = {
      request: requestOn(kv, 'update', 'data/app', { options: { cas: 0 }, data: { port: 8080, on: true } }),
      mount: kv,
    };
    const entry = line(formatRequest(e, ctx()));
    expect(entry['request']['data']).toEqual({ options: { cas: H('0') }, data: { port: H('8080'), on: true } });
    // kv is not built into the Vault binary, so no running version is claimed.
    expect(entry['request']['mount_running_version']).toBeUndefined();
  });

  it('elide_list_responses replaces keys with their count on list operations', () => {
    const kv = mount('kv', 'secret/', 'secret');
    const e: AuditEvent = {
      request: requestOn(kv, 'list', 'metadata/', null),
      mount: kv,
      response: { data: { keys: ['a', 'b/'] } },
      envelope: { request_id: 'r', data: { keys: ['a', 'b/'] } },
    };
    expect(line(formatResponse(e, ctx({ elideListResponses: true })))['response']['data']).toEqual({ keys: 2 });
    expect(line(formatResponse(e, ctx()))['response']['data']).toEqual({ keys: [H('a'), H('b/')] });
  });

  it('audited headers: defaults only, lower-cased, as lists; HMAC-ed when configured', () => {
    const headers = new AuditedHeaders();
    headers.set('X-Correlation-Id', true);
    const e: AuditEvent = {
      request: requestOn(APPROLE, 'update', 'login', null, {
        headers: { 'User-Agent': 'curl/8.5', 'x-correlation-id': 'abc', 'x-other': 'no' },
      }),
      mount: APPROLE,
    };
    const entry = line(formatRequest(e, { ...ctx(), headers }));
    expect(entry['request']['headers']).toEqual({ 'user-agent': ['curl/8.5'], 'x-correlation-id': [H('abc')] });
    // The header config applies before formatting, so log_raw does not undo a header's HMAC.
    const raw = line(formatRequest(e, { ...ctx({ raw: true }), headers }));
    expect(raw['request']['headers']['x-correlation-id']).toEqual([H('abc')]);
  });
});

describe('other response shapes', () => {
  it('sys/wrapping/unwrap audits the unwrapped response (numbers from JSON are HMAC-ed)', () => {
    const sys = mount('system', 'sys/', 'secret');
    const original = {
      request_id: 'orig',
      lease_id: '',
      data: { secret_id: SECRET_ID, secret_id_ttl: 0 },
      wrap_info: null,
      warnings: null,
      auth: null,
    };
    const e: AuditEvent = {
      request: requestOn(sys, 'update', 'wrapping/unwrap', null, { clientToken: 'hvs.wrap' }),
      mount: sys,
      response: { raw: { status: 200, body: original } },
      envelope: original,
    };
    const entry = line(formatResponse(e, ctx()));
    expect(entry['response']['data']).toEqual({ secret_id: H(SECRET_ID), secret_id_ttl: H('0') });
    expect(entry['request']['client_token']).toBe(H('hvs.wrap'));
  });

  it('raw (RespondWithStatusCode) answers carry the HTTP parts in data', () => {
    const kv = mount('kv', 'secret/', 'secret');
    const body = { data: null, errors: [] };
    const e: AuditEvent = {
      request: requestOn(kv, 'read', 'data/x', null),
      mount: kv,
      response: { raw: { status: 404, body } },
      envelope: body,
    };
    expect(line(formatResponse(e, ctx()))['response']['data']).toEqual({
      http_content_type: H('application/json'),
      http_raw_body: H(JSON.stringify(body)),
      http_status_code: 404,
    });
  });

  it('a thrown error leaves only the mount fields in response, with the outer error on top', () => {
    const kv = mount('kv', 'secret/', 'secret');
    const e: AuditEvent = {
      request: requestOn(kv, 'read', 'data/x', null),
      mount: kv,
      response: null,
      envelope: { errors: ['x'] },
      outerError: '1 error occurred:\n\t* permission denied\n\n',
    };
    const entry = line(formatResponse(e, ctx()));
    expect(entry['error']).toBe('1 error occurred:\n\t* permission denied\n\n');
    expect(entry['response']).toEqual({
      mount_accessor: 'kv_0a1b2c3d',
      mount_class: 'secret',
      mount_point: 'secret/',
      mount_type: 'kv',
    });
  });

  it('lease ids appear as response.secret.lease_id', () => {
    const kv = mount('kv', 'secret/', 'secret');
    const e: AuditEvent = {
      request: requestOn(kv, 'read', 'creds/x', null),
      mount: kv,
      response: { data: { u: 'v' }, leaseId: 'secret/creds/x/abc' },
      envelope: { request_id: 'r', lease_id: 'secret/creds/x/abc', data: { u: 'v' } },
    };
    expect(line(formatResponse(e, ctx()))['response']['secret']).toEqual({ lease_id: 'secret/creds/x/abc' });
  });
});

describe('serialisation', () => {
  it("keeps Vault's field order, sorts map keys and escapes HTML characters like Go", () => {
    const kv = mount('kv', 'secret/', 'secret');
    const e: AuditEvent = {
      request: requestOn(kv, 'update', 'data/x', { zeta: '1', alpha: '2' }),
      mount: kv,
      outerError: 'a <b> & c',
    };
    const text = serializeEntry(formatRequest(e, ctx({ raw: true })), DEFAULT_FORMATTER_CONFIG);
    expect(text.startsWith('{"auth":{')).toBe(true);
    expect(text).toContain('"error":"a \\u003cb\\u003e \\u0026 c"');
    expect(text.indexOf('"alpha"')).toBeLessThan(text.indexOf('"zeta"'));
    expect(text.endsWith(`"time":"${TIME}","type":"request"}\n`)).toBe(true);
  });

  it('prefix goes before every entry; jsonx has no newline', () => {
    const probe = formatTestProbe('id-1', TIME);
    expect(serializeEntry(probe, { ...DEFAULT_FORMATTER_CONFIG, prefix: 'AUDIT:' })).toBe(
      `AUDIT:{"auth":{"token_type":"default"},"request":{"id":"id-1","namespace":{"id":"root"},"operation":"update","path":"sys/audit/test"},"time":"${TIME}","type":"request"}\n`,
    );
    expect(serializeEntry(probe, { ...DEFAULT_FORMATTER_CONFIG, format: 'jsonx' })).toBe(
      '<json:object name="auth"><json:string name="token_type">default</json:string></json:object>' +
        '<json:object name="request"><json:string name="id">id-1</json:string><json:object name="namespace"><json:string name="id">root</json:string></json:object>' +
        '<json:string name="operation">update</json:string><json:string name="path">sys/audit/test</json:string></json:object>' +
        `<json:string name="time">${TIME}</json:string><json:string name="type">request</json:string>`,
    );
  });
});
