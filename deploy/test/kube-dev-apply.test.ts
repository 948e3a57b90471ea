/**
 * The rendered chart against a Kubernetes API: kube-dev (apps/kube-dev) with the real kubectl 1.31. Every object of a
 * kind kube-dev serves passes `apply --dry-run=server`, is applied server-side, and applying again changes nothing;
 * the Deployments' pods start. Kinds kube-dev does not serve (Service, RBAC, PodDisruptionBudget — see
 * apps/kube-dev/README.md) are covered by the schema check in chart.test.ts only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeDev, type KubeDev } from 'kube-dev';
import { stringify } from 'yaml';
import { render, type Manifest } from './support/helm.js';
import { KUBECTL, run, type Run } from './support/tools.js';
import { minimal, VALUE_SETS } from './support/values.js';

const NS = 'platform';
let kube: KubeDev;
let dir: string;

beforeAll(async () => {
  kube = await startKubeDev();
  dir = mkdtempSync(join(tmpdir(), 'deploy-kubectl-'));
  kube.writeKubeconfig(join(dir, 'config'), NS);
  expect((await kubectl(['create', 'namespace', NS])).code).toBe(0);
});

afterAll(async () => {
  await kube?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function kubectl(args: string[], stdin?: string): Promise<Run> {
  return run(
    KUBECTL,
    ['--cache-dir', join(dir, 'cache'), ...args],
    { HOME: dir, KUBECONFIG: join(dir, 'config') },
    stdin,
  );
}

/** Whether the API server serves this kind, from its discovery documents (as kubectl itself decides). */
async function served(m: Manifest): Promise<boolean> {
  const path = m.apiVersion.includes('/') ? `/apis/${m.apiVersion}` : `/api/${m.apiVersion}`;
  const result = await kubectl(['get', '--raw', path]);
  if (result.code !== 0) return false;
  const list = JSON.parse(result.stdout) as { resources: { kind: string; name: string }[] };
  return list.resources.some((r) => r.kind === m.kind && !r.name.includes('/'));
}

async function split(manifests: Manifest[]): Promise<{ applied: Manifest[]; notServed: string[] }> {
  const applied: Manifest[] = [];
  const notServed: string[] = [];
  for (const m of manifests) {
    if (await served(m)) applied.push(m);
    else notServed.push(m.kind);
  }
  return { applied, notServed: [...new Set(notServed)].sort() };
}

/** A YAML stream (kubectl validates each document; a v1 List has no OpenAPI schema to validate against). */
const asList = (items: Manifest[]) => items.map((m) => stringify(m)).join('---\n');

describe('the chart on a Kubernetes API (kube-dev + kubectl 1.31)', () => {
  it('leaves to the schema check only the kinds kube-dev does not serve', async () => {
    const { applied, notServed } = await split(await render('r', NS, minimal));
    expect(notServed).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
    ]);
    expect(applied.map((m) => m.kind).sort()).toEqual(['Deployment', 'Deployment', 'ServiceAccount', 'ServiceAccount']);
  });

  for (const [name, values] of Object.entries(VALUE_SETS)) {
    it(`passes a server-side dry run (${name})`, async () => {
      const { applied } = await split(await render(`dry-${name.replace(/[^a-z]+/g, '')}`, NS, ...values));
      const result = await kubectl(
        ['apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', '-'],
        asList(applied),
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      // A dry run stores nothing.
      expect((await kubectl(['get', 'deployments', '-o', 'name'])).stdout).not.toContain('dry-');
    });
  }

  it('applies server-side, re-applies without a change, and starts the pods of both Deployments', async () => {
    const { applied } = await split(await render('r', NS, minimal));
    const first = await kubectl(['apply', '--server-side', '--field-manager', 'helm', '-f', '-'], asList(applied));
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('deployment.apps/r-secret-api serverside-applied');
    expect(first.stdout).toContain('deployment.apps/r-secret-api-controller serverside-applied');
    const before = JSON.parse((await kubectl(['get', 'deployments', '-o', 'json'])).stdout);
    const second = await kubectl(['apply', '--server-side', '--field-manager', 'helm', '-f', '-'], asList(applied));
    expect(second.code).toBe(0);
    const after = JSON.parse((await kubectl(['get', 'deployments', '-o', 'json'])).stdout);
    expect(after.items.map((d: Manifest) => d.metadata.resourceVersion)).toEqual(
      before.items.map((d: Manifest) => d.metadata.resourceVersion),
    );
    await expect
      .poll(
        async () => {
          const pods = JSON.parse((await kubectl(['get', 'pods', '-o', 'json'])).stdout).items as Manifest[];
          return pods
            .filter((p) => p.status?.phase === 'Running')
            .map((p) => p.metadata.labels['app.kubernetes.io/name'])
            .sort();
        },
        { timeout: 10_000 },
      )
      .toEqual(['secret-api', 'secret-api', 'secret-controller', 'secret-controller']);
    const pods = JSON.parse(
      (await kubectl(['get', 'pods', '-l', 'app.kubernetes.io/name=secret-controller', '-o', 'json'])).stdout,
    );
    const volume = pods.items[0].spec.volumes.find((v: { name: string }) => v.name === 'secret-api-token');
    expect(volume.projected.sources[0].serviceAccountToken.audience).toBe('secret-api');
    expect(pods.items[0].spec.serviceAccountName).toBe('r-secret-api-controller');
  });
});
