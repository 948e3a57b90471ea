import { Args, Flags } from '@oclif/core';
import type { TCluster } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { renderCluster } from '../../render.js';

export type ClusterCreateResult = TCluster;

export default class ClustersCreate extends DeployerCommand<ClusterCreateResult> {
  static override summary = 'Register a cluster and the controller subjects that may mint SecretIDs in it.';
  static override description = `The name is <cloud>.<env> (e.g. aws.stg); it becomes part of every Vault object made \
for the cluster. Controllers are JWT subjects (the cluster's secret-controller identity); only they can mint SecretID \
material for apps ensured in the cluster. Admin only.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> aws.stg --controller system:serviceaccount:secret-system:secret-controller',
    {
      description: 'Two controllers (e.g. during a migration):',
      command: '<%= config.bin %> <%= command.id %> gcp.prd --controller ctrl-a@gcp.prd --controller ctrl-b@gcp.prd',
    },
  ];

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Cluster name, <cloud>.<env>.', required: true }),
  };

  static override flags = {
    controller: Flags.string({
      summary: 'JWT subject of a controller of this cluster (repeat for several).',
      required: true,
      multiple: true,
      helpValue: 'SUBJECT',
    }),
  };

  async run(): Promise<ClusterCreateResult> {
    const { args, flags } = await this.parse(ClustersCreate);
    const { api, contract } = await this.connect();
    const cluster = await this.spin(`Creating cluster ${args.name}`, () =>
      api.send(contract.createClusterRoute, { body: { name: args.name, controllerSubjects: flags.controller } }),
    );
    this.out(`Created cluster ${cluster.name}.\n${renderCluster(cluster)}`);
    return cluster;
  }
}
