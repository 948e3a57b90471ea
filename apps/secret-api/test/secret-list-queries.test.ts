/**
 * Listing an app's secrets checks every key's history against Vault (repair's guarantee), yet the
 * common case — nothing to repair — costs one history statement for all keys, not one per key: a
 * list of hundreds of keys dominated the mixed load that way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let owner: ApiClient;
let recording: string[] | undefined;
const KEYS = 30;

beforeAll(async () => {
  stack = await startStack('secret_list_queries', { onDatabaseQuery: (sql) => recording?.push(sql) });
  const admin = await stack.admin();
  expect((await admin.post('/v1/apps', { name: 'listapp', ownerGroups: ['team-list'] })).status).toBe(201);
  owner = await stack.as('owner@list.example', ['team-list']);
  for (let i = 0; i < KEYS; i++) {
    expect((await owner.put(`/v1/apps/listapp/secrets/K${i}`, { value: `v-${i}` })).status).toBe(200);
  }
});
afterAll(async () => stack?.close());

/** The statements that touched the history table while `work` ran. */
async function historyStatementsOf(work: () => Promise<void>): Promise<string[]> {
  recording = [];
  try {
    await work();
    return recording.filter((sql) => sql.includes('secret_versions'));
  } finally {
    recording = undefined;
  }
}

describe('listing secrets', () => {
  it(`lists ${KEYS} keys with their versions and authors from one history statement`, async () => {
    let items: { key: string; version: number; updatedBy: string }[] = [];
    const statements = await historyStatementsOf(async () => {
      const list = await owner.get('/v1/apps/listapp/secrets');
      expect(list.status, list.text).toBe(200);
      items = list.body.items;
    });
    expect(items).toHaveLength(KEYS);
    expect(items.every((i) => i.version === 1 && i.updatedBy === 'owner@list.example')).toBe(true);
    expect(statements).toHaveLength(1);
  });

  it('still repairs a key written outside the API, and records it as the next version by system', async () => {
    expect((await stack.vaultCall('POST', 'secret/data/listapp/K7', { data: { value: 'outside' } })).status).toBe(200);
    const list = await owner.get('/v1/apps/listapp/secrets');
    expect(list.status, list.text).toBe(200);
    const k7 = (list.body.items as { key: string; version: number; updatedBy: string }[]).find((i) => i.key === 'K7');
    expect(k7).toMatchObject({ version: 2, updatedBy: 'system' });
    // Repaired once: the next list is the common case again.
    const statements = await historyStatementsOf(async () => {
      expect((await owner.get('/v1/apps/listapp/secrets')).status).toBe(200);
    });
    expect(statements).toHaveLength(1);
  });
});
