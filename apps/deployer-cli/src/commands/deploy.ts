import { Flags, ux } from '@oclif/core';
import { vaultAddrFlag } from '../deploy/flags.js';
import { DeployerCommand } from '../base-command.js';
import { resolve } from 'node:path';
import type { ApplyAction, Cluster } from '../deploy/kube.js';
import type { InjectReport } from '../inject/inject.js';
import type { Manifest } from '../inject/manifests.js';

export interface DeployResult {
  app: string;
  cluster: string;
  roleName: string;
  dryRun: boolean;
  report: InjectReport;
  /** What server-side apply did to each object (empty with --dry-run). */
  applied: { object: string; action: ApplyAction }[];
  /** Workloads waited for until rolled out. */
  rolledOut: string[];
  /** The app's earlier templates' ConfigMaps deleted, as nothing uses them any more. */
  pruned?: string[];
  /** With --dry-run: the manifests that would be applied. */
  manifests?: Record<string, unknown>[];
}

const POLL_MS = 500;

export default class Deploy extends DeployerCommand<DeployResult> {
  static override summary = "Deploy the app to a cluster: RoleID, templates' ConfigMap, injection, server-side apply.";
  static override description = `Reads deployer.yml, ensures the app's AppRole in the cluster through the Secret API \
(as \`deployer roleid\` does) and takes its RoleID, builds the ConfigMap of the config templates, injects secret-init \
and the refresh sidecar into the manifests (as \`deployer inject\`), then applies everything server-side (field \
manager "deployer") to the cluster of the deployer.yml entry's kubeconfig context (KUBECONFIG or ~/.kube/config), \
and waits until the Deployments, StatefulSets and DaemonSets are rolled out (--timeout).

--dry-run prints the manifests instead of applying them (YAML, or JSON with -o json), for a GitOps repository; the \
AppRole is still ensured, since the manifests carry its RoleID. Applying unchanged manifests changes nothing.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --cluster aws.stg',
    {
      description: 'Render for a GitOps repository instead of applying:',
      command: '<%= config.bin %> <%= command.id %> --cluster aws.prd --dry-run -o yaml > gitops/myapp/aws.prd.yaml',
    },
  ];

  static override flags = {
    cluster: Flags.string({ char: 'c', summary: 'Cluster, as <cloud>.<env>, listed in deployer.yml.', required: true }),
    'deployer-yml': Flags.string({ summary: "The app's deployer.yml.", default: 'deployer.yml' }),
    'dry-run': Flags.boolean({ summary: 'Print the manifests instead of applying them.', default: false }),
    output: Flags.option({
      char: 'o',
      summary: 'Format of the printed manifests (--dry-run).',
      options: ['yaml', 'json'] as const,
      default: 'yaml' as const,
    })(),
    wait: Flags.boolean({
      summary: 'Wait for the rollout (default); --no-wait returns once applied.',
      default: true,
      allowNo: true,
    }),
    timeout: Flags.string({ summary: 'How long to wait for the rollout (90s, 5m, 1h).', default: '5m' }),
    'request-timeout': Flags.string({
      summary: 'How long one request to the Kubernetes API may take (as kubectl --request-timeout).',
      default: '30s',
    }),
    'vault-addr': vaultAddrFlag,
    'force-conflicts': Flags.boolean({
      summary: 'Take over fields another field manager owns (kubectl scale, an autoscaler) instead of failing.',
      description:
        'As kubectl apply --server-side --force-conflicts. Without it, a field of the manifest that another manager ' +
        'has set since is a conflict (exit 4) and nothing of that object changes.',
      default: false,
    }),
    'create-namespace': Flags.boolean({
      summary: "Create the deployer.yml entry's namespace first when the cluster has none of that name.",
      description:
        'The namespace is created with the annotation secret-api.dev/apps: <app>, which lets the secret-controller ' +
        "deliver the app's SecretIDs to pods there (a namespace named like the app needs none).",
      default: false,
    }),
  };

  async run(): Promise<DeployResult> {
    const { flags } = await this.parse(Deploy);
    const [project, { inject }, { renderManifests, describeObject }, { reportLines }, { parseTimeout }] =
      await Promise.all([
        import('../deploy/project.js'),
        import('../inject/inject.js'),
        import('../inject/manifests.js'),
        import('../inject/report.js'),
        import('../deploy/timeout.js'),
      ]);
    const timeoutMs = parseTimeout(flags.timeout);
    const vaultAddr = flags['vault-addr'] === undefined ? undefined : project.parseVaultAddr(flags['vault-addr']);
    const loaded = await project.loadProject(flags['deployer-yml']);
    const cluster = project.selectCluster(loaded, flags.cluster, vaultAddr);
    const manifests = await project.readManifests(loaded.config.manifests.map((m) => resolve(loaded.dir, m)));
    const app = loaded.config.app;

    // The kubeconfig context and the manifests are checked before anything is written anywhere (Vault included).
    const checks = await import('../deploy/manifest-checks.js');
    const duplicates = checks.duplicateProblems(manifests, cluster.namespace);
    if (duplicates.length > 0) throw checks.manifestError(duplicates);
    const kube = flags['dry-run']
      ? undefined
      : (await import('../deploy/kube.js')).connectCluster(cluster.context, cluster.namespace, {
          forceConflicts: flags['force-conflicts'],
          requestTimeoutMs: parseTimeout(flags['request-timeout'], '--request-timeout'),
        });
    const { namespaceObject, applyOrder } = await import('../deploy/namespace.js');
    if (kube) await this.checkAgainstCluster(kube, manifests, cluster, app, flags['create-namespace']);
    // What inject refuses (hostNetwork, a port of ours, another namespace) is found before the AppRole is ensured;
    // the templates are read once, and only the RoleID is filled in after.
    const injection = await project.injectionFor(loaded, cluster.name, '', vaultAddr);
    inject(manifests, injection.options, injection.configMap);
    const { api, contract } = await this.connect();
    const role = await this.spin(`Ensuring the AppRole of ${app} in ${cluster.name}`, () =>
      api.send(contract.ensureAppRoleRoute, { params: { app, cluster: cluster.name } }),
    );
    const options = { ...injection.options, roleId: role.roleId };
    const { configMap } = injection;
    const { objects, report } = inject(manifests, options, configMap);
    for (const line of reportLines(report)) this.note(line);
    const result: DeployResult = {
      app,
      cluster: cluster.name,
      roleName: role.roleName,
      dryRun: flags['dry-run'],
      report,
      applied: [],
      rolledOut: [],
    };

    if (kube === undefined) {
      // The namespace a real deploy would create comes first, with its grant: a GitOps tool must create it so.
      const printed = flags['create-namespace'] ? [namespaceObject(cluster.namespace, app), ...objects] : objects;
      this.out(
        flags.output === 'json'
          ? JSON.stringify({ apiVersion: 'v1', kind: 'List', items: printed }, null, 2)
          : renderManifests(printed),
      );
      return { ...result, manifests: printed };
    }

    const { flatten } = await import('../deploy/kube.js');
    let created = false;
    if (flags['create-namespace']) {
      created = await this.spin(`Checking namespace ${cluster.namespace}`, () =>
        kube.ensureNamespace(cluster.namespace, app),
      );
      if (created) this.note(`namespace ${cluster.namespace} created`);
    }
    // A namespace this deploy created carries the grant already: no second read.
    if (!created && cluster.namespace !== app && !(await kube.namespaceRuns(cluster.namespace, app))) {
      this.note(
        `warning: namespace ${cluster.namespace} does not list ${app} in its ${contract.NAMESPACE_APPS_ANNOTATION} annotation: ` +
          'secret-controller gives its pods no SecretID until a cluster admin adds it',
      );
    }
    const applied: KubeObjectLike[] = [];
    for (const object of applyOrder(flatten(objects))) {
      const outcome = await this.spin(`Applying ${describeObject(object)}`, () => kube.apply(object));
      result.applied.push({ object: describeObject(object), action: outcome.action });
      this.note(`${describeObject(object)} ${outcome.action}`);
      applied.push(outcome.object);
    }
    if (flags.wait) result.rolledOut = await this.waitForRollout(kube, applied, timeoutMs);
    result.pruned = await this.pruneConfigMaps(kube, app, options.configMapName);
    return result;
  }

  /**
   * What only the cluster can tell of the manifests, before anything is written: kinds it does not serve, and the
   * deployer.yml namespace missing (unless this deploy creates it, or the manifests hold it).
   */
  private async checkAgainstCluster(
    kube: Cluster,
    manifests: readonly Manifest[],
    cluster: { name: string; context: string; namespace: string },
    app: string,
    createNamespace: boolean,
  ): Promise<void> {
    const [checks, { namespaceObject }] = await Promise.all([
      import('../deploy/manifest-checks.js'),
      import('../deploy/namespace.js'),
    ]);
    const unserved = await this.spin('Checking the manifests against the cluster', () =>
      checks.unservedProblems(manifests, kube.servedKind),
    );
    if (unserved.length > 0) throw checks.manifestError(unserved);
    const given = manifests.some(
      (m) =>
        m.object['kind'] === 'Namespace' && (m.object['metadata'] as { name?: unknown })?.name === cluster.namespace,
    );
    if (!createNamespace && !given && (await kube.read(namespaceObject(cluster.namespace, app))) === undefined) {
      throw checks.manifestError([
        `namespace ${cluster.namespace} (deployer.yml, cluster ${cluster.name}) does not exist in context ` +
          `${cluster.context}: deploy with --create-namespace, or create it first`,
      ]);
    }
  }

  /**
   * Removes the app's templates' ConfigMaps that nothing uses any more (earlier templates, once no ReplicaSet kept
   * for a rollback names them). Only said, never fatal: the deploy itself succeeded.
   */
  private async pruneConfigMaps(kube: Cluster, app: string, current: string): Promise<string[]> {
    const { configMapSelector } = await import('../inject/config-map.js');
    try {
      const pruned = await kube.pruneConfigMaps(configMapSelector(app), current);
      for (const name of pruned)
        this.note(`ConfigMap/${kube.namespace}/${name} deleted (no workload uses it any more)`);
      return pruned;
    } catch (err) {
      this.note(`warning: earlier templates' ConfigMaps were left in place: ${(err as Error).message}`);
      return [];
    }
  }

  /** Polls each workload until its status says rolled out; progress only on a terminal. */
  private async waitForRollout(kube: Cluster, applied: KubeObjectLike[], timeoutMs: number): Promise<string[]> {
    const [
      { WAITED_KINDS, rolloutState, podSelector, podProblems },
      { describeObject },
      { RolloutFailedError, RolloutTimeoutError },
    ] = await Promise.all([
      import('../deploy/rollout.js'),
      import('../inject/manifests.js'),
      import('../deploy/errors.js'),
    ]);
    const workloads = applied.filter((o) => WAITED_KINDS.has(String(o['kind'])));
    const progress = !this.jsonEnabled() && Boolean(process.stderr.isTTY) && !process.env['CI'];
    const deadline = Date.now() + timeoutMs;
    const done: string[] = [];
    for (const workload of workloads) {
      const name = describeObject(workload);
      if (progress) ux.action.start(`Waiting for ${name}`);
      for (;;) {
        const current = await kube.read(workload);
        const state = current === undefined ? { done: false, message: 'not found' } : rolloutState(current);
        if (state.done) break;
        if (progress) ux.action.status = state.message;
        if (state.failed !== undefined || Date.now() >= deadline) {
          if (progress) ux.action.stop(state.failed !== undefined ? 'failed' : 'timed out');
          const selector = podSelector(workload);
          // What is wrong with its pods, when the cluster says: a crash-looping secret-init is the usual answer.
          const problems = selector ? podProblems(await kube.pods(selector).catch(() => [])) : [];
          const why = problems.length > 0 ? `\n${problems.map((p) => `  ${p}`).join('\n')}` : '';
          if (state.failed !== undefined) {
            throw new RolloutFailedError(
              `${name} ${state.failed}: Kubernetes stopped waiting for it (it was applied; fix it and deploy again)${why}`,
            );
          }
          throw new RolloutTimeoutError(
            `${name} did not roll out within ${timeoutMs / 1000} s (${state.message}); it was applied, and Kubernetes keeps rolling it out${why}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      if (progress) ux.action.stop('rolled out');
      else this.note(`${name} rolled out`);
      done.push(name);
    }
    return done;
  }
}

type KubeObjectLike = Record<string, unknown>;
