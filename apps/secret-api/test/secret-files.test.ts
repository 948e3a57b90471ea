/** NAME_FILE: secrets read from mounted files, the way Docker and Kubernetes hand them over. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/env.js';
import { readSecretFiles } from '../src/config/secret-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secret-files-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

describe('NAME_FILE variables', () => {
  it('read the value from the file, without the trailing newline an editor adds', async () => {
    const env = await readSecretFiles({
      VAULT_ROLE_ID_FILE: await file('role_id', 'role-123\n'),
      VAULT_SECRET_ID_FILE: await file('secret_id', 'secret-456'),
      HISTORY_HMAC_KEY_FILE: await file('hmac', `${Buffer.alloc(32, 1).toString('base64')}\r\n`),
      VAULT_ADDR: 'http://vault:8200',
    });
    expect(env).toEqual({
      VAULT_ROLE_ID: 'role-123',
      VAULT_SECRET_ID: 'secret-456',
      HISTORY_HMAC_KEY: Buffer.alloc(32, 1).toString('base64'),
      VAULT_ADDR: 'http://vault:8200',
    });
  });

  it('refuse a variable given both ways, an unreadable or an empty file, naming NAME_FILE and never the value', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ VAULT_TOKEN: 'hvs.inline', VAULT_TOKEN_FILE: await file('t', 'hvs.file') }, /VAULT_TOKEN_FILE: set either/],
      [{ VAULT_SECRET_ID_FILE: join(dir, 'missing') }, /VAULT_SECRET_ID_FILE: cannot read .*missing \(ENOENT\)/],
      [{ VAULT_TOKEN_FILE: await file('empty', '\n') }, /VAULT_TOKEN_FILE: .*empty/],
    ];
    for (const [env, message] of cases) {
      const error = await readSecretFiles(env).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('hvs.');
    }
  });

  it('leave other variables alone', async () => {
    expect(await readSecretFiles({ DATABASE_URL_FILE: '/x', PORT: '1' })).toEqual({
      DATABASE_URL_FILE: '/x',
      PORT: '1',
    });
  });
});
