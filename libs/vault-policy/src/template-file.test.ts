import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateError } from './errors.js';
import { DEFAULT_TEMPLATE } from './template.js';
import { loadTemplateFile } from './template-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vault-policy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('POLICY_TEMPLATE_FILE', () => {
  it('loads an override file, filling in the defaults it does not mention', async () => {
    const path = await file('ok.json', JSON.stringify({ approle: { token_ttl: '1m', token_max_ttl: '10m' } }));
    const t = await loadTemplateFile(path);
    expect(t.approle.token_ttl).toBe(60);
    expect(t.approle.token_max_ttl).toBe(600);
    expect(t.readPolicy).toEqual(DEFAULT_TEMPLATE.readPolicy);
  });

  it('names the file and the field path of a bad value', async () => {
    const path = await file(
      'bad.json',
      JSON.stringify({ readPolicy: { rules: [{ path: '{kv}/data/../*', capabilities: ['read'] }] } }),
    );
    await expect(loadTemplateFile(path)).rejects.toThrow(
      `invalid policy template ${JSON.stringify(path)}: readPolicy.rules[0].path: must not contain "." or ".." segments`,
    );
  });

  it('reports a file that is not JSON', async () => {
    const path = await file('broken.json', '{ "approle": ');
    const err = await loadTemplateFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).source).toBe(path);
    expect((err as TemplateError).message).toMatch(/: not valid JSON: /);
  });

  it('reports a missing file without a stack of fs internals', async () => {
    const path = join(dir, 'missing.json');
    await expect(loadTemplateFile(path)).rejects.toThrow(
      `invalid policy template ${JSON.stringify(path)}: cannot read the file (ENOENT)`,
    );
  });

  it('refuses a file far larger than any template', async () => {
    const path = await file('huge.json', ' '.repeat(1024 * 1024 + 1));
    await expect(loadTemplateFile(path)).rejects.toThrow(/file is 1048577 bytes; at most 1048576/);
  });
});
