// Issue 9: `deployer secrets delete throwaway .. --yes` deleted the app, because the URL parser turned
// `/v1/apps/throwaway/secrets/..` into `/v1/apps/throwaway`. Every argument that becomes a path segment is now
// checked before any URL exists: each hostile value, in each place a command puts one, exits 1 and sends nothing.
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempHome } from './support/cli.js';
import { runInProcess } from './support/in-process.js';
import { startRecorder, type Recorder } from './support/recorder.js';

let home: string;
let api: Recorder;

beforeAll(async () => {
  home = await tempHome();
  api = await startRecorder();
});
afterEach(() => {
  api.requests.length = 0;
});
afterAll(async () => {
  await api.close();
  await rm(home, { recursive: true, force: true });
});

/** Values the WHATWG URL parser (or a server that decodes once more) would drop, climb with or split on. */
const HOSTILE = ['..', '.', '%2e%2e', '%2E%2e', '.%2e', '%2e', '%252e%252e', '../sys', 'a/b', '%2F', 'a\\b', '%5C'];

/** Every command and every place in it that becomes a path segment; `@` is where the hostile value goes. */
const PLACES: { argv: string[]; what: string }[] = [
  { argv: ['apps', 'show', '@'], what: 'app name' },
  { argv: ['apps', 'delete', '@', '--yes'], what: 'app name' },
  { argv: ['apps', 'update', '@', '--add-owner-group', 'g'], what: 'app name' },
  { argv: ['apps', 'dynamic', '@'], what: 'app name' },
  { argv: ['apps', 'dynamic', '@', '--database', 'p'], what: 'app name' },
  { argv: ['roleid', '@', '--cluster', 'aws.stg'], what: 'app name' },
  { argv: ['roleid', 'myapp', '--cluster', '@'], what: 'cluster name' },
  { argv: ['roleid', 'myapp', '--cluster', '@', '--no-ensure'], what: 'cluster name' },
  { argv: ['plan', '@', '--cluster', 'aws.stg'], what: 'app name' },
  { argv: ['plan', 'myapp', '--cluster', '@'], what: 'cluster name' },
  { argv: ['secret-id', '@', '--cluster', 'aws.stg'], what: 'app name' },
  { argv: ['secret-id-token', 'myapp', '--cluster', '@'], what: 'cluster name' },
  { argv: ['clusters', 'update', '@', '--controller', 'c'], what: 'cluster name' },
  { argv: ['clusters', 'delete', '@', '--yes'], what: 'cluster name' },
  { argv: ['secrets', 'set', 'myapp', '@'], what: 'secret key' },
  { argv: ['secrets', 'set', '@', 'KEY'], what: 'app name' },
  { argv: ['secrets', 'list', '@'], what: 'app name' },
  { argv: ['secrets', 'get', 'myapp', '@'], what: 'secret key' },
  { argv: ['secrets', 'get', 'myapp', '@', '--reveal'], what: 'secret key' },
  { argv: ['secrets', 'history', 'myapp', '@'], what: 'secret key' },
  { argv: ['secrets', 'rollback', 'myapp', '@', '--to', '1'], what: 'secret key' },
  { argv: ['secrets', 'delete', 'myapp', '@', '--yes'], what: 'secret key' },
  { argv: ['secrets', 'delete', '@', 'KEY', '--yes'], what: 'app name' },
  { argv: ['secrets', 'delete', '--scope', 'global', '@', '--yes'], what: 'secret key' },
  { argv: ['secrets', 'set', '--scope', 'project:@', 'KEY'], what: 'cloud name' },
  { argv: ['secrets', 'list', '--scope', 'cluster:@'], what: 'cluster name' },
];

const CASES = PLACES.flatMap((place) => HOSTILE.map((value) => ({ ...place, value })));

describe('a hostile path segment is refused before anything is sent', () => {
  // In-process (see support/in-process.ts): the full table in seconds.
  it.each(CASES)('$argv.0 $argv.1 with $value as the $what', async ({ argv, value, what }) => {
    const args = argv.map((a) => a.replace('@', value));
    const r = await runInProcess(args, { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: 'a-token' });
    expect(r.stderr).toContain(`${what} '${value}' is invalid: `);
    expect(r.code).toBe(1);
    expect(api.requests).toEqual([]);
  });

  // The binary itself, for the values of issue 9, in the command that lost an app.
  it.each(['..', '%2e%2e', 'a/b'])(
    'the binary: secrets delete throwaway %s --yes exits 1 and sends nothing',
    async (value) => {
      const r = await runCli(['secrets', 'delete', 'throwaway', value, '--yes'], {
        env: { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: 'a-token' },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`secret key '${value}' is invalid: `);
      expect(api.requests).toEqual([]);
    },
  );
});

describe('a secret value piped in never becomes an argument', () => {
  it('secrets set --scope global without a KEY is a usage error; the value is not read as the key', async () => {
    const r = await runCli(['secrets', 'set', '--scope', 'global'], {
      env: { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: 'a-token' },
      input: 'SUPERSECRET\n',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: give KEY\n');
    expect(r.stderr + r.stdout).not.toContain('SUPERSECRET');
    expect(api.requests).toEqual([]);
  });
});

describe('the same commands with ordinary values do reach the API', () => {
  it('secrets delete myapp OLD_KEY sends DELETE /v1/apps/myapp/secrets/OLD_KEY, and nothing else', async () => {
    const api = await startRecorder();
    try {
      const r = await runCli(['secrets', 'delete', 'myapp', 'OLD_KEY', '--yes'], {
        env: { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: 'a-token' },
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('Deleted OLD_KEY of app myapp.\n');
      expect(api.requests.map((q) => `${q.method} ${q.url}`)).toEqual(['DELETE /v1/apps/myapp/secrets/OLD_KEY']);
    } finally {
      await api.close();
    }
  });

  it('names what is wrong in a line a person reads, and --json carries the same', async () => {
    const api = await startRecorder();
    try {
      const env = { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: 'a-token' };
      const text = await runCli(['secrets', 'delete', 'throwaway', '..', '--yes'], { env });
      expect(text.stderr).toBe(
        "Error: secret key '..' is invalid: it may contain only letters, digits and _, and may not start with a digit\n",
      );
      const json = await runCli(['apps', 'show', '..', '--json'], { env });
      expect(json.code).toBe(1);
      expect(json.json()).toMatchObject({
        status: 1,
        code: 'validation',
        message: `app name '..' is invalid: it may contain only lowercase letters, digits and "-"`,
      });
      expect(api.requests).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
