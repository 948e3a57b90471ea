/**
 * One process per data directory. The embedded database (PGlite) is a single-writer store: a second process that
 * opens `<DATA_DIR>/pglite` while the first runs corrupts it or loses the first one's writes. So the embedded
 * stack takes this lock before it opens anything in the directory, and a second start is refused, touching nothing.
 *
 * The lock is a file, `<DATA_DIR>/secret-api.lock`, naming its holder. It is created complete in one step (written
 * to a private temporary file, then hard-linked into place, which fails when the lock exists), so a reader never
 * sees half of it. A lock whose holder is dead (killed with SIGKILL, power loss) is taken over; the takeover is
 * serialised by a second, short-lived file so that two starts racing for a stale lock cannot both win.
 */
import { hostname } from 'node:os';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isRunning } from './process-identity.js';

export const LOCK_FILE = 'secret-api.lock';

/** A takeover that has not finished in this long was abandoned by a process that died mid-way. */
const TAKEOVER_STALE_MS = 10_000;
const ACQUIRE_ATTEMPTS = 20;

const ZLockHolder = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  /** ISO timestamp of when the lock was taken. */
  since: z.string(),
  /** What holds it, for the message a second start prints. */
  command: z.string(),
  /** Distinguishes this holder from an earlier one with the same pid. */
  nonce: z.string(),
});
export type LockHolder = z.infer<typeof ZLockHolder>;

/** The directory is in use by a live process (or one on another host, which we cannot check). */
export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError';
  constructor(
    readonly dir: string,
    readonly lockPath: string,
    readonly holder: LockHolder,
  ) {
    const where = holder.hostname === hostname() ? '' : ` on host ${holder.hostname}`;
    super(
      `the data directory ${dir} is in use by process ${holder.pid}${where} (since ${holder.since}: ${holder.command}).\n` +
        'Stop that process first (Ctrl-C in its terminal), or give this one another directory with DATA_DIR=….' +
        (where === ''
          ? ''
          : `\nIf that process is gone for sure, remove ${lockPath} (its host cannot be checked from here).`),
    );
  }
}

/** The lock file exists but cannot be understood; never guessed about, since a wrong guess costs data. */
export class DataDirLockError extends Error {
  override name = 'DataDirLockError';
}

export interface DataDirLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours. Idempotent; also runs synchronously when the process exits. */
  release(): Promise<void>;
}

/**
 * When a process with the holder's pid runs but started after the lock was taken, the pid was reused after the
 * holder died (a reboot makes that likely). Linux only; elsewhere a live pid counts as the holder.
 */
function startedAfter(pid: number, since: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime, clock ticks since boot) comes after the command name, which may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const bootTime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(bootTime)) return false;
    // USER_HZ is 100 on every Linux that Node supports.
    const startedMs = (bootTime + ticks / 100) * 1000;
    return startedMs > Date.parse(since) + 2000;
  } catch {
    return false;
  }
}

function holderIsGone(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  return !isRunning(holder.pid) || startedAfter(holder.pid, holder.since);
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataDirLockError(`cannot read the lock ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return ZLockHolder.parse(JSON.parse(text));
  } catch {
    throw new DataDirLockError(
      `the lock ${path} is not one secret-api wrote; if no secret-api runs on this directory, remove the file`,
    );
  }
}

/** Places `holder` at `path` only if nothing is there. Returns false when a lock exists. */
async function createLock(path: string, holder: LockHolder): Promise<boolean> {
  const temp = `${path}.${holder.nonce}.tmp`;
  await writeFile(temp, `${JSON.stringify(holder)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new DataDirLockError(`cannot create the lock ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Removes the lock of a dead holder, under the takeover file so that only one racing process does it, and only if
 * the file still names that same dead holder (another process may have taken over and locked in the meantime).
 */
async function removeStaleLock(path: string, stale: LockHolder): Promise<void> {
  const takeover = `${path}.takeover`;
  let handle;
  try {
    handle = await open(takeover, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age =
      Date.now() -
      (await stat(takeover).then(
        (s) => s.mtimeMs,
        () => Date.now(),
      ));
    if (age > TAKEOVER_STALE_MS) await unlink(takeover).catch(() => undefined);
    return;
  }
  try {
    const current = await readHolder(path).catch(() => undefined);
    if (current?.nonce === stale.nonce) await unlink(path).catch(() => undefined);
  } finally {
    await handle.close();
    await unlink(takeover).catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock of `dir` (which must exist) for this process, or throws DataDirBusyError naming the live holder.
 * `log` hears about a stale lock being taken over.
 */
export async function acquireDataDirLock(
  dir: string,
  options: { log?: (line: string) => void; command?: string } = {},
): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    since: new Date().toISOString(),
    command: options.command ?? process.argv.slice(1).join(' '),
    nonce: randomBytes(12).toString('hex'),
  };
  for (let attempt = 1; ; attempt++) {
    if (await createLock(path, holder)) return heldLock(path, holder);
    const current = await readHolder(path);
    if (current === undefined) continue; // released between our attempt and the read
    if (!holderIsGone(current)) throw new DataDirBusyError(dir, path, current);
    if (attempt >= ACQUIRE_ATTEMPTS) {
      throw new DataDirLockError(`cannot take over the stale lock ${path}; remove it if no secret-api runs on ${dir}`);
    }
    options.log?.(
      `taking over the lock of ${dir} left by process ${current.pid} (since ${current.since}), which is gone`,
    );
    await removeStaleLock(path, current);
    await sleep(attempt * 10);
  }
}

function heldLock(path: string, holder: LockHolder): DataDirLock {
  const isOurs = (text: string): boolean => {
    try {
      return ZLockHolder.parse(JSON.parse(text)).nonce === holder.nonce;
    } catch {
      return false;
    }
  };
  let released = false;
  // A crash or process.exit() must not leave a lock naming a live pid (our parent shell's next command may reuse it).
  const releaseOnExit = () => {
    if (released) return;
    released = true;
    try {
      if (isOurs(readFileSync(path, 'utf8'))) unlinkSync(path);
    } catch {
      // Nothing to release.
    }
  };
  process.on('exit', releaseOnExit);
  return {
    path,
    holder,
    release: async () => {
      process.off('exit', releaseOnExit);
      if (released) return;
      released = true;
      const text = await readFile(path, 'utf8').catch(() => '');
      if (isOurs(text)) await unlink(path).catch(() => undefined);
    },
  };
}
