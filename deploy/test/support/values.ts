/** Value sets the chart is rendered, linted and applied with: the smallest complete one and its variations. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Values } from './helm.js';
import { CHART_DIR } from './tools.js';

/** ci/test-values.yaml: what an operator must fill in, and nothing more. */
export const minimal: Values = parse(readFileSync(join(CHART_DIR, 'ci', 'test-values.yaml'), 'utf8')) as Values;

/** The API logs in with its own AppRole; no controller in this cluster; no disruption budgets. */
export const approleNoController: Values = {
  api: {
    replicas: 1,
    secrets: { vault: { auth: 'approle' } },
    podDisruptionBudget: { enabled: false },
  },
  controller: { enabled: false },
};

/** Every optional knob turned: JWKS files and CAs, extra env, own image tags, scheduling, a LoadBalancer. */
export const everything: Values = {
  fullnameOverride: 'platform-secrets',
  image: { registry: 'registry.example.com/platform', tag: '1.2.3' },
  imagePullSecrets: [{ name: 'registry-credentials' }],
  api: {
    image: { repository: 'secret-api', tag: '1.2.4' },
    jwksFiles: { 'ci.json': { keys: [] } },
    // Not parsed by the chart: a ConfigMap of certificates, which the API reads and checks at start.
    jwksCaFiles: { 'cluster-ca.crt': '-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n' },
    extraEnv: [{ name: 'VAULT_TIMEOUT_MS', value: '8000' }],
    service: { type: 'LoadBalancer', port: 443 },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
    logLevel: 'debug',
  },
  controller: {
    replicas: 3,
    secretApiUrl: 'https://secret-api.example.com',
    tokenAudience: 'https://secret-api.example.com',
    leaseName: 'secret-controller-aws-stg',
    extraEnv: [{ name: 'SECRET_CONTROLLER_WORKERS', value: '8' }],
  },
};

export const VALUE_SETS: Record<string, Values[]> = {
  minimal: [minimal],
  'approle, no controller': [minimal, approleNoController],
  everything: [minimal, everything],
};
