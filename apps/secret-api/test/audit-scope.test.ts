/**
 * Whose events an owner reads, and in what form. An app deleted and created again under the same name is another
 * app: its new owners read its events from its creation on, not its predecessor's (key names, actors, denials).
 * A denied request is recorded with its target in the form every other event uses (`apps/myapp/...`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;

type Event = { action: string; target: string; result: string; actor: string };
const events = async (client: ApiClient, query = '') => (await client.get(`/v1/audit${query}`)).body.items as Event[];

beforeAll(async () => {
  stack = await startStack('audit_scope');
  admin = await stack.admin();
});
afterAll(async () => stack?.close());

describe('an app name used again', () => {
  it("its new owners read none of the old app's events, filtered or not; an admin reads both", async () => {
    expect((await admin.post('/v1/apps', { name: 'reused', ownerGroups: ['team-b'] })).status).toBe(201);
    expect((await admin.put('/v1/apps/reused/secrets/OLD_SECRET_NAME', { value: 'x' })).status).toBe(200);
    const mallory = await stack.as('mallory@example.com', ['elsewhere']);
    expect((await mallory.delete('/v1/apps/reused/secrets/OLD_SECRET_NAME')).status).toBe(403);
    expect((await admin.delete('/v1/apps/reused')).status).toBe(204);

    await stack.tokensOfDeletedNamesExpired();
    expect((await admin.post('/v1/apps', { name: 'reused', ownerGroups: ['team-a'] })).status).toBe(201);
    expect((await admin.put('/v1/apps/reused/secrets/NEW_SECRET', { value: 'y' })).status).toBe(200);
    const owner = await stack.as('olivia@example.com', ['team-a']);
    for (const seen of [await events(owner, '?app=reused'), await events(owner)]) {
      expect(seen.map((e) => e.target)).toContain('apps/reused/secrets/NEW_SECRET');
      expect(seen.map((e) => e.action)).toContain('app.create');
      expect(JSON.stringify(seen)).not.toContain('OLD_SECRET_NAME');
      expect(seen.map((e) => e.actor)).not.toContain('mallory@example.com');
    }
    const all = JSON.stringify(await events(admin, '?app=reused'));
    expect(all).toContain('OLD_SECRET_NAME');
    expect(all).toContain('NEW_SECRET');
  });
});

describe('a denied request', () => {
  it('is recorded with the target form of every other event, not the URL path', async () => {
    expect((await admin.post('/v1/apps', { name: 'shop', ownerGroups: ['team-shop'] })).status).toBe(201);
    const outsider = await stack.as('eve@example.com', ['elsewhere']);
    expect((await outsider.get('/v1/apps/shop/secrets/API_KEY')).status).toBe(403);
    expect((await outsider.get('/v1/apps/shop/secrets')).status).toBe(403);
    const denied = (await events(admin, '?app=shop')).filter((e) => e.result === 'denied');
    expect(denied.map((e) => e.target).sort()).toEqual(['apps/shop/secrets', 'apps/shop/secrets/API_KEY']);
  });
});
