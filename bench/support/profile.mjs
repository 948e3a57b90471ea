// CPU profile summary shared by the API benchmarks' `--profile DIR`: self time per package or file
// group of the newest .cpuprofile in DIR, so "what dominates" is a number rather than a guess.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function summarizeProfile(dir) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return console.log(`no .cpuprofile in ${dir}`);
  const latest = files.sort().at(-1);
  const profile = JSON.parse(await readFile(join(dir, latest), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const groups = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const { url, functionName } = byId.get(id).callFrame;
    let group;
    if (!url) group = functionName ? `(${functionName.replace(/[()]/g, '')})` : '(native)';
    else if (url.startsWith('node:')) group = url.replace(/^node:internal\/(\w+).*/, 'node:internal/$1');
    else {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
      group = m ? m[1] : url.replace(/^file:\/\/.*?\/(apps|libs|prisma)\//, '$1/').replace(/\/dist\/.*/, '');
    }
    groups.set(group, (groups.get(group) ?? 0) + us);
    if (group !== '(idle)') total += us;
  }
  groups.delete('(idle)');
  console.log(`\nSecret API CPU profile (${join(dir, latest)}), self time excluding idle:\n`);
  for (const [group, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${group}`);
  }
}
