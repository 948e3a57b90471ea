// deployer.yml: its JSON Schema is generated from the contract and kept current; mistakes come back with the line
// and column where they are.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { deployerYmlJsonSchema, parseDeployerYml } from '@secret-api/contract';
import { describe, expect, it } from 'vitest';

const SCHEMA = fileURLToPath(new URL('../../../deploy/schema/deployer.schema.json', import.meta.url));

const VALID = `app: myapp
vaultAddr: https://vault:8200
clusters:
  - name: aws.stg
    context: stg
    namespace: web
`;

describe('deployer.yml JSON Schema', () => {
  it('is current with the contract (regenerate with `node deploy/schema/generate.mjs`)', async () => {
    expect(JSON.parse(await readFile(SCHEMA, 'utf8'))).toEqual(deployerYmlJsonSchema());
  });

  it('documents every top-level setting and requires the app and its clusters', () => {
    const schema = deployerYmlJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        'app',
        'clusters',
        'config',
        'dynamic',
        'images',
        'manifests',
        'resources',
        'restartOnChange',
        'secrets',
        'vaultAddr',
        'vaultCACert',
      ].sort(),
    );
    expect(schema.required).toEqual(['app', 'clusters']);
  });
});

describe('parsing deployer.yml', () => {
  it('fills in the defaults a minimal file leaves out', () => {
    const parsed = parseDeployerYml(VALID);
    expect(parsed).toMatchObject({
      success: true,
      data: {
        manifests: ['k8s/'],
        secrets: {},
        dynamic: { database: false, aws: false, pki: false },
        restartOnChange: false,
        images: {
          secretInit: expect.stringContaining('secret-init'),
          secretRefresh: expect.stringContaining('secret-refresh'),
        },
      },
    });
    // Left out, the config directory is config/ if it exists (deploy/project.ts); named, it must exist.
    expect(parsed.success && parsed.data.config).toBeUndefined();
  });

  it.each([
    ['an invalid app name', VALID.replace('app: myapp', 'app: My_App'), { path: 'app', line: 1, column: 6 }],
    [
      'a cluster name that is not <cloud>.<env>',
      VALID.replace('aws.stg', 'aws'),
      { path: 'clusters.0.name', line: 4, column: 11 },
    ],
    ['an unknown key, at the key', `${VALID}    replicas: 3\n`, { path: 'clusters.0.replicas', line: 7, column: 5 }],
    ['a top-level typo', `${VALID}restartOnChnage: true\n`, { path: 'restartOnChnage', line: 7, column: 1 }],
    [
      'a secret variable without the SECRET_ prefix, at the key',
      `${VALID}secrets:\n  DB_PASSWORD: secret/data/myapp/db#password\n`,
      { path: 'secrets.DB_PASSWORD', line: 8, column: 3 },
    ],
    [
      'a secret variable whose name starts with a digit (no shell variable; secret-init refuses it)',
      `${VALID}secrets:\n  SECRET_1A: secret/data/myapp/db\n`,
      { path: 'secrets.SECRET_1A', line: 8, column: 3 },
    ],
    [
      "a secret variable that would set the loader's LD_PRELOAD (secret-init refuses it)",
      `${VALID}secrets:\n  SECRET_LD_PRELOAD: secret/data/myapp/lib\n`,
      { path: 'secrets.SECRET_LD_PRELOAD', line: 8, column: 3 },
    ],
    [
      'a secret path with a .. segment',
      `${VALID}secrets:\n  SECRET_DB: secret/../sys/raw\n`,
      { path: 'secrets.SECRET_DB', line: 8, column: 14 },
    ],
    [
      'a missing namespace, at its cluster',
      VALID.replace('    namespace: web\n', ''),
      { path: 'clusters.0.namespace', line: 4, column: 5 },
    ],
    [
      'a cluster without any Vault address',
      VALID.replace('vaultAddr: https://vault:8200\n', ''),
      { path: 'clusters.0', line: 3, column: 5 },
    ],
    ['broken YAML', 'app: myapp\nclusters: [\n', { path: '', line: 3, column: 1 }],
  ])('reports %s with its line and column', (_what, text, where) => {
    const parsed = parseDeployerYml(text);
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(parsed.issues[0]).toMatchObject(where);
    expect(parsed.issues[0]?.message).not.toBe('');
  });
});
