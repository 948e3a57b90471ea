/**
 * The program as deployed: bin/secret-controller.js runs the bundle (dist/bundle), one file with everything it
 * imports. That it starts at all, parses its environment with the contract's schemas and fails clearly, shows the
 * bundle is whole.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/secret-controller.js', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../dist/bundle/secret-controller.mjs', import.meta.url));

function run(env: Record<string, string>) {
  return spawnSync(process.execPath, [BIN], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });
}

describe('the secret-controller program', () => {
  it('runs from its bundle and names a missing variable in one line, exit 2', () => {
    expect(existsSync(BUNDLE)).toBe(true);
    const r = run({});
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('secret-controller: SECRET_CONTROLLER_CLUSTER is required\n');
  });

  it("refuses a cluster name that is not one, with the contract's message", () => {
    const r = run({
      SECRET_CONTROLLER_CLUSTER: 'Not A Cluster',
      SECRET_API_URL: 'http://127.0.0.1:1',
      SECRET_API_TOKEN_FILE: '/nonexistent',
      KUBECONFIG: '/nonexistent',
      SECRET_CONTROLLER_NAMESPACE: 'secret-system',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^secret-controller: .*cluster name.*\n$/);
  });
});
