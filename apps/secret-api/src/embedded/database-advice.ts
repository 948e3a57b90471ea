/**
 * What to tell a user whose embedded database (PGlite) does not open. PGlite's own words for a damaged directory
 * are `Aborted(). Build with -sASSERTIONS for more info.`, which says nothing a user can act on.
 */
import { dirname, join } from 'node:path';

function stamp(now: Date): string {
  return now.toISOString().slice(0, 19).replaceAll(/[-:]/g, '');
}

export function embeddedDatabaseAdvice(pgliteDir: string, reason: string, now: Date = new Date()): string {
  const cause =
    reason
      .replace(/\s*Build with -sASSERTIONS for more info\.?/, '')
      .trim()
      .replace(/\.$/, '') || 'unknown error';
  const aside = join(dirname(pgliteDir), `pglite.broken-${stamp(now)}`);
  return [
    `cannot open the embedded database in ${pgliteDir} (PGlite: ${cause}).`,
    'Either another process is using it, or it was damaged (a stop that did not finish, or two processes at once).',
    `  1. Make sure nothing else uses it: no other secret-api or npm start on this directory still runs.`,
    `  2. Then move it aside and start again with an empty database:  mv ${pgliteDir} ${aside}`,
    '     (apps, clusters and history kept in it are then gone from the API; vault-dev and the keys are kept)',
  ].join('\n');
}
