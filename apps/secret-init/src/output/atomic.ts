/**
 * Atomic writes: every file is first written in full to a temporary name in its own directory
 * (so the rename cannot cross file systems), with its final mode, and only when *all* of a
 * batch is written are they renamed into place. A failure while writing removes the temporary
 * files and leaves the target directories as they were: no reader ever sees half a file, and a
 * failed run changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SecretInitError } from '../errors.js';

export const FILE_MODE_SECRET = 0o600;
export const DIR_MODE = 0o700;

export interface PendingFile {
  path: string;
  content: string | Buffer;
  mode: number;
}

/** Writes the whole batch, or (on error) nothing. Directories are created with mode 0700. */
export function writeFilesAtomically(files: readonly PendingFile[]): void {
  const staged: { tmp: string; path: string }[] = [];
  try {
    for (const f of files) {
      const dir = dirname(f.path);
      mkdirSync(dir, { recursive: true, mode: DIR_MODE });
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
