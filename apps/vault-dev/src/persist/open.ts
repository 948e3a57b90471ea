/**
 * Puts a core on a data dir: lock it, restore the saved state into the
 * registered stores, and write the starting state, so that from here on every
 * committed request is on disk.
 */
import { join } from 'node:path';
import type { Core } from '../vault/core.js';
import { DataDir, DataDirError, STATE_FILE } from './data-dir.js';
import { StateFormatError } from './persistable.js';

export function openDataDir(core: Core, dir: string): DataDir {
  let dataDir: DataDir;
  try {
    dataDir = DataDir.open(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new DataDirError(`vault-dev: cannot use data dir ${dir}: ${(err as Error).message}`);
  }
  try {
    try {
      core.persist.load(dataDir.sections(), dataDir);
    } catch (err) {
      if (!(err instanceof StateFormatError)) throw err;
      throw new DataDirError(
        `vault-dev: cannot start from ${join(dir, STATE_FILE)}: ${err.message}. Restore the data dir from a backup, or move it aside to start empty (its secrets are then lost).`,
      );
    }
    core.persist.commit();
    return dataDir;
  } catch (err) {
    dataDir.close();
    throw err;
  }
}
