// Google groups as a groups source, end to end through Google's own client libraries (@googleapis/admin,
// google-auth-library) against a local stand-in of the token endpoint and the Directory API. Nothing leaves
// 127.0.0.1: a guard under node:net fails any other connection, and every test checks it saw none.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGroupsSource, GroupsUnavailableError } from '../src/auth/groups/index.js';
import type { GroupsSource, GroupsSourceDeps, TGroupsSourceInput } from '../src/auth/groups/index.js';
import {
  forbidNonLoopbackConnections,
  newServiceAccountKeyPair,
  startGoogleDirectoryStandIn,
} from './support/google-directory-stand-in.js';
import type { GoogleDirectoryStandIn, LoopbackGuard } from './support/google-directory-stand-in.js';

const GROUP_READONLY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.group.readonly';

let google: GoogleDirectoryStandIn;
let guard: LoopbackGuard;
let dir: string;
let keyFile: string;
let userCounter = 0;

/** A fresh user of example.com (tests share one stand-in, so each uses its own users). */
function newUser(groups: string[] = []): string {
  const email = `person${++userCounter}@example.com`;
  google.addUser(email, groups);
  return email;
}

function source(overrides: Partial<TGroupsSourceInput> = {}, deps?: GroupsSourceDeps): GroupsSource {
  return createGroupsSource(
    {
      type: 'google-directory',
      credentialsFile: keyFile,
      delegatedSubject: google.adminEmail,
      domain: 'example.com',
      rootUrl: google.rootUrl,
      ...overrides,
    },
    deps,
  );
}

const verified = (email: string) => ({ subject: `google-${email}`, email, emailVerified: true });
const callsFor = (email: string) => google.groupsRequests.filter((u) => u === email).length;

async function unavailable(promise: Promise<unknown>): Promise<GroupsUnavailableError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GroupsUnavailableError);
  const error = err as GroupsUnavailableError;
  // Whatever failed, the message is safe to log: no access token, no key material.
  expect(error.message).not.toMatch(/ya29\.|PRIVATE KEY|Bearer /);
  return error;
}

beforeAll(async () => {
  guard = forbidNonLoopbackConnections();
  google = await startGoogleDirectoryStandIn({ pageSize: 2 });
  dir = mkdtempSync(join(tmpdir(), 'google-groups-'));
  keyFile = google.writeKeyFile(dir);
});

afterEach(() => {
  for (const key of Object.keys(google.faults)) delete google.faults[key as keyof typeof google.faults];
  expect(guard.attempts.splice(0), 'a request tried to leave 127.0.0.1').toEqual([]);
});

