import { Args } from '@oclif/core';
import type { TCluster } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { renderCluster } from '../../render.js';

export type ClusterShowResult = TCluster;

export default class ClustersShow extends DeployerCommand<ClusterShowResult> {
  static override summary = 'Show a cluster: its cloud, environment and the controllers that may mint SecretIDs in it.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> aws.stg',
    "<%= config.bin %> <%= command.id %> aws.stg --json | jq -r '.controllerSubjects[]'",
  ];

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Cluster name (<cloud>.<env>).', required: true }),
  };

  async run(): Promise<ClusterShowResult> {
    const { args } = await this.parse(ClustersShow);
    const { api, contract } = await this.connect();
    const cluster = await this.spin(`Reading cluster ${args.name}`, () =>
      api.send(contract.getClusterRoute, { params: { cluster: args.name } }),
    );
    this.out(renderCluster(cluster));
    return cluster;
  }
}
