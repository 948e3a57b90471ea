/**
 * Keeps V8's compiled code of the CLI's own bundle between runs, so a command does not parse and compile the same
 * megabyte of JavaScript (oclif, zod, the contract) on every start (issue 15, bench/cli). Node 22 has this built in
 * (`module.enableCompileCache`); Node 20, which we support, does not, and keeps nothing for ES modules at all, which
 * is why the bundle is CommonJS (scripts/bundle.mjs).
 *
 * - What is kept: V8's code cache of each bundle file, made when the process exits, so it holds every function the
 *   run compiled, not only the top level. The npm package v8-compile-cache makes it before running: measured here,
 *   that saved nothing.
 * - Keys: an entry is named by the file's path in the bundle, inode, size and modification time in nanoseconds. A
 *   rebuild or reinstall renames new files into place, so all of those change; hashing the sources instead cost
 *   more than a tenth of what the cache saves. Entries sit in a directory per Node version and architecture. V8
 *   checks its own version, flags and the source's length too; a refused or missing entry is compiled normally and
 *   written anew.
 * - Trust: cached code is code the process will run. It is read only from a directory owned by this user and
 *   writable by nobody else, written there 0600 and renamed into place whole.
 * - A file's code is written the second time a run loads it without an entry (the first only marks it: see
 *   `markerOf`).
 * - Bound: at most `maxFiles` entries and marks. An entry's modification time is when it was last used; the least
 *   recently used go first.
 * - Failure to read or write the cache only means compiling as usual: a command never fails because of it.
 */
import {
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import vm from 'node:vm';

export interface CodeCacheOptions {
  /** The bundle's directory: only files under it are cached. */
  bundleDir: string;
  /** Where the entries are kept (made 0700 if missing); undefined turns the cache off. */
  cacheDir: string | undefined;
  maxFiles?: number;
}

/** What happened to the bundle files this process loaded (the tests read it; a user never sees it). */
export interface CodeCacheStats {
  accepted: number;
  rejected: number;
  missing: number;
  written: number;
  /** Files seen for the first time: marked, their code written only if they are loaded again. */
  marked: number;
}

/** Enough for several builds of the bundle (it has ~35 files, a command loads ~8); each entry is ≤ 1 MB. */
const MAX_FILES = 100;

interface CompilingModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

/**
 * Where the cache lives: oclif's cache directory for the `deployer` binary (DEPLOYER_CACHE_DIR, else
 * ~/Library/Caches/deployer on macOS, else $XDG_CACHE_HOME/deployer, %LOCALAPPDATA%\deployer on Windows or
 * ~/.cache/deployer), in `v8/<node version>-<arch>`. DEPLOYER_NO_CODE_CACHE (any value) turns it off.
 */
export function defaultCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (env.DEPLOYER_NO_CODE_CACHE) return undefined;
  let base = env.DEPLOYER_CACHE_DIR;
  if (!base) {
    const home = env.HOME || env.USERPROFILE || homedir();
    if (platform === 'darwin') base = join(home, 'Library', 'Caches', 'deployer');
    else
      base = join(env.XDG_CACHE_HOME || (platform === 'win32' && env.LOCALAPPDATA) || join(home, '.cache'), 'deployer');
  }
  return join(base, 'v8', `${process.version}-${process.arch}`);
}

/** Made if missing; refused (undefined) unless it is a real directory of ours that no one else can write to. */
function privateDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    if (!stat.isDirectory()) return undefined;
    if (process.getuid !== undefined && (stat.uid !== process.getuid() || (stat.mode & 0o022) !== 0)) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** `chunks_chunk-X.js-<inode>-<size>-<mtime ns>.v8`, or undefined if the file cannot be looked at. */
function entryFor(dir: string, bundleDir: string, filename: string): string | undefined {
  try {
    const { ino, size, mtimeNs } = statSync(filename, { bigint: true });
    const name = relative(bundleDir, filename).replaceAll(sep, '_');
    return join(dir, `${name}-${ino}-${size}-${mtimeNs}.v8`);
  } catch {
    return undefined;
  }
}

function readEntry(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // Pruned by another process meanwhile: it is written again at exit next time.
  }
}

function writeEntry(file: string, data: Buffer): boolean {
  const next = `${file}.${process.pid}.next`;
  try {
    writeFileSync(next, data, { mode: 0o600 });
    renameSync(next, file);
    return true;
  } catch {
    rmSync(next, { force: true });
    return false;
  }
}

/**
 * Writing a file's code costs a run ~30 ms (bench/cli, `roleid` cold): a CI job that runs the CLI once on a fresh
 * runner would pay it for nothing. So the first run that loads a file only marks it; a run that finds the mark writes
 * the code, and the runs after that start warm.
 */
function markerOf(file: string): string {
  return `${file}.seen`;
}

function seenBefore(file: string): boolean {
  try {
    rmSync(markerOf(file));
    return true;
  } catch {
    return false;
  }
}

function prune(dir: string, maxFiles: number): void {
  try {
    const entries = readdirSync(dir)
      .filter((name) => name.endsWith('.v8') || name.endsWith('.v8.seen'))
      .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const old of entries.slice(maxFiles)) rmSync(old.path, { force: true });
  } catch {
    // Another process pruning at the same time; the next write tries again.
  }
}

/**
 * Compiles every file under `bundleDir` that `require` loads from now on with its cached code, and writes what is
 * missing when the process exits. Call it before the bundle's first `require`.
 */
export function enableCodeCache(options: CodeCacheOptions): CodeCacheStats {
  const stats: CodeCacheStats = { accepted: 0, rejected: 0, missing: 0, written: 0, marked: 0 };
  const dir = options.cacheDir === undefined ? undefined : privateDir(options.cacheDir);
  if (dir === undefined) return stats;
  const prefix = options.bundleDir.endsWith(sep) ? options.bundleDir : options.bundleDir + sep;
  const toWrite: { script: vm.Script; file: string; rejected: boolean }[] = [];
  const proto = Module.prototype as unknown as CompilingModule;
  const compile = proto._compile;

  proto._compile = function (this: CompilingModule, content: string, filename: string) {
    if (!filename.startsWith(prefix)) return compile.call(this, content, filename);
    const file = entryFor(dir, options.bundleDir, filename);
    const cachedData = file === undefined ? undefined : readEntry(file);
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (file !== undefined) {
      if (cachedData === undefined) stats.missing++;
      else if (script.cachedDataRejected) stats.rejected++;
      else stats.accepted++;
      if (cachedData !== undefined && !script.cachedDataRejected) touch(file);
      else toWrite.push({ script, file, rejected: cachedData !== undefined });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
  };

  process.once('exit', () => {
    for (const { script, file, rejected } of toWrite) {
      if (rejected || seenBefore(file)) {
        if (writeEntry(file, script.createCachedData())) stats.written++;
      } else if (writeEntry(markerOf(file), Buffer.alloc(0))) stats.marked++;
    }
    if (stats.written + stats.marked > 0) prune(dir, options.maxFiles ?? MAX_FILES);
  });
  return stats;
}
