import { Args, Flags } from '@oclif/core';
import { vaultAddrFlag } from '../deploy/flags.js';
import { DeployerCommand } from '../base-command.js';
import { UsageError } from '../errors.js';
import type { InjectReport } from '../inject/inject.js';

export interface InjectCommandResult {
  report: InjectReport;
  /** The injected objects (what the text form prints as YAML). */
  manifests: Record<string, unknown>[];
}

export default class Inject extends DeployerCommand<InjectCommandResult> {
  static override summary = "Add secret-init, the refresh sidecar and in-memory secret volumes to an app's manifests.";
  static override description = `Reads Kubernetes manifests (files, directories, or stdin when none or "-" is given; \
multi-document YAML and Lists) and adds to every Deployment, StatefulSet, DaemonSet, Job, CronJob and Pod: the \
secret-init init container (with the RoleID and Vault's address: deployer.yml's, or --vault-addr), the \
secret-refresh native sidecar (it renews the pod's Vault token and leases and revokes them when the pod stops), in-memory volumes for /etc/secrets and /env (read-only in the app's containers) and for the lease directory \
(secret-init and secret-refresh only: it holds the pod's Vault token), the templates' ConfigMap at /config, a pod \
fsGroup (1000 unless the pod sets its own) so the app's containers can read the files whatever user they run as, and \
the ${'`'}secret-api.dev/role${'`'} annotation. Prints the manifests on stdout and what was injected or skipped on \
stderr.

Injecting injected manifests changes nothing. A workload annotated secret-api.dev/inject: "false" is left alone. \
Whatever cannot be injected safely (hostNetwork, a name already in use, another namespace, a pod fsGroup of 0, a \
Windows pod) is an error naming the object, and nothing is printed.

The RoleID comes from --role-id or ROLE_ID (what \`deployer roleid --format env\` prints); it is not a secret on its \
own, and it is never written to the report.`;

  static override examples = [
    {
      description: 'Inject a kustomize build for aws.stg:',
      command:
        'kustomize build k8s | ROLE_ID=$(<%= config.bin %> roleid myapp -c aws.stg) <%= config.bin %> <%= command.id %> -c aws.stg | kubectl apply -f -',
    },
    '<%= config.bin %> <%= command.id %> k8s/ --cluster aws.stg --role-id "$ROLE_ID" > injected.yaml',
  ];

  // Files and directories, any number (the first is declared for the help; argv has them all).
  static override strict = false;

  static override args = {
    manifests: Args.string({
      ignoreStdin: true,
      description: 'Manifest files or directories (*.yaml, *.yml, *.json); none or "-": stdin.',
    }),
  };

  static override flags = {
    cluster: Flags.string({ char: 'c', summary: 'Cluster, as <cloud>.<env>, listed in deployer.yml.', required: true }),
    'role-id': Flags.string({
      summary: "The app's RoleID in the cluster (`deployer roleid`).",
      env: 'ROLE_ID',
      required: true,
    }),
    'deployer-yml': Flags.string({ summary: "The app's deployer.yml.", default: 'deployer.yml' }),
    'vault-addr': vaultAddrFlag,
  };

  async run(): Promise<InjectCommandResult> {
    const { flags, argv } = await this.parse(Inject);
    const [
      { loadProject, injectionFor, readManifests, parseVaultAddr },
      { inject },
      { parseManifests, renderManifests },
      { reportLines },
    ] = await Promise.all([
      import('../deploy/project.js'),
      import('../inject/inject.js'),
      import('../inject/manifests.js'),
      import('../inject/report.js'),
    ]);
    const project = await loadProject(flags['deployer-yml']);
    const vaultAddr = flags['vault-addr'] === undefined ? undefined : parseVaultAddr(flags['vault-addr']);
    const { options, configMap } = await injectionFor(project, flags.cluster, flags['role-id'], vaultAddr);
    const paths = (argv as string[]).filter((p) => p !== '-');
    if (paths.length === 0 && process.stdin.isTTY) {
      throw new UsageError('give manifest files or directories, or pipe manifests on stdin', 'no_manifests');
    }
    const manifests =
      paths.length > 0
        ? await readManifests(paths)
        : parseManifests((await (await import('../io/input.js')).readStdinManifests()).toString('utf8'), 'stdin');
    // One object given twice would be applied twice (or fought over by two copies): refused, as deploy refuses it.
    const checks = await import('../deploy/manifest-checks.js');
    const duplicates = checks.duplicateProblems(manifests, options.namespace);
    if (duplicates.length > 0) throw checks.manifestError(duplicates, 'inject');
    const { objects, report } = inject(manifests, options, configMap);
    this.out(renderManifests(objects));
    for (const line of reportLines(report)) this.note(line);
    return { report, manifests: objects };
  }
}
