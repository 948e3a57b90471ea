// The command the image starts — its Dockerfile's ENTRYPOINT — for the tests and bench/secret-refresh, so that they
// run exactly what a pod runs: the same script and the same Node flags (which change its memory and its speed).
// The Dockerfile is the one place those flags are written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The image's WORKDIR, /app, holds the repository's layout: the ENTRYPOINT's paths are relative to its root. */
const REPO_ROOT = join(APP_DIR, '..', '..');
export const DOCKERFILE = join(APP_DIR, 'Dockerfile');

/**
 * `{ nodeArgs, script, args }` of the final ENTRYPOINT (exec form, `["node", ...flags, script, ...args]`), with the
 * script's path made absolute: spawn `process.execPath` with `[...nodeArgs, script, ...args]`.
 */
export function imageLaunch(dockerfile = DOCKERFILE) {
  const text = readFileSync(dockerfile, 'utf8');
  const lines = [...text.matchAll(/^ENTRYPOINT\s+(.*)$/gm)];
  const last = lines.at(-1)?.[1];
  if (last === undefined) throw new Error(`${dockerfile}: no ENTRYPOINT`);
  let words;
  try {
    words = JSON.parse(last);
  } catch {
    throw new Error(`${dockerfile}: the ENTRYPOINT must be in exec form on one line, ["node", ...]`);
  }
  if (!Array.isArray(words) || words[0] !== 'node' || words.some((w) => typeof w !== 'string')) {
    throw new Error(`${dockerfile}: the ENTRYPOINT must start node: ${last}`);
  }
  const at = words.findIndex((w, i) => i > 0 && !w.startsWith('-'));
  if (at === -1) throw new Error(`${dockerfile}: the ENTRYPOINT names no script: ${last}`);
  return { nodeArgs: words.slice(1, at), script: join(REPO_ROOT, words[at]), args: words.slice(at + 1) };
}
