// Loads @prisma/schema-engine-wasm: the same Rust schema engine as `prisma migrate`, compiled to
// WebAssembly, so migrations need no native binary download.
//
// The package is built for bundlers (its entry point `import`s the .wasm file, which Node refuses),
// so we compile the module ourselves and hand the instance to its JS glue (toolchain trap 1).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import type * as GlueModule from '@prisma/schema-engine-wasm/schema_engine_bg';

type Glue = typeof GlueModule;

// Node has WebAssembly; the ES2023 lib this repo compiles against does not declare it.
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

/** The module name the .wasm imports its JS glue under. */
const GLUE_MODULE = './schema_engine_bg.js';

let loading: Promise<Glue> | undefined;

/** Instantiates the WASM module once per process; later calls share it. */
function loadGlue(): Promise<Glue> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const [glue, bytes] = await Promise.all([
      import('@prisma/schema-engine-wasm/schema_engine_bg'),
      readFile(join(dirname(gluePath), 'schema_engine_bg.wasm')),
    ]);
    const imports: Record<string, unknown> = { ...glue };
    // The engine arms a 10 s timer (its advisory-lock timeout) and never clears it, which keeps a
    // short CLI alive for 10 s after its work is done (toolchain trap 6). Unref every timer it sets.
    for (const name of Object.keys(glue)) {
      if (name.startsWith('__wbg_setTimeout_')) {
        imports[name] = (callback: () => void, ms: number) => {
          const timer = setTimeout(callback, ms >>> 0);
          timer.unref();
          return timer;
        };
      }
    }
    const { instance } = await WebAssembly.instantiate(bytes, { [GLUE_MODULE]: imports });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
    return glue;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** Engine log lines (JSON strings), for debugging only. */
export type EngineLogger = (line: string) => void;

/**
 * Starts a schema engine bound to `adapter` (an error-capturing, migration-aware adapter factory,
 * see adapters.ts). `schema`, when given, is the Prisma schema the engine validates against.
 */
export async function startSchemaEngine(
  adapter: object,
  options: { schema?: { path: string; content: string }; log?: EngineLogger } = {},
): Promise<SchemaEngine> {
  const glue = await loadGlue();
  const datamodels: [string, string][] | undefined = options.schema
    ? [[options.schema.path, options.schema.content]]
    : undefined;
  const log = options.log ?? (() => undefined);
  return glue.SchemaEngine.new({ datamodels }, log, adapter);
}
