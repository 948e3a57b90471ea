/**
 * One data dir, one server: `<dir>/vault-dev.lock` holds the owner's pid,
 * created exclusively. A lock left by a dead process (SIGKILL, power loss) is
 * taken over; a live owner makes start-up fail, naming its pid.
 */
import { linkSync, readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'vault-dev.lock';

export class DataDirLockedError extends Error {}

/** Dirs this process holds: a second server in the same process has the same pid, so the file alone cannot tell. */
const heldHere = new Set<string>();

export class DataDirLock {
  private released = false;

  private constructor(
    private readonly file: string,
    private readonly key: string,
  ) {}

  static acquire(dir: string): DataDirLock {
    const key = realpathSync(dir);
    const file = join(dir, LOCK_FILE);
    if (heldHere.has(key)) throw lockedError(dir, process.pid);
    // The pid is written first and then linked into place, so the lock file is never seen empty.
    const staged = `${file}.${process.pid}`;
    writeFileSync(staged, `${process.pid}\n`, { mode: 0o600 });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          linkSync(staged, file);
          heldHere.add(key);
          return new DataDirLock(file, key);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const owner = readOwner(file);
        // Our own pid in a leftover file means a previous life of this pid (container restart), not a live owner.
        if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw lockedError(dir, owner);
        try {
          unlinkSync(file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    } finally {
      unlinkSync(staged);
    }
    throw new DataDirLockedError(`vault-dev: cannot lock data dir ${dir}: another process keeps taking ${file}`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.key);
    try {
      if (readOwner(this.file) === process.pid) unlinkSync(this.file);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function lockedError(dir: string, pid: number): DataDirLockedError {
  return new DataDirLockedError(
    `vault-dev: data dir ${dir} is in use by another vault-dev (pid ${pid}); stop that process or choose another -dev-data-dir`,
  );
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