afterAll(async () => {
  await google?.close();
  guard?.restore();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('groups of a Google user', () => {
  it("are the email addresses of every group the user is directly in, read across all of the Directory's pages", async () => {
    const groups = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com'];
    const user = newUser(groups);
    expect([...(await source().groupsOf(verified(user)))].sort()).toEqual(groups);
    expect(callsFor(user)).toBe(3); // pages of 2, 2 and 1
  });

  it('are read with a token from the key file’s token_uri, impersonating the delegated admin with the read-only groups scope', async () => {
    const before = google.tokenRequests.count;
    await source().groupsOf(verified(newUser(['x@example.com'])));
    expect(google.tokenRequests.count).toBe(before + 1);
    expect(google.tokenRequests.granted.at(-1)).toEqual({ sub: google.adminEmail, scope: GROUP_READONLY_SCOPE });
  });

  it('include only direct memberships: a member of eng@ (itself in staff@) gets eng@, not staff@', async () => {
    google.addGroup('eng@example.com', ['staff@example.com']);
    const user = newUser(['eng@example.com']);
    expect(await source().groupsOf(verified(user))).toEqual(['eng@example.com']);
  });

  it('match the address case-insensitively and come back lower-case', async () => {
    const user = newUser(['Platform-Admins@Example.com']);
    expect(await source().groupsOf(verified(user.toUpperCase()))).toEqual(['platform-admins@example.com']);
  });

  it('share one token across concurrent lookups of different users', async () => {
    const groups = source();
    const before = google.tokenRequests.count;
    const users = Array.from({ length: 10 }, () => newUser(['t@example.com']));
    const results = await Promise.all(users.map((u) => groups.groupsOf(verified(u))));
    expect(results).toEqual(users.map(() => ['t@example.com']));
    expect(google.tokenRequests.count).toBe(before + 1);
  });
});

describe('who is looked up', () => {
  it('a verified email outside the configured domain has no groups, and the Directory is not asked', async () => {
    const before = google.groupsRequests.length;
    expect(await source().groupsOf(verified('someone@other.example'))).toEqual([]);
    expect(await source().groupsOf(verified('someone@sub.example.com'))).toEqual([]);
    expect(google.groupsRequests.length).toBe(before);
  });

  it('an unverified or missing email has no groups, even in the domain, and the Directory is not asked', async () => {
    const user = newUser(['g@example.com']);
    const groups = source();
    expect(await groups.groupsOf({ subject: 's', email: user, emailVerified: false })).toEqual([]);
    expect(await groups.groupsOf({ subject: 's', email: user })).toEqual([]);
    expect(await groups.groupsOf({ subject: 's', emailVerified: true })).toEqual([]);
    expect(await groups.groupsOf({ subject: 's', email: 'not an address', emailVerified: true })).toEqual([]);
    expect(callsFor(user)).toBe(0);
  });

  it('without a domain, any verified email is looked up; one the Directory does not know has no groups', async () => {
    const groups = source({ domain: undefined });
    expect(await groups.groupsOf(verified('stranger@other.example'))).toEqual([]);
    expect(callsFor('stranger@other.example')).toBe(1);
  });
});

describe('caching', () => {
  it('two lookups of one user within the TTL make one Directory call', async () => {
    const user = newUser(['cached@example.com']);
    const groups = source();
    expect(await groups.groupsOf(verified(user))).toEqual(['cached@example.com']);
    expect(await groups.groupsOf(verified(user))).toEqual(['cached@example.com']);
    expect(callsFor(user)).toBe(1);
  });

  it('a cached entry is read again from the Directory once its TTL has passed', async () => {
    let now = 1_000_000;
    const groups = source({ cacheTtlSeconds: 60 }, { now: () => now });
    const user = newUser(['ttl@example.com']);
    await groups.groupsOf(verified(user));
    now += 59_999;
    await groups.groupsOf(verified(user));
    expect(callsFor(user)).toBe(1);
    google.addUser(user, ['ttl-new@example.com']);
    now += 2;
    expect([...(await groups.groupsOf(verified(user)))].sort()).toEqual(['ttl-new@example.com', 'ttl@example.com']);
    expect(callsFor(user)).toBe(2);
  });

  it('holds at most maxCacheEntries users, dropping the least recently used', async () => {
    const groups = source({ maxCacheEntries: 2 });
    const [a, b, c] = [newUser(), newUser(), newUser()];
    await groups.groupsOf(verified(a));
    await groups.groupsOf(verified(b));
    await groups.groupsOf(verified(a)); // a is now more recent than b
    await groups.groupsOf(verified(c)); // evicts b
    await groups.groupsOf(verified(a));
    await groups.groupsOf(verified(c));
    expect([callsFor(a), callsFor(b), callsFor(c)]).toEqual([1, 1, 1]);
    await groups.groupsOf(verified(b));
    expect(callsFor(b)).toBe(2);
  });

  it('100 concurrent requests for one uncached user make one Directory call', async () => {
    google.faults.groupsDelayMs = 50;
    const user = newUser(['flight@example.com']);
    const groups = source();
    const results = await Promise.all(Array.from({ length: 100 }, () => groups.groupsOf(verified(user))));
    expect(new Set(results.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify(['flight@example.com'])]));
    expect(callsFor(user)).toBe(1);
  });

  it('a user the Directory does not know (404) is remembered for the negative TTL, then asked about again', async () => {
    let now = 5_000_000;
    const groups = source({ negativeCacheTtlSeconds: 30 }, { now: () => now });
    const ghost = `ghost${++userCounter}@example.com`;
    expect(await groups.groupsOf(verified(ghost))).toEqual([]);
    now += 29_000;
    expect(await groups.groupsOf(verified(ghost))).toEqual([]);
    expect(callsFor(ghost)).toBe(1);
    google.addUser(ghost, ['joined@example.com']);
    now += 1_001;
    expect(await groups.groupsOf(verified(ghost))).toEqual(['joined@example.com']);
    expect(callsFor(ghost)).toBe(2);
  });
});

describe('failure is closed: an unanswerable lookup is an error, never "no groups"', () => {
  it('a Directory 500 is GroupsUnavailableError, is not cached, and the next lookup succeeds once it heals', async () => {
    const user = newUser(['heal@example.com']);
    const groups = source();
    google.faults.groupsStatus = 500;
    const err = await unavailable(groups.groupsOf(verified(user)));
    expect(err.message).toContain('HTTP 500');
    await unavailable(groups.groupsOf(verified(user)));
    expect(callsFor(user)).toBe(2); // no retries inside a lookup, and the failure was not cached
    delete google.faults.groupsStatus;
    expect(await groups.groupsOf(verified(user))).toEqual(['heal@example.com']);
  });

  it('a Directory that does not answer within timeoutMs is GroupsUnavailableError after timeoutMs, not later', async () => {
    google.faults.groupsDelayMs = 2_000;
    const started = Date.now();
    const err = await unavailable(source({ timeoutMs: 200 }).groupsOf(verified(newUser())));
    expect(err.message).toContain('no answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a token endpoint that does not answer within timeoutMs is GroupsUnavailableError', async () => {
    google.faults.tokenDelayMs = 2_000;
    const started = Date.now();
    await unavailable(source({ timeoutMs: 200 }).groupsOf(verified(newUser())));
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a failing token endpoint is GroupsUnavailableError naming the token endpoint', async () => {
    google.faults.tokenStatus = 503;
    const before = google.tokenRequests.count;
    const err = await unavailable(source().groupsOf(verified(newUser())));
    expect(err.message).toMatch(/token endpoint http:\/\/127\.0\.0\.1:\d+ answered HTTP 503/);
    expect(google.tokenRequests.count).toBe(before + 1); // no retries behind the caller's back
  });

  it('a key the token endpoint does not accept (wrong private key) is GroupsUnavailableError', async () => {
    const stranger = google.writeKeyFile(dir, { privateKey: newServiceAccountKeyPair().privateKeyPem, name: 'x.json' });
    const err = await unavailable(source({ credentialsFile: stranger }).groupsOf(verified(newUser())));
    expect(err.message).toContain('invalid_grant');
  });

  it('a delegated subject who is not an admin gets 403 from the Directory: GroupsUnavailableError', async () => {
    const notAdmin = newUser();
    const user = newUser(['g@example.com']);
    const err = await unavailable(source({ delegatedSubject: notAdmin }).groupsOf(verified(user)));
    expect(err.message).toContain('HTTP 403');
    expect(err.message).toContain('Not Authorized to access this resource/api');
  });

  it('a service account whose delegation lacks the groups scope is refused a token: GroupsUnavailableError', async () => {
    const other = await startGoogleDirectoryStandIn({
      delegatedScopes: ['https://www.googleapis.com/auth/admin.directory.user.readonly'],
    });
    try {
      const otherKey = other.writeKeyFile(dir, { name: 'other.json' });
      const groups = source({ credentialsFile: otherKey, rootUrl: other.rootUrl, delegatedSubject: other.adminEmail });
      const err = await unavailable(groups.groupsOf(verified('someone@example.com')));
      expect(err.message).toContain('unauthorized_client');
    } finally {
      await other.close();
    }
  });

  it('a Directory that cannot be reached at all is GroupsUnavailableError', async () => {
    const other = await startGoogleDirectoryStandIn();
    const otherKey = other.writeKeyFile(dir, { name: 'gone.json' });
    await other.close();
    await unavailable(source({ credentialsFile: otherKey, rootUrl: other.rootUrl }).groupsOf(verified(newUser())));
  });
});

describe('configuration', () => {
  it('a missing credentials file stops creation with a message naming the file', () => {
    expect(() => source({ credentialsFile: join(dir, 'nope.json') })).toThrow(
      `service-account key file ${join(dir, 'nope.json')} cannot be read (ENOENT)`,
    );
  });

  it('a key file that is not a service-account key is refused without echoing its content', () => {
    const path = join(dir, 'bad.json');
    const secretLooking = newServiceAccountKeyPair().privateKeyPem;
    writeFileSync(path, JSON.stringify({ type: 'authorized_user', private_key: secretLooking.slice(0, 40) }));
    let message = '';
    try {
      source({ credentialsFile: path });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`service-account key file ${path} is not usable`);
    expect(message).toContain('"type" must be "service_account"');
    expect(message).toContain('"client_email" is missing');
    expect(message).not.toContain('PRIVATE KEY');
  });

  it('a key file whose token_uri is plain http to a non-loopback host is refused', () => {
    const path = google.writeKeyFile(dir, {
      name: 'http.json',
      fields: { token_uri: 'http://tokens.example.com/token' },
    });
    expect(() => source({ credentialsFile: path })).toThrow('"token_uri" must be an https URL');
  });

  it('an invalid groupsSource is refused with the field problems', () => {
    expect(() =>
      createGroupsSource({ type: 'google-directory', credentialsFile: keyFile, delegatedSubject: 'nobody' }),
    ).toThrow('invalid groupsSource: delegatedSubject must be the email address of the Workspace admin to impersonate');
  });
});
