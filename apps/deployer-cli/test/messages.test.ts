// What a person reads when something goes wrong: no API field paths, one line per field, the request id once,
// how to get a new token, the nearest command for a typo, and a plain sentence when they decline a question.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, runInTerminal, tempHome } from './support/cli.js';
import { runInProcess } from './support/in-process.js';
import { startRecorder, type Recorder, type Reply } from './support/recorder.js';

let home: string;
let api: Recorder;
/** What the recorder answers next, instead of the route's canned success. */
let next: Reply | undefined;

const problem = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  contentType: 'application/problem+json',
  body: { type: `urn:secret-api:problem:${code}`, title: code, status, detail, ...extra },
});

beforeAll(async () => {
  home = await tempHome();
  api = await startRecorder(() => next);
});
afterEach(() => {
  api.requests.length = 0;
  next = undefined;
});
afterAll(async () => {
  await api.close();
  await rm(home, { recursive: true, force: true });
});

const env = (): Record<string, string | undefined> => ({
  ...baseEnv(home),
  SECRET_API_URL: api.url,
  SECRET_API_TOKEN: 'a-token',
});

describe('a value typed on the command line', () => {
  it.each([
    [['secrets', 'set', 'myapp', 'DB_PASSWORD=hunter2']],
    [['secrets', 'set', '--scope', 'global', 'DB_PASSWORD=hunter2']],
    [['secrets', 'get', 'myapp', 'DB_PASSWORD=hunter2']],
  ])('deployer %j is refused (exit 1), not echoed, nothing sent', async (args) => {
    const r = await runInProcess(args, env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("secret key 'DB_PASSWORD=…' is invalid: a key cannot contain '='");
    expect(r.stdout + r.stderr).not.toContain('hunter2');
    expect(api.requests).toEqual([]);
  });
});

describe('API warnings', () => {
  it('are printed on stderr as kubectl prints them; the command still succeeds', async () => {
    next = {
      status: 201,
      body: {
        name: 'myapp',
        ownerGroups: ['g'],
        deployers: ['repo:*'],
        revealGroups: [],
        createdAt: '2026-01-02T03:04:05.000Z',
      },
      headers: {
        Warning: `299 - "deployer pattern 'repo:*' can never match a caller", 299 - "a \\"quoted\\" word"`,
      },
    };
    const r = await runInProcess(
      ['apps', 'create', 'myapp', '--owner-group', 'g', '--deployer', 'repo:*', '--json'],
      env(),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'myapp' });
    expect(r.stderr).toBe(
      "Warning: deployer pattern 'repo:*' can never match a caller\n" + 'Warning: a "quoted" word\n',
    );
  });
});

describe('API errors', () => {
  it('429 is exit 5 like a 5xx: worth retrying later, not a mistake in the call', async () => {
    next = problem(429, 'too_many_requests', 'slow down');
    const r = await runInProcess(['whoami', '--json'], env());
    expect(r.code).toBe(5);
  });

  it('a validation problem: one line per field, in the words of the CLI, no paths, the request id once', async () => {
    next = problem(400, 'validation', '3 fields are invalid', {
      requestId: 'req-42',
      errors: [
        { path: '/body/ownerGroups', message: 'ownerGroups must have at least 1 item' },
        { path: '/body/deployers/0', message: 'subject pattern must not be empty' },
        { path: '/body/deployers/0', message: 'subject pattern may contain only printable ASCII' },
      ],
    });
    const r = await runInProcess(['apps', 'create', 'myapp', '--owner-group', 'g'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      [
        'Error: 2 values are invalid:',
        '  - owner groups (--owner-group) must have at least 1 item',
        '  - subject pattern must not be empty',
        '(request id req-42)',
        '',
      ].join('\n'),
    );
  });

  it('a single-field problem reads as its message, without the field path of its detail', async () => {
    next = problem(400, 'validation', '/body/name: app name "x" is reserved', {
      requestId: 'req-43',
      errors: [{ path: '/body/name', message: 'app name "x" is reserved' }],
    });
    const text = await runInProcess(['apps', 'create', 'myapp', '--owner-group', 'g'], env());
    expect(text.stderr).toBe('Error: app name "x" is reserved\n(request id req-43)\n');
    next = problem(400, 'validation', '/body/name: app name "x" is reserved', { requestId: 'req-43' });
    const json = await runInProcess(['apps', 'create', 'myapp', '--owner-group', 'g', '--json'], env());
    expect(JSON.parse(json.stdout)).toMatchObject({ message: 'app name "x" is reserved', requestId: 'req-43' });
  });

  it('an internal error whose detail already names the request id names it once', async () => {
    next = problem(500, 'internal', 'internal error (request id req-44)', { requestId: 'req-44' });
    const r = await runInProcess(['apps', 'show', 'myapp'], env());
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('Error: internal error (request id req-44)\n');
  });

  it('a refused token from SECRET_API_TOKEN says to set a fresh one', async () => {
    next = problem(401, 'unauthenticated', 'the token has expired', { requestId: 'req-45' });
    const r = await runInProcess(['apps', 'list'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'Error: the token has expired\n' +
        'Get a new token: SECRET_API_TOKEN is set but refused; set it to a fresh token (or unset it and run `deployer login`).\n' +
        '(request id req-45)\n',
    );
  });

  it('a refused token saved by login says to log in again, also in --json', async () => {
    const dir = join(home, 'saved', 'deployer');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ apiUrl: api.url, token: 'old-token' }));
    const saved = { ...baseEnv(home), XDG_CONFIG_HOME: join(home, 'saved') };
    next = problem(401, 'unauthenticated', 'the token has expired');
    const r = await runInProcess(['whoami'], saved);
    expect(r.stderr).toContain('Get a new token: run `deployer login` (or set SECRET_API_TOKEN to a fresh token).');
    next = problem(401, 'unauthenticated', 'the token has expired');
    const json = await runInProcess(['whoami', '--json'], saved);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 2, hint: expect.stringContaining('deployer login') });
  });
});

