// `npx deployer` outside the repository ran an unrelated npm package (issue 9). The CLI installs on its own from
// its tarball, under our name, with nothing to fetch: `npm pack`, then `npm install --offline <tarball>` into an
// empty directory, then the installed binary, against a local server that records what it is sent.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv } from './support/cli.js';
import { startRecorder, type Recorder } from './support/recorder.js';

const run = promisify(execFile);
const CLI_ROOT = fileURLToPath(new URL('..', import.meta.url));

let work: string;
let project: string;
let tarball: string;
let packed: string[];
let api: Recorder;

/** npm as a user runs it: none of the npm_* settings of the npm/npx that started vitest (workspace, prefix...). */
function npmEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !e[0].toLowerCase().startsWith('npm_'),
    ),
  );
}

const deployer = (args: string[], env: Record<string, string | undefined> = {}) =>
  run(join(project, 'node_modules', '.bin', 'deployer'), args, {
    env: { ...baseEnv(work), ...env } as NodeJS.ProcessEnv,
    cwd: project,
  });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'deployer-package-'));
  api = await startRecorder();
  // --ignore-scripts: the global setup has just built the bundle and manifest that prepack would rebuild in place,
  // under the feet of the other test files running the binary at the same time.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: CLI_ROOT,
    env: npmEnv(),
  });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (info === undefined) throw new Error(`npm pack printed no package:\n${stdout}`);
  tarball = join(work, info.filename);
  packed = info.files.map((f) => f.path);
  project = join(work, 'project');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'a-ci-job', private: true }));
  // A fresh cache: whatever this machine's npm cache holds, the install may not use it (nor any registry).
  await run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(work, 'empty-npm-cache'), tarball],
    { cwd: project, env: npmEnv() },
  );
}, 120_000);
afterAll(async () => {
  await api?.close();
  await rm(work, { recursive: true, force: true });
});

describe('the packed deployer CLI', () => {
  it('is named @secret-api/deployer-cli and holds the binary, the bundle and the manifest, not the sources', () => {
    expect(tarball).toMatch(/secret-api-deployer-cli-\d+\.\d+\.\d+\.tgz$/);
    expect(packed).toEqual(
      expect.arrayContaining([
        'bin/run.js',
        'oclif.manifest.json',
        'dist/bundle/oclif.js',
        'dist/bundle/commands/secrets/delete.js',
        'dist/bundle/hooks/not-found.js',
      ]),
    );
    expect(packed.filter((p) => p.startsWith('src/') || p.startsWith('test/') || p.endsWith('.ts'))).toEqual([]);
  });

  it('installs offline with nothing else: no dependency, no workspace library to fetch', async () => {
    expect((await readdir(join(project, 'node_modules'))).sort()).toEqual([
      '.bin',
      '.package-lock.json',
      '@secret-api',
    ]);
    expect(await readdir(join(project, 'node_modules', '@secret-api'))).toEqual(['deployer-cli']);
  });

  it('answers --version and --help', async () => {
    const version = await deployer(['--version']);
    expect(version.stdout).toMatch(/^@secret-api\/deployer-cli\/\d+\.\d+\.\d+ /);
    const help = await deployer(['--help']);
    for (const word of ['apps', 'clusters', 'secrets', 'roleid', 'plan', 'health', 'secret-id']) {
      expect(help.stdout).toContain(word);
    }
  });

  it('runs a real command against an API, and refuses a hostile argument without sending it', async () => {
    const env = { SECRET_API_URL: api.url, SECRET_API_TOKEN: 'a-token' };
    const show = await deployer(['roleid', 'myapp', '--cluster', 'aws.stg'], env);
    expect(show.stdout).toBe('role-id-1\n');
    expect(api.requests.map((r) => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual([
      'PUT /v1/apps/myapp/clusters/aws.stg/approle Bearer a-token',
    ]);
    const refused = await deployer(['secrets', 'delete', 'myapp', '..', '--yes'], env).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining("secret key '..' is invalid") });
    expect(api.requests).toHaveLength(1);
  });
});
