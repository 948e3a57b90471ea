import { Args, Flags } from '@oclif/core';
import type { TCluster } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { renderCluster } from '../../render.js';

export type ClusterUpdateResult = TCluster;

export default class ClustersUpdate extends DeployerCommand<ClusterUpdateResult> {
  static override summary = "Replace a cluster's controller subjects.";
  static override description = `The controllers given replace the current ones (list them all); from the next \
request on, only they can mint SecretID material in the cluster. The name cannot change: it is part of every Vault \
object made for the cluster. Admin only.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> aws.stg --controller system:serviceaccount:secret-system:secret-controller',
    {
      description: 'Two controllers during a migration:',
      command: '<%= config.bin %> <%= command.id %> gcp.prd --controller ctrl-a@gcp.prd --controller ctrl-b@gcp.prd',
    },
  ];

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Cluster name, <cloud>.<env>.', required: true }),
  };

  static override flags = {
    controller: Flags.string({
      summary: 'JWT subject of a controller of this cluster (repeat for several); replaces the current list.',
      required: true,
      multiple: true,
      helpValue: 'SUBJECT',
    }),
  };

  async run(): Promise<ClusterUpdateResult> {
    const { args, flags } = await this.parse(ClustersUpdate);
    const { api, contract } = await this.connect();
    const cluster = await this.spin(`Updating cluster ${args.name}`, () =>
      api.send(contract.patchClusterRoute, {
        params: { cluster: args.name },
        body: { controllerSubjects: flags.controller },
      }),
    );
    this.out(`Updated cluster ${cluster.name}.\n${renderCluster(cluster)}`);
    return cluster;
  }
}
