// CPU profile summaries shared by the benchmarks' `--profile DIR`: busy and idle seconds, then self time grouped by
// package — and by file for our own apps and libraries, so a hot module shows by name — so "what dominates" is a
// number rather than a guess.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

function groupOf({ url, functionName }) {
  if (!url) return functionName ? `(${functionName.replace(/[()]/g, '')})` : '(native)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\/(\w+).*/, 'node:internal/$1');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(apps|libs|prisma)\/([^/]+)\/dist\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}/${own[3]}`;
  return url.replace(/^file:\/\/.*?\/(bench)\//, '$1/');
}

/** Prints the summary of one .cpuprofile file, headed by `name`. */
async function summarizeFile(name, file, top) {
  const profile = JSON.parse(await readFile(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const groups = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const group = groupOf(byId.get(profile.samples[i]).callFrame);
    const us = profile.timeDeltas[i] ?? 0;
    groups.set(group, (groups.get(group) ?? 0) + us);
    if (group !== '(idle)') total += us;
  }
  const idle = groups.get('(idle)') ?? 0;
  groups.delete('(idle)');
  console.log(
    `\n${name} (${file}): ${(total / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle; self time excluding idle:`,
  );
  for (const [group, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(6)}%  ${group}`);
  }
}

async function profilesIn(dir) {
  return (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile')).sort();
}

/** The newest profile in `dir`, or — with `pid` — the one of that process (Node names them CPU.<date>.<time>.<pid>.…). */
export async function summarizeProfile(dir, { name = 'Secret API CPU profile', pid, top = 15 } = {}) {
  const files = await profilesIn(dir);
  const file = pid === undefined ? files.at(-1) : files.find((f) => f.includes(`.${pid}.`));
  if (!file) return console.log(`\n${name}: no .cpuprofile${pid === undefined ? '' : ` of pid ${pid}`} in ${dir}`);
  await summarizeFile(name, join(dir, file), top);
}

/** One summary per process whose profiles were written to `root/<name>`. */
export async function summarizeProfiles(root, names, top = 12) {
  for (const name of names) await summarizeProfile(join(root, name), { name, top });
}
