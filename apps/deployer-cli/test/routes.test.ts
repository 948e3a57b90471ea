// Every route of the contract has a command: each row below is a command line, and the test checks that it
// reaches its route (method and path, as the API would match them) and succeeds on the route's answer. A route
// added to the contract without a row here fails the first test.
import { rm } from 'node:fs/promises';
import { ROUTES } from '@secret-api/contract';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, tempHome } from './support/cli.js';
import { runInProcess } from './support/in-process.js';
import { startRecorder, type Recorder } from './support/recorder.js';

/** Operational routes a person has no use for from the CLI, and why. */
const EXCLUDED: Record<string, string> = {
  metrics: 'Prometheus scrapes it; its text format is for machines, not people',
  openapi: 'the OpenAPI document is for code generators and browsers (curl $SECRET_API_URL/openapi.json)',
};

/** Route id -> the command lines that reach it (secrets set reads its value on stdin; here it never asks). */
const COMMANDS: Record<string, string[][]> = {
  healthz: [['health', '--live']],
  readyz: [['health']],
  // login checks its token with whoami too (login.test.ts, with a real API).
  whoami: [['whoami']],
  createCluster: [['clusters', 'create', 'aws.stg', '--controller', 'ctrl']],
  listClusters: [['clusters', 'list']],
  getCluster: [['clusters', 'show', 'aws.stg']],
  listClusterChanges: [['clusters', 'changes', 'aws.stg', '--after', '0']],
  patchCluster: [['clusters', 'update', 'aws.stg', '--controller', 'ctrl-2']],
  deleteCluster: [
    ['clusters', 'delete', 'aws.stg', '--yes'],
    ['clusters', 'delete', 'aws.stg', '--force', '--yes'],
  ],
  createApp: [['apps', 'create', 'myapp', '--owner-group', 'team-a']],
  listApps: [['apps', 'list']],
  getApp: [['apps', 'show', 'myapp']],
  patchApp: [['apps', 'update', 'myapp', '--add-owner-group', 'team-b']],
  deleteApp: [['apps', 'delete', 'myapp', '--yes']],
  getDynamicProfiles: [['apps', 'dynamic', 'myapp']],
  putDynamicProfiles: [['apps', 'dynamic', 'myapp', '--database', 'postgres-rw', '--detach', 'aws']],
  ensureAppRole: [['roleid', 'myapp', '--cluster', 'aws.stg']],
  getAppRole: [['roleid', 'myapp', '--cluster', 'aws.stg', '--no-ensure']],
  planAppRole: [['plan', 'myapp', '--cluster', 'aws.stg']],
  createSecretIdToken: [['secret-id-token', 'myapp', '--cluster', 'aws.stg']],
  createSecretId: [['secret-id', 'myapp', '--cluster', 'aws.stg', '--cidr', '10.0.0.1/32']],
  audit: [],
  listAudit: [['audit', '--app', 'myapp', '--since', '24h']],
};
const SCOPES: [string, string[]][] = [
  ['App', ['myapp']],
  ['Global', ['--scope', 'global']],
  ['Project', ['--scope', 'project:aws']],
  ['Cluster', ['--scope', 'cluster:aws.stg']],
];
for (const [idPart, target] of SCOPES) {
  COMMANDS[`list${idPart}Secrets`] = [['secrets', 'list', ...target]];
  COMMANDS[`set${idPart}Secret`] = [['secrets', 'set', ...target, 'KEY', '--from-file', '@FILE']];
  COMMANDS[`get${idPart}Secret`] = [['secrets', 'get', ...target, 'KEY']];
  COMMANDS[`list${idPart}SecretVersions`] = [['secrets', 'history', ...target, 'KEY']];
  COMMANDS[`rollback${idPart}Secret`] = [['secrets', 'rollback', ...target, 'KEY', '--to', '1']];
  COMMANDS[`delete${idPart}Secret`] = [['secrets', 'delete', ...target, 'KEY', '--yes']];
}
delete COMMANDS['audit'];

let home: string;
let api: Recorder;
let valueFile: string;

beforeAll(async () => {
  home = await tempHome();
  api = await startRecorder();
  const { writeFile } = await import('node:fs/promises');
  valueFile = `${home}/value.txt`;
  await writeFile(valueFile, 'a value');
});
afterEach(() => {
  api.requests.length = 0;
});
afterAll(async () => {
  await api.close();
  await rm(home, { recursive: true, force: true });
});

describe('the CLI covers the API', () => {
  it('has a command for every route of the contract, except the listed operational ones', () => {
    const uncovered = ROUTES.map((r) => r.id).filter((id) => !(id in COMMANDS) && !(id in EXCLUDED));
    expect(uncovered).toEqual([]);
    const unknown = Object.keys(COMMANDS).filter((id) => !ROUTES.some((r) => r.id === id));
    expect(unknown).toEqual([]);
  });

  const rows = Object.entries(COMMANDS).flatMap(([id, lines]) => lines.map((argv) => ({ id, argv })));
  it.each(rows)('$id: deployer $argv', async ({ id, argv }) => {
    const args = argv.map((a) => (a === '@FILE' ? valueFile : a));
    const env = { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: 'a-token' };
    const r = await runInProcess(args, env);
    expect(r.stderr, r.stdout).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(api.requests.map((q) => q.routeId)).toContain(id);
  });
});
