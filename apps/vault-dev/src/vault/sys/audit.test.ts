import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditBroker } from '../../audit/broker.js';
import { VaultError } from '../../sdk/errors.js';
import { FrameworkBackend, matchesSpecialPath } from '../../sdk/framework.js';
import type { Operation, RequestData } from '../../sdk/logical.js';
import { makeRequest } from '../../testing/backend-harness.js';
import { AUDIT_ROOT_PATHS, auditPaths } from './audit.js';

let dir: string;
let broker: AuditBroker;
let backend: FrameworkBackend;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vault-dev-sys-audit-'));
  broker = new AuditBroker();
  backend = new FrameworkBackend('system', auditPaths(broker), { root: AUDIT_ROOT_PATHS });
});
afterEach(() => {
  broker.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (operation: Operation, path: string, data: RequestData | null = null) =>
  backend.handleRequest(makeRequest('sys/', operation, path, data));

describe('sys/audit endpoints', () => {
  it('enables a file device (204), lists it (sys/audit shape) and disables it (204)', async () => {
    const file = join(dir, 'audit.log');
    expect(
      await call('update', 'audit/file', { type: 'file', description: 'd', options: { file_path: file } }),
    ).toBeNull();
    expect(readFileSync(file, 'utf8')).toContain('"path":"sys/audit/test"');

    const listed = await call('read', 'audit');
    expect(listed?.data).toEqual({
      'file/': { type: 'file', description: 'd', options: { file_path: file }, local: false, path: 'file/' },
    });

    expect(await call('delete', 'audit/file')).toBeNull();
    expect((await call('read', 'audit'))?.data).toEqual({});
    // Disabling what is not there is a 204 too.
    expect(await call('delete', 'audit/file')).toBeNull();
  });

  it('answers enable errors as 400 with the message verbatim', async () => {
    await call('update', 'audit/file', { type: 'file', options: { file_path: join(dir, 'a.log') } });
    const dup = await call('update', 'audit/file', { type: 'file', options: { file_path: join(dir, 'b.log') } });
    expect(dup?.error).toEqual({ message: 'path already in use', status: 400 });
    const unknown = await call('update', 'audit/sock', { type: 'socket', options: { address: '127.0.0.1:9090' } });
    expect(unknown?.error?.message).toBe('unknown backend type: "socket"');
    const noType = await call('update', 'audit/x', { options: { file_path: join(dir, 'c.log') } });
    expect(noType?.error?.message).toBe('unknown backend type: ""');
  });

  it('audit-hash returns the device HMAC of the input', async () => {
    await call('update', 'audit/file', { type: 'file', options: { file_path: join(dir, 'a.log') } });
    const resp = await call('update', 'audit-hash/file', { input: 'my-secret-id' });
    expect(resp?.data).toEqual({ hash: broker.hash('file', 'my-secret-id') });
    expect((await call('update', 'audit-hash/file', { input: '' }))?.error?.message).toBe(
      'the "input" parameter is empty',
    );
    expect((await call('update', 'audit-hash/nope', { input: 'x' }))?.error?.message).toBe(
      'unknown audit backend "nope/"',
    );
  });

  it('GET sys/audit/:path is not an operation Vault has', async () => {
    await expect(call('read', 'audit/file')).rejects.toBeInstanceOf(VaultError);
    await expect(call('read', 'audit/file')).rejects.toMatchObject({ status: 405 });
  });

  it('needs sudo on sys/audit and sys/audit/*, not on sys/audit-hash/*', () => {
    expect(matchesSpecialPath(AUDIT_ROOT_PATHS, 'audit')).toBe(true);
    expect(matchesSpecialPath(AUDIT_ROOT_PATHS, 'audit/file')).toBe(true);
    expect(matchesSpecialPath(AUDIT_ROOT_PATHS, 'audit-hash/file')).toBe(false);
  });
});
