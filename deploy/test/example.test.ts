/**
 * deploy/examples/myapp as a repository would hold it: a deployer.yml the CLI's schema accepts, templates that parse
 * with secret-init's functions, a valid Deployment, and CI jobs whose OIDC audience is the one the Secret API's
 * issuer entries expect.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDeployerYml } from '@secret-api/contract';
import { Template } from '@secret-api/go-template';
import { VAULT_TEMPLATE_FUNCTIONS } from '@secret-api/pod-env';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseManifests } from './support/helm.js';
import { EXAMPLE_DIR } from './support/tools.js';
import { validateManifest } from './support/validate.js';

const read = (...path: string[]) => readFileSync(join(EXAMPLE_DIR, ...path), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CI files are read field by field
const yamlOf = (...path: string[]): any => parse(read(...path));

const issuers = JSON.parse(read('secret-api', 'auth-issuers.json')) as { issuer: string; audience: string }[];
const audienceOf = (issuer: string) => issuers.find((i) => i.issuer === issuer)?.audience;

describe('the example app', () => {
  it('has a deployer.yml the deployer accepts', () => {
    const parsed = parseDeployerYml(read('deployer.yml'));
    expect(parsed.success ? [] : parsed.issues).toEqual([]);
    if (!parsed.success) return;
    expect(parsed.data.app).toBe('myapp');
    expect(parsed.data.clusters.map((c) => c.name)).toEqual(['aws.stg']);
  });

  it('has templates that parse with the functions secret-init provides, and use each kind of secret', () => {
    const files = readdirSync(join(EXAMPLE_DIR, 'config')).filter((f) => f.endsWith('.tmpl'));
    const used = new Set<string>();
    for (const file of files) {
      const text = read('config', file);
      new Template(file, { missingKey: 'error' }).dependencies(VAULT_TEMPLATE_FUNCTIONS).parse(text);
      for (const fn of VAULT_TEMPLATE_FUNCTIONS) if (new RegExp(`\\{\\{-?\\s*${fn}\\b`).test(text)) used.add(fn);
    }
    expect([...used].sort()).toEqual(['awsCredsEnvVars', 'dbPassword', 'dbUsername', 'lookup', 'tlsCert', 'tlsKey']);
  });

  it('refuses a template calling a function secret-init does not have (the parse check is real)', () => {
    expect(() =>
      new Template('bad.tmpl', { missingKey: 'error' })
        .dependencies(VAULT_TEMPLATE_FUNCTIONS)
        .parse('{{ vaultRead "x" }}'),
    ).toThrow(/vaultRead/);
  });

  it('has a plain, valid Deployment with nothing about Vault in it', async () => {
    const [deployment, ...rest] = parseManifests(read('k8s', 'deployment.yaml'));
    expect(rest).toEqual([]);
    await validateManifest(deployment as NonNullable<typeof deployment>);
    expect(JSON.stringify(deployment)).not.toMatch(/vault|secret-init|secret-api\.dev/i);
  });

  it('has a GitHub workflow that may request an OIDC token with the audience the API expects, then deploys', () => {
    const workflow = yamlOf('ci', 'github', 'deploy.yml');
    expect(workflow.permissions['id-token']).toBe('write');
    expect(workflow.on.push.branches).toEqual(['main']);
    const job = workflow.jobs.deploy;
    expect(job.env.SECRET_API_AUDIENCE).toBe(audienceOf('https://token.actions.githubusercontent.com'));
    const script = job.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    expect(script).toContain('${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${SECRET_API_AUDIENCE}');
    expect(script).toContain('SECRET_API_TOKEN=');
    expect(script).toMatch(/deployer deploy --cluster aws\.stg/);
  });

  it('has a GitLab job whose ID token carries the audience the API expects, then deploys', () => {
    const job = yamlOf('ci', 'gitlab-ci.yml')['deploy-aws-stg'];
    expect(job.id_tokens.SECRET_API_TOKEN.aud).toBe(audienceOf('https://gitlab.com'));
    expect(job.rules).toEqual([{ if: '$CI_COMMIT_BRANCH == "main"' }]);
    expect(job.script.join('\n')).toMatch(/deployer deploy --cluster aws\.stg/);
  });
});
