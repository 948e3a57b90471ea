/**
 * Golden files. `UPDATE_GOLDEN=1 npx vitest run` rewrites them from the
 * current output (JSON formatted with the workspace's prettier settings, so
 * `prettier --check` stays clean); otherwise a difference fails the test.
 * Review the diff of test/golden/ before committing a regeneration.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const GOLDEN_DIR = fileURLToPath(new URL('../golden/', import.meta.url));
const updating = process.env['UPDATE_GOLDEN'] === '1';

async function update(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

function missing(name: string): never {
  throw new Error(`golden file test/golden/${name} is missing; run UPDATE_GOLDEN=1 npx vitest run to create it`);
}

/** Byte-exact comparison, for text whose bytes matter (policy HCL as Vault stores it). */
export async function expectGoldenText(name: string, actual: string): Promise<void> {
  const file = join(GOLDEN_DIR, name);
  if (updating) return update(file, actual);
  if (!existsSync(file)) missing(name);
  expect(actual, `test/golden/${name}`).toBe(await readFile(file, 'utf8'));
}

/** JSON compared by content and key order; whitespace is prettier's business. */
export async function expectGoldenJson(name: string, actual: unknown): Promise<void> {
  const file = join(GOLDEN_DIR, name);
  if (updating) {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return update(file, await prettier.format(JSON.stringify(actual), { ...options, filepath: file }));
  }
  if (!existsSync(file)) missing(name);
  const expected: unknown = JSON.parse(await readFile(file, 'utf8'));
  expect(JSON.stringify(actual, null, 2), `test/golden/${name}`).toBe(JSON.stringify(expected, null, 2));
}
