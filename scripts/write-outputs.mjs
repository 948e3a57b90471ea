// Writes a build's output files (esbuild's `write: false` outputFiles) so that a program running from them while
// they are rebuilt — a test suite's global set-up rebuilding a bundle while another suite runs it — never sees a
// missing or half-written file: each file is written beside itself and renamed over the old one. Files of an
// earlier build that this one no longer makes are removed from `pruneDir` afterwards, not before.
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import process from 'node:process';

async function filesUnder(dir) {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files = await Promise.all(
    entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)])),
  );
  return files.flat();
}

export async function writeOutputs(outputFiles, { pruneDir } = {}) {
  for (const { path, contents } of outputFiles) {
    await mkdir(dirname(path), { recursive: true });
    const next = `${path}.${process.pid}.next`;
    await writeFile(next, contents);
    await rename(next, path);
  }
  if (pruneDir === undefined) return;
  const made = new Set(outputFiles.map((f) => f.path));
  for (const file of await filesUnder(pruneDir)) {
    if (!made.has(file) && !file.endsWith('.next')) await rm(file, { force: true });
  }
}
