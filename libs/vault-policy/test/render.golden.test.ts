/**
 * The default template's output for myapp in aws.stg, pinned byte for byte.
 * A change here changes every app's Vault objects on the next ensure: review
 * test/golden/ diffs as carefully as a policy change, because they are one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { DEFAULT_TEMPLATE, parseTemplate, renderDynamicRoles, renderVaultObjects } from '../src/index.js';
import { GOLDEN_DIR, expectGoldenJson, expectGoldenText } from './support/golden.js';

describe('golden: default template, myapp in aws.stg', () => {
  const objects = renderVaultObjects('myapp', 'aws.stg', DEFAULT_TEMPLATE, {
    kvMount: 'secret',
    approleMount: 'approle',
  });

  it('read policy HCL', async () => {
    await expectGoldenText('aws.stg.myapp/read-policy.hcl', objects.readPolicy.hcl);
  });

  it('getsecretid policy HCL', async () => {
    await expectGoldenText('aws.stg.myapp/getsecretid-policy.hcl', objects.getSecretIdPolicy.hcl);
  });

  it('AppRole role', async () => {
    await expectGoldenJson('aws.stg.myapp/approle.json', objects.approle);
  });

  it('token role', async () => {
    await expectGoldenJson('aws.stg.myapp/token-role.json', objects.tokenRole);
  });

  it('the whole rendering (names, rules, HCL, bodies)', async () => {
    await expectGoldenJson('aws.stg.myapp/objects.json', objects);
  });

  it('the default template itself, a starting point for POLICY_TEMPLATE_FILE', async () => {
    await expectGoldenJson('default-template.json', DEFAULT_TEMPLATE);
  });
});

describe('golden: the profiles of test/golden/profiles/template.json attached to myapp in aws.stg', () => {
  it('database, AWS and PKI roles (paths and bodies)', async () => {
    const json: unknown = JSON.parse(await readFile(join(GOLDEN_DIR, 'profiles/template.json'), 'utf8'));
    const template = parseTemplate(json);
    const attached = { database: ['main'], aws: ['s3-read'], pki: ['web'] };
    await expectGoldenJson(
      'profiles/aws.stg.myapp.dynamic-roles.json',
      renderDynamicRoles('myapp', 'aws.stg', attached, template),
    );
  });
});
