// esbuild plugins of scripts/bundle.mjs that keep what a command parses at start-up small (issue 15, bench/cli).
// Kept apart so test/start-up.test.ts can bundle with them and check what a chunk holds.
import { dirname, join } from 'node:path';

/**
 * Our workspace libraries (`@secret-api/*`) are pure modules: no file does anything on import but define schemas,
 * constants and functions. Saying so lets esbuild leave out every file of theirs that nothing uses.
 */
const WORKSPACE_LIB = /[\\/]libs[\\/][^\\/]+[\\/]/;
const CONTRACT_SLICE = /[\\/]src[\\/]api[\\/]contract[\\/]([a-z-]+)\.ts$/;

/**
 * A contract slice (src/api/contract/<file>.ts re-exports a few names from `@secret-api/contract`) is bundled from
 * the contract's own `<file>` module, not from its index: esbuild puts every module reachable from an import into
 * the importing chunk, and the index reaches the whole contract, its OpenAPI generator and the deployer.yml parser
 * (with yaml). So `deployer roleid` loads the AppRole routes and what they use, and nothing else (issue 15,
 * bench/cli). TypeScript still checks a slice against the package's index; a name the file does not export fails
 * the build.
 */
export const contractSlicesAndPureLibs = {
  name: 'contract-slices-and-pure-libs',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const fromLib = WORKSPACE_LIB.test(args.importer) && args.path.startsWith('.');
      if (!args.path.startsWith('@secret-api/') && !fromLib) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0 || !WORKSPACE_LIB.test(resolved.path)) return resolved;
      const slice = CONTRACT_SLICE.exec(args.importer)?.[1];
      const path =
        slice !== undefined && args.path === '@secret-api/contract'
          ? join(dirname(resolved.path), `${slice}.js`)
          : resolved.path;
      return { path, sideEffects: false };
    });
  },
};

/**
 * zod's `z.locales` namespace carries the messages of ~50 languages (366 kB of the 750 kB zod adds to a chunk);
 * V8 parses all of them on every start of a command that checks a response. The CLI speaks English only (zod's
 * default, which zod's schemas import from `locales/en.js` directly), so the namespace is bundled with `en` alone.
 */
export const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: join(args.resolveDir, '..', 'locales', 'index.js'), namespace: 'zod-locales' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';\n",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};
