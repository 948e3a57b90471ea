import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VaultError, errorResponse } from '../sdk/errors.js';
import type { Request } from '../sdk/logical.js';
import { makeRequest } from '../testing/backend-harness.js';
import { AuditBroker, AuditConfigError } from './broker.js';
import type { AuditEvent } from './types.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vault-dev-audit-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const readLines = (file: string): Json[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Json);

const SECRET_ID = '3b1f5d0e-7777-8888-9999-000011112222';

function login(secretId = SECRET_ID): Request {
  return makeRequest(
    'auth/approle/',
    'update',
    'login',
    { role_id: 'role-1', secret_id: secretId },
    { mountType: 'approle', mountAccessor: 'auth_approle_1', mountClass: 'auth' },
  );
}

function failedLogin(req: Request): AuditEvent {
  return {
    request: req,
    response: errorResponse('invalid role or secret ID', 400, { invalidCredentials: true }),
    envelope: { errors: ['invalid role or secret ID'] },
    outerError: 'invalid credentials',
  };
}

describe('AuditBroker with a file device', () => {
  it('creates the file with mode 0600, writes the test probe, then one line per entry as soon as it is logged', () => {
    const file = join(dir, 'audit.log');
    const broker = new AuditBroker();
    expect(broker.enabled()).toBe(false);
    broker.enable('file', { type: 'file', options: { file_path: file } });
    expect(broker.enabled()).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const probe = readLines(file);
    expect(probe).toHaveLength(1);
    expect(probe[0]).toMatchObject({
      type: 'request',
      auth: { token_type: 'default' },
      request: { operation: 'update', path: 'sys/audit/test', namespace: { id: 'root' } },
    });

    const req = login();
    broker.logRequest({ request: req });
    expect(readLines(file)).toHaveLength(2);
    broker.logResponse(failedLogin(req));
    const lines = readLines(file);
    expect(lines).toHaveLength(3);
    expect(lines[1]?.['request']['id']).toBe(req.id);
    expect(lines[2]?.['request']['id']).toBe(req.id);
    expect(lines[2]?.['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    broker.close();
  });

  it('hash() of a SecretID equals the value in the log, so a replayed SecretID can be found', () => {
    const file = join(dir, 'audit.log');
    const broker = new AuditBroker();
    broker.enable('file/', { type: 'file', options: { file_path: file } });

    // First use succeeds (logged elsewhere), the replay fails: both carry the same HMAC.
    const first = login();
    broker.logRequest({ request: first });
    const replay = login();
    broker.logRequest({ request: replay });
    broker.logResponse(failedLogin(replay));

    const hash = broker.hash('file', SECRET_ID);
    expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(broker.hash('file/', SECRET_ID)).toBe(hash);
    const hits = readLines(file).filter((l) => l['request']?.['data']?.['secret_id'] === hash);
    expect(hits.map((l) => [l['type'], l['request']['id']])).toEqual([
      ['request', first.id],
      ['request', replay.id],
      ['response', replay.id],
    ]);
    expect(hits[2]?.['error']).toBe('invalid credentials');
    expect(hits[2]?.['response']['data']['error']).toBe(broker.hash('file', 'invalid role or secret ID'));
    broker.close();
  });

  it('each device has its own salt, lost when the device is disabled and enabled again', () => {
    const broker = new AuditBroker();
    broker.enable('a', { type: 'file', options: { file_path: join(dir, 'a.log') } });
    broker.enable('b', { type: 'file', options: { file_path: join(dir, 'b.log') } });
    const a1 = broker.hash('a', 'x');
    expect(broker.hash('b', 'x')).not.toBe(a1);
    expect(broker.disable('a')).toBe(true);
    expect(broker.disable('a')).toBe(false);
    expect(() => broker.hash('a', 'x')).toThrow('unknown audit backend "a/"');
    broker.enable('a', { type: 'file', options: { file_path: join(dir, 'a.log') } });
    expect(broker.hash('a', 'x')).not.toBe(a1);
    broker.close();
  });

  it('lists devices as GET sys/audit shows them', () => {
    const broker = new AuditBroker();
    broker.enable('file', {
      type: 'file',
      description: 'main log',
      options: { file_path: join(dir, 'f.log'), hmac_accessor: 'false' },
      local: true,
    });
    expect(broker.list()).toEqual({
      'file/': {
        type: 'file',
        description: 'main log',
        options: { file_path: join(dir, 'f.log'), hmac_accessor: 'false' },
        local: true,
        path: 'file/',
      },
    });
    broker.close();
  });

  it("rejects what Vault rejects, with Vault's messages", () => {
    const broker = new AuditBroker();
    broker.enable('file', { type: 'file', options: { file_path: join(dir, 'f.log') } });
    const fails = (path: string, type: string, options: Record<string, string>): string => {
      try {
        broker.enable(path, { type, options });
      } catch (err) {
        expect(err).toBeInstanceOf(AuditConfigError);
        return (err as Error).message;
      }
      throw new Error('expected enable to fail');
    };
    expect(fails('file', 'file', { file_path: join(dir, 'g.log') })).toBe('path already in use');
    expect(fails('file/sub', 'file', { file_path: join(dir, 'g.log') })).toBe('path already in use');
    expect(fails('other', 'bogus', {})).toBe('unknown backend type: "bogus"');
    expect(fails('other', 'file', {})).toBe('"file_path" is required: invalid configuration');
    expect(fails('other', 'file', { file_path: join(dir, 'g.log'), format: 'xml' })).toBe(
      'unsupported "format": invalid configuration',
    );
    expect(fails('other', 'file', { file_path: join(dir, 'g.log'), log_raw: 'maybe' })).toBe(
      'unable to parse "log_raw": invalid configuration',
    );
    expect(fails('other', 'file', { file_path: join(dir, 'g.log'), filter: 'mount_type == kv' })).toBe(
      'enterprise-only options supplied: invalid configuration',
    );
    expect(fails('other', 'file', { file_path: join(dir, 'g.log'), mode: '9x' })).toContain(
      'unable to parse file mode',
    );
    expect(Object.keys(broker.list())).toEqual(['file/']);
    broker.close();
  });

  it('a path that cannot be opened fails the enable with the test-message error', () => {
    const broker = new AuditBroker();
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    expect(() => broker.enable('file', { type: 'file', options: { file_path: join(blocker, 'audit.log') } })).toThrow(
      /^audit backend failed test message: event\.\(FileSink\)\.Process: error writing file for sink: .*not a directory$/,
    );
    const asDir = join(dir, 'is-a-dir');
    mkdirSync(asDir);
    expect(() => broker.enable('file', { type: 'file', options: { file_path: asDir } })).toThrow(
      /open .*is-a-dir: is a directory$/,
    );
    expect(broker.enabled()).toBe(false);
  });

  it('honours mode, prefix, log_raw and the legacy "path" option', () => {
    const broker = new AuditBroker();
    const file = join(dir, 'm.log');
    broker.enable('file', {
      type: 'file',
      options: { path: file, mode: '0640', prefix: '@cee: ', log_raw: 'true', skip_test: 'true' },
    });
    // skip_test: no probe, so the file appears with the first entry (Vault opens it lazily).
    expect(existsSync(file)).toBe(false);
    broker.logRequest({ request: login() });
    expect(statSync(file).mode & 0o777).toBe(0o640);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('@cee: {"auth":')).toBe(true);
    expect(text).toContain(`"secret_id":"${SECRET_ID}"`);
    broker.close();
  });

  it('mode "0000" keeps the existing file mode', () => {
    const file = join(dir, 'keep.log');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const broker = new AuditBroker();
    broker.enable('file', { type: 'file', options: { file_path: file, mode: '0000' } });
    expect(statSync(file).mode & 0o777).toBe(0o644);
    broker.close();
  });

  it('stdout and discard devices', () => {
    const out: string[] = [];
    const broker = new AuditBroker({ stdout: (t) => out.push(t) });
    broker.enable('out', { type: 'file', options: { file_path: 'stdout' } });
    broker.enable('null', { type: 'file', options: { file_path: 'DISCARD' } });
    broker.logRequest({ request: login() });
    expect(out).toHaveLength(2); // the probe and the request
    expect(JSON.parse(out[1] as string)['request']['path']).toBe('auth/approle/login');
    expect(existsSync('DISCARD')).toBe(false);
    broker.close();
  });

  it('fails the request (500 internal error) only when no device could write', () => {
    const errors: string[] = [];
    const broker = new AuditBroker({ onDeviceError: (path) => errors.push(path) });
    const good = join(dir, 'good.log');
    const badDir = join(dir, 'bad');
    mkdirSync(badDir);
    const bad = join(badDir, 'bad.log');
    broker.enable('good', { type: 'file', options: { file_path: good } });
    broker.enable('bad', { type: 'file', options: { file_path: bad } });
    // Make the bad device's file unwritable: close its fd and replace the file with a directory.
    (broker as unknown as { devices: Map<string, { sink: { close(): void } }> }).devices.get('bad/')?.sink.close();
    rmSync(bad);
    mkdirSync(bad);

    broker.logRequest({ request: login() });
    expect(errors).toEqual(['bad/']);
    expect(readLines(good)).toHaveLength(2);

    broker.disable('good');
    let thrown: unknown;
    try {
      broker.logRequest({ request: login() });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(VaultError);
    expect((thrown as VaultError).message).toBe('internal error');
    expect((thrown as VaultError).status).toBe(500);
    broker.close();
  });

  it('jsonx devices write JSONx entries', () => {
    const file = join(dir, 'x.log');
    const broker = new AuditBroker();
    broker.enable('x', { type: 'file', options: { file_path: file, format: 'jsonx' } });
    expect(readFileSync(file, 'utf8')).toMatch(
      /^<json:object name="auth"><json:string name="token_type">default<\/json:string><\/json:object>.*<json:string name="type">request<\/json:string>$/,
    );
    broker.close();
  });
});
