// Issue 15: what makes the CLI start like a native tool, checked as behaviour rather than timed (bench/cli times
// it). `deployer --version` is answered without oclif and must print exactly what oclif prints; `deployer roleid`
// and the API client are bundled with the AppRole routes and what they use, not the whole contract.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { contractSlicesAndPureLibs, zodEnglishOnly } from '../scripts/bundle-plugins.mjs';
import { CLI_BIN, baseEnv, runCli, tempHome } from './support/cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface OclifConfig {
  userAgent: string;
}
interface BundledOclif {
  Config: { load(root: string): Promise<OclifConfig> };
}

describe('deployer --version', () => {
  it('prints exactly the line oclif itself prints for --version, and exits 0', async () => {
    const oclif = (await import(join(ROOT, 'dist', 'bundle', 'oclif.js'))) as BundledOclif;
    const config = await oclif.Config.load(CLI_BIN);
    const r = await runCli(['--version'], { env: baseEnv(await tempHome()) });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${config.userAgent}\n`);
  });

  it('ignores what follows --version, as oclif does', async () => {
    const env = baseEnv(await tempHome());
    const [alone, followed] = await Promise.all([
      runCli(['--version'], { env }),
      runCli(['--version', 'roleid', '--nonsense'], { env }),
    ]);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe(alone.stdout);
  });
});

describe('what deployer roleid loads', () => {
  /** Every source file esbuild puts into one bundle of `entries`, with the plugins the CLI's bundle uses. */
  async function bundledInputs(entries: string[]): Promise<string[]> {
    const result = await build({
      entryPoints: entries.map((e) => join(ROOT, e)),
      bundle: true,
      write: false,
      outdir: join(ROOT, 'dist', 'start-up-test'),
      format: 'esm',
      platform: 'node',
      metafile: true,
      logLevel: 'silent',
      plugins: [contractSlicesAndPureLibs, zodEnglishOnly],
    });
    return Object.keys(result.metafile.inputs);
  }

  it('bundles the AppRole routes and the API client without the rest of the contract, yaml or zod locales', async () => {
    const inputs = await bundledInputs(['src/api/contract/approle.ts', 'src/api/client.ts']);
    const contractModules = inputs
      .filter((i) => i.includes('libs/contract/dist/'))
      .map((i) => i.replace(/.*libs\/contract\/dist\//, ''))
      .sort();
    expect(contractModules).toEqual(['approle.js', 'names.js', 'problem.js', 'route.js']);
    expect(inputs.filter((i) => /node_modules\/yaml\//.test(i))).toEqual([]);
    const zodLocales = inputs.filter((i) => /zod\/v4\/locales\/(?!index\.js$)/.test(i));
    expect(zodLocales.map((i) => i.replace(/.*locales\//, ''))).toEqual(['en.js']);
  });

  it('still bundles the whole contract for a command that imports the package itself', async () => {
    const inputs = await bundledInputs(['src/deploy/project.ts']);
    expect(inputs.some((i) => i.endsWith('libs/contract/dist/deployer-yml.js'))).toBe(true);
  });
});

describe('a rebuild of the bundle', () => {
  // Other projects' suites run this CLI while this project's global set-up rebuilds it (nx runs suites side by side):
  // the bundle and the manifest are replaced file by file, never removed or rewritten in place, so a run started
  // meanwhile finds every module and a whole manifest.
  it('never leaves a moment in which the CLI cannot start or load a command', async () => {
    const env = baseEnv(await tempHome());
    // The bundle, then oclif's manifest: what the global set-up and `npm run build` redo.
    const rebuild = spawn('npm', ['run', 'manifest', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    const rebuilt = once(rebuild, 'exit');
    let done = false;
    void rebuilt.then(() => (done = true));
    const runs: { code: number | null; stderr: string }[] = [];
    while (!done || runs.length < 3) {
      const results = await Promise.all([
        runCli(['roleid', '--help'], { env }),
        runCli(['apps', 'list', '--help'], { env }),
      ]);
      runs.push(...results);
    }
    const [code] = await rebuilt;
    expect(code).toBe(0);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
  });
});