describe('unknown commands', () => {
  it.each([
    [['secret', 'list', 'myapp'], "Error: 'secret list' is not a deployer command.\nDid you mean secrets list?"],
    [['roleids', 'myapp'], "Error: 'roleids' is not a deployer command.\nDid you mean roleid?"],
    [['sekrits', 'get', 'a', 'B'], "Error: 'sekrits get' is not a deployer command.\nDid you mean secrets get?"],
  ])('deployer %j suggests the nearest command, runs nothing and exits 1', async (argv, message) => {
    const r = await runCli(argv, { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${message}\nRun 'deployer --help' for every command.\n`);
    expect(api.requests).toEqual([]);
  });

  it.each([
    [['apps', 'updat', 'myapp'], "Error: 'deployer apps' has no such command.\nDid you mean apps update?"],
    [['secrets', 'lst', 'myapp'], "Error: 'deployer secrets' has no such command.\nDid you mean secrets list?"],
    [['secrets', 'hunter2'], "Error: 'deployer secrets' has no such command."],
  ])('deployer %j suggests only commands of the topic and repeats nothing after it', async (argv, message) => {
    const r = await runCli(argv, { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${message}\nRun 'deployer ${argv[0]} --help' for its commands.\n`);
    expect(r.stderr).not.toContain(`'${argv[1]}'`);
    expect(api.requests).toEqual([]);
  });

  it('suggests nothing for a word that is not near any command, and does not repeat it (it may be a token)', async () => {
    const r = await runInProcess(['frobnicate'], env());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: That is not a deployer command.\nRun 'deployer --help' for every command.\n");
  });

  it.each([
    [['secrets', 'set', 'myapp', 'KEY', '--value=hunter2'], 'Nonexistent flag: --value (the value given with it'],
    [['login', '--token=eyJsecret'], 'Nonexistent flag: --token (the value given with it'],
    [['secrets', 'set', 'myapp', 'KEY', '-phunter2'], 'Nonexistent flag: -p (the value given with it'],
  ])('deployer %j: an unknown flag is named without the value given with it', async (argv, message) => {
    const r = await runCli(argv, { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout + r.stderr).not.toMatch(/hunter2|eyJsecret/);
    const json = await runCli([...argv, '--json'], { env: env() });
    expect(json.stdout + json.stderr).not.toMatch(/hunter2|eyJsecret/);
    expect(api.requests).toEqual([]);
  });
});

describe('arguments in the wrong place are usage errors (exit 1) that run nothing and repeat no value', () => {
  it.each([
    [['secrets', '--json', 'set', 'myapp', 'KEY']],
    [['apps', '--yes', 'delete', 'myapp']],
    [['clusters', '--json', 'list']],
  ])('flags before the command: deployer %j', async (argv) => {
    const r = await runCli(argv, { env: env(), input: 'value' });
    expect(r.code).toBe(1);
    const message = argv.includes('--json') ? JSON.parse(r.stdout).message : r.stderr;
    expect(message).toContain(`'deployer ${argv[0]}' is a group of commands, not a command`);
    if (argv.includes('--json')) expect(JSON.parse(r.stdout)).toMatchObject({ status: 1, code: 'usage' });
    expect(api.requests).toEqual([]);
  });

  it.each([[['secrets']], [['secrets', '--help']], [['secrets', '-h']]])(
    'a topic alone, or asked for help, still lists its commands: deployer %j',
    async (argv) => {
      const r = await runCli(argv, { env: env() });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('secrets set');
    },
  );

  it('-h is --help, for the CLI and for a command', async () => {
    expect((await runCli(['-h'], { env: env() })).stdout).toContain('USAGE');
    const r = await runCli(['whoami', '-h'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Show who the Secret API takes you for');
    expect(api.requests).toEqual([]);
  });

  it.each([
    [['audit', 'myapp'], 'audit'],
    [['whoami', 'extra', '--json'], 'whoami'],
    [['login', 'eyJhbGciOiJFUzI1NiJ9.secret-token'], 'login'],
  ])('deployer %j: the command takes no arguments, and the argument is not echoed', async (argv, command) => {
    const r = await runCli(argv, { env: env() });
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toContain(`'deployer ${command}' takes no arguments, and 1 was given`);
    expect(out).not.toContain(argv[1]!);
    if (argv.includes('--json')) expect(JSON.parse(r.stdout)).toMatchObject({ code: 'usage' });
  });

  it('a secret typed on the command line is refused without being repeated', async () => {
    const r = await runCli(['secrets', 'set', 'myapp', 'KEY', 's3cretvalue'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 unexpected argument (not shown');
    expect(r.stdout + r.stderr).not.toContain('s3cretvalue');
    expect(api.requests).toEqual([]);
  });

  it('a flag first: deployer --json whoami', async () => {
    const r = await runCli(['--json', 'whoami'], { env: env() });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: 'usage', message: expect.stringContaining('flags go after') });
  });

  it("an integer flag's bad value is a usage error in --json too, on one line", async () => {
    const r = await runCli(['secrets', 'get', 'myapp', 'KEY', '--version', 'abc', '--json'], { env: env() });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      code: 'usage',
      message: '--version: Expected an integer but received: abc',
    });
  });

  it.each([
    ['a line break', 'tok\nsecond', 'contains a line break'],
    ['a space', 'tok en', 'contains a space'],
  ])('a token with %s is a usage error naming its source, not "unreachable"', async (_n, token, words) => {
    const r = await runCli(['whoami', '--json'], { env: { ...env(), SECRET_API_TOKEN: token } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).message).toBe(
      `the token from SECRET_API_TOKEN ${words}: a token is a single line with no spaces`,
    );
    expect(api.requests).toEqual([]);
  });
});

describe('declining a confirmation', () => {
  it.each([
    [
      ['secrets', 'delete', 'myapp', 'OLD_KEY'],
      'Delete OLD_KEY of app myapp, all versions? (y/N) ',
      'Nothing was deleted: OLD_KEY of app myapp is unchanged.',
    ],
    [
      ['secrets', 'delete', '--scope', 'global', 'OLD_KEY'],
      'Delete OLD_KEY of the global scope, all versions? (y/N) ',
      'Nothing was deleted: OLD_KEY of the global scope is unchanged.',
    ],
    [
      ['apps', 'delete', 'myapp'],
      'Delete app myapp, its Vault objects and all its secrets? (y/N) ',
      'Nothing was deleted: app myapp is unchanged.',
    ],
    [
      ['clusters', 'delete', 'aws.stg', '--force'],
      'Delete cluster aws.stg and every AppRole ensured in it? (y/N) ',
      'Nothing was deleted: cluster aws.stg is unchanged.',
    ],
    [
      ['secrets', 'get', 'myapp', 'KEY', '--reveal'],
      'Reveal the value of KEY of app myapp? (y/N) ',
      'The value was not revealed.',
    ],
  ])('deployer %j, answered n: a plain sentence, exit 1, nothing sent', async (argv, question, sentence) => {
    const r = await runInTerminal(argv, [{ waitFor: question, type: 'n\r' }], { env: env() });
    expect(r.output).toContain(sentence);
    expect(r.output).not.toContain('Error');
    expect(r.code).toBe(1);
    expect(api.requests).toEqual([]);
  });
});
