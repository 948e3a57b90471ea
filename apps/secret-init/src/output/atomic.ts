/**
 * Atomic writes: every file is first written in full to a temporary name in its own directory
 * (so the rename cannot cross file systems), with its final mode, and only when *all* of a
 * batch is written are they renamed into place. A failure while writing removes the temporary
 * files and leaves the target directories as they were: no reader ever sees half a file, and a
 * failed run changes nothing.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { SecretInitError } from '../errors.js';

/**
 * Directories created for rendered files: the pod's fsGroup owns the volume, so the app container
 * (another uid, with the fsGroup as a supplemental group) can enter them.
 */
export const OUTPUT_DIR_MODE = 0o750;
/** The lease directory and its files are for secret-refresh only, which runs as secret-init's uid. */
export const LEASE_DIR_MODE = 0o700;
export const LEASE_FILE_MODE = 0o600;

/** S_ISGID (fs.constants does not carry it). */
const SETGID = 0o2000;

export interface PendingFile {
  path: string;
  content: string | Buffer;
  mode: number;
}

/** Writes the whole batch, or (on error) nothing. Directories it creates get `dirMode`. */
export function writeFilesAtomically(files: readonly PendingFile[], dirMode: number): void {
  const staged: { tmp: string; path: string }[] = [];
  const made = new Set<string>();
  try {
    for (const f of files) {
      const dir = dirname(f.path);
      if (!made.has(dir)) {
        makeDirectory(dir, dirMode);
        made.add(dir);
      }
      const tmp = join(dir, `.${basename(f.path)}.${randomBytes(6).toString('hex')}.tmp`);
      staged.push({ tmp, path: f.path });
      const fd = openSync(tmp, 'wx', f.mode);
      try {
        // Exact mode whatever the umask.
        fchmodSync(fd, f.mode);
        const data = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  } catch (err) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const failed = staged.at(-1)?.path ?? files[0]?.path ?? '';
    throw new SecretInitError(`cannot write ${failed} (${code}); nothing was changed`);
  }
  for (const s of staged) renameSync(s.tmp, s.path);
}

/**
 * mkdir -p, then the exact mode on each directory it created (mkdir's mode passes through the
 * umask). The setgid bit is kept: Kubernetes sets it on an fsGroup-owned emptyDir and Linux
 * passes it on to new subdirectories, which is what makes files created there belong to the
 * fsGroup; a plain chmod would clear it.
 */
function makeDirectory(dir: string, mode: number): void {
  const first = mkdirSync(dir, { recursive: true, mode });
  if (first === undefined) return;
  let current = first;
  const rest = relative(first, dir).split(sep).filter(Boolean);
  for (let i = 0; ; i++) {
    const setgid = statSync(current).mode & SETGID;
    chmodSync(current, mode | setgid);
    if (i === rest.length) break;
    current = join(current, rest[i]!);
  }
}
