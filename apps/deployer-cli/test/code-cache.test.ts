// The CLI keeps V8's compiled code of its bundle between runs (src/start/code-cache.ts, issue 15). What a user relies
// on: the cache never changes what runs (a rebuilt or edited file is compiled afresh, a damaged entry is refused),
// it is read only from a private directory, it stays bounded, and it can be turned off. Checked on a small bundle
// of our own, loaded by the real (bundled) module in a fresh process each time, and on the real binary.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultCacheDir } from '../src/start/code-cache.js';
import { baseEnv, runCli, tempHome } from './support/cli.js';

const CODE_CACHE = fileURLToPath(new URL('../dist/bundle/start/code-cache.js', import.meta.url));
const run = promisify(execFile);

interface Outcome {
  answer: number;
  accepted: number;
  rejected: number;
  missing: number;
  written: number;
  marked: number;
}

/** An outcome with every count 0 but those given. */
const outcome = (answer: number, counts: Partial<Omit<Outcome, 'answer'>> = {}): Outcome => ({
  answer,
  accepted: 0,
  rejected: 0,
  missing: 0,
  written: 0,
  marked: 0,
  ...counts,
});

const RUNNER = `
const { join } = require('node:path');
const { enableCodeCache } = require(${JSON.stringify(CODE_CACHE)});
const [bundleDir, cacheDir, maxFiles] = process.argv.slice(2);
const stats = enableCodeCache({ bundleDir, cacheDir: cacheDir || undefined, maxFiles: Number(maxFiles) || undefined });
const { answer } = require(join(bundleDir, 'main.js'));
process.on('exit', () => process.stdout.write(JSON.stringify({ answer, ...stats })));
`;

/** A bundle of two modules (and one file outside it), and a fresh process loading it with the cache. */
async function fixture() {
  const root = await mkdtemp(join(tmpdir(), 'code-cache-'));
  const bundleDir = join(root, 'bundle');
  const cacheDir = join(root, 'cache', 'v8');
  await mkdir(bundleDir);
  await writeFile(
    join(bundleDir, 'main.js'),
    "module.exports = { answer: require('./dep.js').value * require('../outside.js') };\n",
  );
  await writeFile(join(bundleDir, 'dep.js'), 'exports.value = 21;\n');
  await writeFile(join(root, 'outside.js'), 'module.exports = 2;\n');
  await writeFile(join(root, 'runner.cjs'), RUNNER);
  const load = async (options: { cacheDir?: string; maxFiles?: number } = {}): Promise<Outcome> => {
    const argv = [join(root, 'runner.cjs'), bundleDir, options.cacheDir ?? cacheDir, String(options.maxFiles ?? '')];
    const { stdout } = await run(process.execPath, argv);
    return JSON.parse(stdout) as Outcome;
  };
  const entries = async () => (await readdir(cacheDir)).filter((name) => name.endsWith('.v8')).sort();
  const marks = async () => (await readdir(cacheDir)).filter((name) => name.endsWith('.seen')).sort();
  /** The first run marks both files, the second writes their code. */
  const warm = async (options: { maxFiles?: number } = {}) => {
    await load(options);
    await load(options);
  };
  return { root, bundleDir, cacheDir, load, entries, marks, warm };
}

