// deployer CLI cold start against bare node, measured in the same run: `deployer --version`, and a real
// `deployer roleid` (PUT .../approle against a local Secret API) against a bare node script making the same call.
// Usage: npm run build && node bench/cli/run.mjs [--runs 15] [--database-url postgresql://...]
// Without --database-url the API uses its embedded database (PGlite) in a temporary DATA_DIR.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const runs = Number(opt('runs', 15));
const databaseUrl = opt('database-url', undefined);

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'apps/deployer-cli/bin/run.js');
const API = join(root, 'apps/secret-api/bin/secret-api.js');

async function startApi() {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-cli-'));
  const env = { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of ['VAULT_ADDR', 'VAULT_TOKEN', 'AUTH_ISSUERS', 'ADMIN_GROUPS', 'DATABASE_URL']) delete env[name];
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const child = spawn(process.execPath, [API], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const { url, token } = await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const url = /export SECRET_API_URL=(\S+)/.exec(out)?.[1];
      const token = /export SECRET_API_TOKEN=(\S+)/.exec(out)?.[1];
      if (url && token) resolve({ url, token });
    });
    child.once('exit', (code) => reject(new Error(`secret-api exited ${code}:\n${err}`)));
  });
  return {
    url,
    token,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function call(api, method, path, body) {
  const res = await fetch(api.url + path, {
    method,
    headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/json' },
    ...(body && { body: JSON.stringify(body) }),
  });
  if (!res.ok && res.status !== 409) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

function time(file, argv, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    execFile(file, argv, { env }, (error, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (error) reject(new Error(`${argv.join(' ')}: ${error.message}\n${stderr}`));
      else resolve({ ms, stdout });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// The same HTTP call deployer roleid makes, with nothing else: the floor for any Node CLI.
const BARE = `
const res = await fetch(process.env.SECRET_API_URL + '/v1/apps/bench/clusters/aws.stg/approle', {
  method: 'PUT', headers: { Authorization: 'Bearer ' + process.env.SECRET_API_TOKEN },
});
const body = await res.json();
if (!res.ok) { process.stderr.write(JSON.stringify(body) + '\\n'); process.exit(1); }
process.stdout.write(body.roleId + '\\n');
`;

const api = await startApi();
try {
  await call(api, 'POST', '/v1/clusters', { name: 'aws.stg', controllerSubjects: ['bench-controller'] });
  await call(api, 'POST', '/v1/apps', { name: 'bench', ownerGroups: ['bench-owners'] });
  const env = { ...process.env, SECRET_API_URL: api.url, SECRET_API_TOKEN: api.token, CI: 'true' };
  const node = process.execPath;
  const cases = {
    'node -e ""': [node, ['-e', '']],
    'deployer --version': [node, [CLI, '--version']],
    'bare node: PUT approle': [node, ['--input-type=module', '-e', BARE]],
    'deployer roleid': [node, [CLI, 'roleid', 'bench', '--cluster', 'aws.stg']],
  };
  // One warm-up of each (file cache, the first ensure), then interleaved rounds so drift hits every case alike.
  const roleIds = new Set();
  for (const [file, argv] of Object.values(cases)) await time(file, argv, env);
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, [file, argv]] of Object.entries(cases)) {
      const { ms, stdout } = await time(file, argv, env);
      samples[name].push(ms);
      if (name !== 'node -e ""' && name !== 'deployer --version') roleIds.add(stdout.trim());
    }
  }
  if (roleIds.size !== 1) throw new Error(`the bare script and deployer disagree on the RoleID: ${[...roleIds]}`);

  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const row = (name, ms, ratio) => `${name.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms   ${ratio}`;
  console.log(`median of ${runs} runs each (${process.version}, ${process.platform}/${process.arch})\n`);
  console.log(row('node -e ""', m['node -e ""'], 'baseline'));
  console.log(
    row(
      'deployer --version',
      m['deployer --version'],
      `${(m['deployer --version'] / m['node -e ""']).toFixed(2)}x node -e`,
    ),
  );
  console.log(row('bare node: PUT approle', m['bare node: PUT approle'], 'baseline'));
  console.log(
    row(
      'deployer roleid',
      m['deployer roleid'],
      `${(m['deployer roleid'] / m['bare node: PUT approle']).toFixed(2)}x bare node`,
    ),
  );
  console.log(
    `\ndeployer's own overhead: --version +${(m['deployer --version'] - m['node -e ""']).toFixed(0)} ms, ` +
      `roleid +${(m['deployer roleid'] - m['bare node: PUT approle']).toFixed(0)} ms`,
  );
} finally {
  await api.stop();
}
