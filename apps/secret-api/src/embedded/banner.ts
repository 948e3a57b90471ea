/**
 * What `npm start` prints once the embedded stack listens. Everything under "Paste these" is meant to be pasted
 * as a block into another shell, so nothing there may change how the next `npm start` behaves: VAULT_ADDR in
 * particular switches the embedded stack off (production mode), so vault-dev's address and token are printed
 * apart, as a per-command prefix for direct Vault access, never as an `export`.
 */
import { resolve } from 'node:path';
import { DEV_DATABASE_CONNECTION, type DevEnginesReport } from './dev-engines.js';
import { DEV_ADMIN_SUBJECT } from './dev-issuer.js';
import type { EmbeddedCluster } from './kubernetes.js';

export interface BannerInput {
  apiUrl: string;
  dataDir: string;
  vault: { address: string; rootToken: string };
  /** The dynamic engines set up in vault-dev; omitted, no engine lines. */
  engines?: DevEnginesReport;
  /** The admin token, when the dev issuer runs (AUTH_ISSUERS unset). */
  adminToken: string | undefined;
  adminGroup: string | undefined;
  /** The dev issuer's subject prefix, when the clusters' issuers are trusted beside it. */
  devSubjectPrefix?: string;
  /** The embedded Kubernetes stand-ins, when they run. */
  kubernetes?: { kubeconfig: string; clusters: EmbeddedCluster[] };
}

/** Single-quotes a value only when the shell would otherwise split or expand it. */
export function shellValue(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** dev-token finds the issuer in ./.data or $DATA_DIR; another shell has neither set, so a non-default one is named. */
function dataDirOption(dataDir: string): string {
  return resolve(dataDir) === resolve('.data') ? '' : ` --data-dir ${shellValue(dataDir)}`;
}

export function renderBanner(input: BannerInput): string {
  const rows: [string, string][] = [[`export SECRET_API_URL=${shellValue(input.apiUrl)}`, 'the Secret API']];
  if (input.kubernetes) {
    const contexts = input.kubernetes.clusters.map((c) => c.context).join(', ');
    rows.push([`export KUBECONFIG=${shellValue(input.kubernetes.kubeconfig)}`, `kubectl and deployer: ${contexts}`]);
  }
  if (input.adminToken !== undefined) {
    rows.push([
      `export SECRET_API_TOKEN=${input.adminToken}`,
      `admin (${input.devSubjectPrefix ?? ''}${DEV_ADMIN_SUBJECT}, group ${input.adminGroup ?? ''}) from the dev issuer, valid 12 h`,
    ]);
  }
  // A JWT is far longer than the rest: aligning every note after it would push them off the screen.
  const width = Math.max(...rows.map(([line]) => line.length).filter((length) => length <= 80));
  const lines = [
    `Secret API (embedded dev stack) is ready at ${input.apiUrl}`,
    '',
    input.adminToken !== undefined
      ? 'Paste these to use the deployer CLI as admin:'
      : 'Paste these to use the deployer CLI:',
    '',
    ...rows.map(([line, note]) => `  ${line.padEnd(width)}  # ${note}`),
  ];
  if (input.adminToken === undefined) {
    lines.push('  # SECRET_API_TOKEN: a token from one of your AUTH_ISSUERS (the dev issuer runs only without them)');
  } else {
    lines.push(
      '',
      'To act as someone else (owner, CI deployer, cluster controller), mint a token with the dev issuer:',
      `  export SECRET_API_TOKEN=$(npx secret-api dev-token${dataDirOption(input.dataDir)} --subject alice@example.com --group team-a)`,
    );
    if (input.devSubjectPrefix) {
      lines.push(
        `  (its principals are ${input.devSubjectPrefix}<subject>: the clusters' issuers are trusted too, each with its own prefix)`,
      );
    }
  }
  if (input.kubernetes) lines.push('', ...kubernetesLines(input.kubernetes.clusters, input.vault.address));
  lines.push(
    '',
    'Direct access to vault-dev (root token), per command; do not export VAULT_ADDR in a shell you run',
    '`npm start` from: with VAULT_ADDR set, secret-api expects a production Vault and no embedded stack.',
    `  VAULT_ADDR=${shellValue(input.vault.address)} VAULT_TOKEN=${shellValue(input.vault.rootToken)} vault kv list secret/`,
    '',
    ...(input.engines ? engineLines(input.engines) : []),
    `Everything is kept in ${input.dataDir} (database, vault-dev state, keys) and survives a restart.`,
    'Stop with Ctrl-C. To start afresh, stop and move the directory aside.',
    '',
  );
  return lines.join('\n');
}

/** Each embedded cluster: where its API is, who its controller is, where its pods' files are. */
function kubernetesLines(clusters: EmbeddedCluster[], vaultAddr: string): string[] {
  const lines = ['Kubernetes stand-ins (kube-dev; in memory: their objects and pods are gone after a restart):'];
  for (const c of clusters) {
    lines.push(
      `  ${c.name}  ${c.address} (context ${c.context}); controller ${c.controllerPrincipal}`,
      `  ${' '.repeat(c.name.length)}  pods' volumes (rendered secrets) in ${c.podsDir}/<namespace>/<pod>/volumes`,
    );
  }
  lines.push(
    `  deploy an app (README.md): npx deployer deploy --cluster ${clusters[0]?.name ?? '<cluster>'} ` +
      `--vault-addr ${vaultAddr} --create-namespace`,
  );
  return lines;
}

/** What a template can draw from vault-dev's dynamic engines, and what is off and why. */
function engineLines(engines: DevEnginesReport): string[] {
  const lines = ['Dynamic secrets in vault-dev (tls*, awsCredsEnvVars, dbUsername/dbPassword):'];
  if (engines.pkiMounts.length > 0) {
    lines.push(
      `  PKI       ${engines.pkiMounts.join(', ')} (a dev root CA each; EMBEDDED_CLUSTERS picks the clusters)`,
    );
  }
  lines.push('  AWS       aws/ with dummy root credentials: keys look real but no AWS account knows them');
  lines.push(
    engines.database !== undefined
      ? `  database  database/config/${DEV_DATABASE_CONNECTION} -> PostgreSQL at ${engines.database}`
      : '  database  off: set DEV_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres (a PostgreSQL that' +
          ' may CREATE ROLE;\n            the embedded PGlite cannot serve network logins)',
  );
  lines.push('');
  return lines;
}