describe('the code cache of the bundle', () => {
  it('is written by the second run that loads a file (the first marks it), 0600 in a 0700 directory, and used after', async () => {
    const f = await fixture();
    expect(await f.load()).toEqual(outcome(42, { missing: 2, marked: 2 }));
    expect(await f.entries()).toEqual([]);
    expect(await f.marks()).toHaveLength(2);

    expect(await f.load()).toEqual(outcome(42, { missing: 2, written: 2 }));
    const entries = await f.entries();
    expect(entries.map((name) => name.replace(/-\d+-\d+-\d+\.v8$/, ''))).toEqual(['dep.js', 'main.js']);
    expect(await f.marks()).toEqual([]);
    expect((await stat(f.cacheDir)).mode & 0o777).toBe(0o700);
    for (const name of entries) expect((await stat(join(f.cacheDir, name))).mode & 0o777).toBe(0o600);

    expect(await f.load()).toEqual(outcome(42, { accepted: 2 }));
    expect(await f.entries()).toEqual(entries);
  });

  it('never runs the code of an earlier version of a file: a rebuilt or edited file of the same length is compiled afresh', async () => {
    const f = await fixture();
    await f.warm();
    // A rebuild: a new file renamed over the old one.
    await writeFile(join(f.bundleDir, 'dep.js.next'), 'exports.value = 22;\n');
    await rename(join(f.bundleDir, 'dep.js.next'), join(f.bundleDir, 'dep.js'));
    expect(await f.load()).toEqual(outcome(44, { accepted: 1, missing: 1, marked: 1 }));
    expect(await f.load()).toEqual(outcome(44, { accepted: 1, missing: 1, written: 1 }));
    // An edit in place, same length again.
    await writeFile(join(f.bundleDir, 'dep.js'), 'exports.value = 23;\n');
    expect(await f.load()).toEqual(outcome(46, { accepted: 1, missing: 1, marked: 1 }));
    expect(await f.load()).toEqual(outcome(46, { accepted: 1, missing: 1, written: 1 }));
    expect(await f.load()).toEqual(outcome(46, { accepted: 2 }));
  });

  it('refuses a damaged entry, compiles the file as usual and replaces the entry', async () => {
    const f = await fixture();
    await f.warm();
    for (const name of await f.entries()) await writeFile(join(f.cacheDir, name), Buffer.alloc(4096, 0x5a));
    expect(await f.load()).toEqual(outcome(42, { rejected: 2, written: 2 }));
    expect(await f.load()).toEqual(outcome(42, { accepted: 2 }));
  });

  it('is neither read nor written in a directory others can write to, and the bundle still runs', async () => {
    const f = await fixture();
    await f.warm();
    await chmod(f.cacheDir, 0o777);
    expect(await f.load()).toEqual(outcome(42));
  });

  it('is off, and the bundle still runs, where the directory cannot be made', async () => {
    const f = await fixture();
    await writeFile(join(f.root, 'a-file'), '');
    expect(await f.load({ cacheDir: join(f.root, 'a-file', 'v8') })).toEqual(outcome(42));
  });

  it('keeps at most maxFiles entries and marks, dropping the least recently used', async () => {
    const f = await fixture();
    await f.warm({ maxFiles: 2 });
    const [dep, main] = await f.entries();
    await writeFile(join(f.bundleDir, 'dep.js'), 'exports.value = 50;\n');
    // main.js's entry was just used, the new dep.js marked: the old dep.js entry goes.
    expect((await f.load({ maxFiles: 2 })).answer).toBe(100);
    expect(await f.entries()).toEqual([main]);
    expect(await f.marks()).toHaveLength(1);
    await f.load({ maxFiles: 2 });
    const after = await f.entries();
    expect(after).toHaveLength(2);
    expect(after).toContain(main);
    expect(after).not.toContain(dep);
  });
});

describe('where the CLI keeps it', () => {
  it("follows oclif's cache directory for deployer, per Node version and architecture", () => {
    const tail = join('v8', `${process.version}-${process.arch}`);
    expect(defaultCacheDir({ HOME: '/home/u' }, 'linux')).toBe(join('/home/u/.cache/deployer', tail));
    expect(defaultCacheDir({ HOME: '/home/u', XDG_CACHE_HOME: '/x' }, 'linux')).toBe(join('/x/deployer', tail));
    expect(defaultCacheDir({ HOME: '/Users/u' }, 'darwin')).toBe(join('/Users/u/Library/Caches/deployer', tail));
    expect(defaultCacheDir({ HOME: '/h', LOCALAPPDATA: '/l' }, 'win32')).toBe(join('/l/deployer', tail));
    expect(defaultCacheDir({ HOME: '/h', DEPLOYER_CACHE_DIR: '/c' }, 'linux')).toBe(join('/c', tail));
    expect(defaultCacheDir({ HOME: '/h', DEPLOYER_NO_CODE_CACHE: '1' }, 'linux')).toBeUndefined();
  });

  it('the real binary fills it by its second run and prints the same on the third; DEPLOYER_NO_CODE_CACHE leaves it out', async () => {
    const home = await tempHome();
    const env = { ...baseEnv(home), DEPLOYER_CACHE_DIR: undefined };
    const dir = join(home, '.cache', 'deployer', 'v8', `${process.version}-${process.arch}`);
    const first = await runCli(['--help'], { env });
    expect(first.code).toBe(0);
    await runCli(['--help'], { env });
    const entries = await readdir(dir);
    expect(entries.some((name) => /^oclif\.js-.*\.v8$/.test(name))).toBe(true);
    expect(entries.some((name) => /^chunks_.*\.v8$/.test(name))).toBe(true);
    const third = await runCli(['--help'], { env });
    expect(third).toMatchObject({ code: 0, stdout: first.stdout, stderr: first.stderr });

    const off = await tempHome();
    const none = await runCli(['--help'], {
      env: { ...baseEnv(off), DEPLOYER_CACHE_DIR: undefined, DEPLOYER_NO_CODE_CACHE: '1' },
    });
    expect(none).toMatchObject({ code: 0, stdout: first.stdout });
    await expect(stat(join(off, '.cache'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
