/**
 * The SQL the API sends has a fixed set of shapes, whatever the size of the data: Prisma compiles and keeps a plan
 * per query shape, so a statement whose text grows with the data (an `OR` term or an `IN` placeholder per element)
 * makes a new, larger plan for every size — the mixed-load benchmark's API grew by hundreds of MiB that way. Each
 * phase below runs the same requests at a different size; the larger one may not send a statement the smaller did
 * not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;
let recording: Set<string> | undefined;

beforeAll(async () => {
  stack = await startStack('query_shapes', { onDatabaseQuery: (sql) => recording?.add(sql) });
  admin = await stack.admin();
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: ['ctl'] })).status).toBe(201);
});
afterAll(async () => stack?.close());

/** Every SQL text sent while `work` runs. */
async function statementsOf(work: () => Promise<void>): Promise<Set<string>> {
  recording = new Set();
  try {
    await work();
    return recording;
  } finally {
    recording = undefined;
  }
}

/** The same requests for an app of `size` keys, owned by `size` groups, its hot key set `size` times, … */
async function phase(app: string, size: number): Promise<void> {
  const groups = Array.from({ length: size }, (_, i) => `team-${app}-${i}`);
  const created = await admin.post('/v1/apps', { name: app, ownerGroups: groups, revealGroups: [`${app}-reveal`] });
  expect(created.status, created.text).toBe(201);
  // The owner's first group owns `size` apps in all, so the audit list's "apps I own" has `size` names.
  for (let i = 1; i < size; i++) {
    expect((await admin.post('/v1/apps', { name: `${app}-x${i}`, ownerGroups: [groups[0]] })).status).toBe(201);
  }
  const owner = await stack.as(`owner@${app}.example`, groups);
  for (let i = 0; i < size; i++) {
    const set = await owner.put(`/v1/apps/${app}/secrets/K${i}`, { value: `v-${i}` });
    expect(set.status, set.text).toBe(200);
  }
  for (let i = 0; i < size; i++) {
    expect((await owner.put(`/v1/apps/${app}/secrets/HOT`, { value: `hot-${i}` })).status).toBe(200);
  }
  // A version written behind the API's back, so the list and the reads go through repair with `size` versions kept.
  expect((await stack.vaultCall('POST', `secret/data/${app}/HOT`, { data: { value: 'outside' } })).status).toBe(200);
  const list = await owner.get(`/v1/apps/${app}/secrets`);
  expect(list.status, list.text).toBe(200);
  expect(list.body.items).toHaveLength(size + 1);
  expect((await owner.get(`/v1/apps/${app}/secrets/HOT/versions?limit=${size}`)).status).toBe(200);
  expect((await owner.get(`/v1/apps/${app}/secrets/HOT`)).status).toBe(200);
  expect((await owner.get(`/v1/audit?app=${app}`)).status).toBe(200);
  expect((await owner.get('/v1/audit')).status).toBe(200);
  expect((await owner.get('/v1/apps')).status).toBe(200);
  const patched = await admin.patch(`/v1/apps/${app}`, { deployers: groups.map((g) => `repo:${g}:*`) });
  expect(patched.status, patched.text).toBe(200);
}

describe('query shapes', () => {
  it('a larger data set sends no statement a smaller one did not', async () => {
    const small = await statementsOf(() => phase('small', 2));
    const large = await statementsOf(() => phase('large', 24));
    const onlyLarge = [...large].filter((sql) => !small.has(sql));
    expect(onlyLarge).toEqual([]);
    expect(small.size).toBeGreaterThan(5);
  });
});
