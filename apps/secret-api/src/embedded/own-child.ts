/**
 * Spawns a program of the embedded stack (vault-dev, a Kubernetes stand-in, a controller) so that it cannot outlive
 * the Secret API: it runs with parent-watch.ts preloaded and an extra pipe (fd 3) whose end-of-file tells it the API
 * is gone, and it is listed in the data directory's child record for the next start to find if it hangs anyway.
 */
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { ChildRecord } from './child-record.js';
import { compiledModule } from './locate.js';
import { PARENT_PIPE_FD, PARENT_PIPE_FD_VARIABLE } from './parent-pipe.js';

export interface OwnChildOptions {
  /** How the child is named in the child record and in messages. */
  name: string;
  script: string;
  args?: string[];
  /** The child's whole environment. */
  env: Record<string, string | undefined>;
  /** Its own process group (see child-process.ts). */
  detached?: boolean;
  record?: ChildRecord;
}

export type OwnChild = ChildProcessByStdio<null, Readable, Readable>;

/** The `--import` value that loads parent-watch.ts into a Node child. */
export const PARENT_WATCH_IMPORT = pathToFileURL(compiledModule('parent-watch.js')).href;

/** The env a child spawned with a 4th stdio pipe needs for parent-watch.ts to watch it. */
export const PARENT_WATCH_ENV = { [PARENT_PIPE_FD_VARIABLE]: String(PARENT_PIPE_FD) };

/**
 * Keeps our end of the parent pipe of a child spawned with `stdio[PARENT_PIPE_FD] = 'pipe'`: it carries nothing and
 * only has to stay open for as long as we live. Read, it closes when the child exits.
 */
export function holdParentPipe(child: ChildProcess): void {
  const pipe = child.stdio[PARENT_PIPE_FD] as Readable | null | undefined;
  pipe?.on('error', () => undefined);
  pipe?.resume();
}

export function spawnOwnChild(options: OwnChildOptions): OwnChild {
  const child = spawn(process.execPath, ['--import', PARENT_WATCH_IMPORT, options.script, ...(options.args ?? [])], {
    env: { ...options.env, ...PARENT_WATCH_ENV },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  }) as unknown as OwnChild;
  holdParentPipe(child);
  options.record?.add(options.name, child.pid);
  child.once('exit', () => options.record?.remove(child.pid));
  return child;
}
