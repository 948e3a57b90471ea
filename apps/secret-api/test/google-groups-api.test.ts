// Google groups through the API: an issuer whose ID tokens carry no groups (like Google's) gets its users'
// groups from the Directory (the local stand-in, through Google's own client library), and a directory that
// cannot answer is a 503 groups_unavailable — never a caller without groups.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalIssuer } from '../src/auth/local-issuer.js';
import {
  forbidNonLoopbackConnections,
  startGoogleDirectoryStandIn,
  type GoogleDirectoryStandIn,
  type LoopbackGuard,
} from './support/google-directory-stand-in.js';
import { AUDIENCE, startStack, type Stack } from './support/stack.js';

const ADMINS = 'platform-admins@example.com';
let google: GoogleDirectoryStandIn;
let guard: LoopbackGuard;
let googleIssuer: LocalIssuer;
let stack: Stack;
let dir: string;

const idToken = (email: string, verified = true) =>
  googleIssuer.sign({ sub: `1000${email.length}`, email, email_verified: verified } as never);

beforeAll(async () => {
  guard = forbidNonLoopbackConnections();
  google = await startGoogleDirectoryStandIn();
  dir = mkdtempSync(join(tmpdir(), 'google-api-'));
  const keyFile = google.writeKeyFile(dir);
  googleIssuer = await LocalIssuer.create({
    issuer: 'https://accounts.google.test',
    audience: AUDIENCE,
    dir: join(dir, 'iss'),
  });
  const issuer = {
    ...googleIssuer.issuerConfig(),
    groupsRequired: false,
    groupsSource: {
      type: 'google-directory',
      credentialsFile: keyFile,
      delegatedSubject: google.adminEmail,
      domain: 'example.com',
      rootUrl: google.rootUrl,
    },
  };
  stack = await startStack('google_groups', { env: { AUTH_ISSUERS: JSON.stringify([issuer]), ADMIN_GROUPS: ADMINS } });
  google.addUser('alice@example.com', [ADMINS]);
  google.addUser('bob@example.com', ['team@example.com']);
});
afterAll(async () => {
  await stack?.close();
  await google?.close();
  guard?.restore();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an issuer with a Google Directory groups source', () => {
  it("gives a user the Directory's groups: an admin by group can create an app", async () => {
    const alice = stack.client.as(await idToken('alice@example.com'));
    expect((await alice.get('/v1/whoami')).body).toMatchObject({ groups: [ADMINS], admin: true });
    expect((await alice.post('/v1/apps', { name: 'myapp', ownerGroups: ['team@example.com'] })).status).toBe(201);
  });

  it('makes a member of an owner group an owner, and nobody else', async () => {
    const bob = stack.client.as(await idToken('bob@example.com'));
    expect((await bob.get('/v1/apps/myapp/secrets')).status).toBe(200);
    const eve = stack.client.as(await idToken('eve@example.com'));
    expect((await eve.get('/v1/apps/myapp/secrets')).status).toBe(403);
  });

  it('looks up no one whose email is unverified', async () => {
    const before = google.groupsRequests.length;
    const unverified = stack.client.as(await idToken('alice@example.com', false));
    expect((await unverified.get('/v1/whoami')).body).toMatchObject({ groups: [], admin: false });
    expect(google.groupsRequests.length).toBe(before);
  });

  it('answers 503 groups_unavailable while the Directory fails, and recovers without a restart', async () => {
    google.faults.groupsStatus = 500;
    const carol = stack.client.as(await idToken('carol@example.com'));
    const reply = await carol.get('/v1/whoami');
    expect(reply.status).toBe(503);
    expect(reply.body.type).toBe('urn:secret-api:problem:groups_unavailable');
    delete google.faults.groupsStatus;
    expect((await carol.get('/v1/whoami')).status).toBe(200);
  });

  it('never tried to leave 127.0.0.1', () => {
    expect(guard.attempts).toEqual([]);
  });
});
