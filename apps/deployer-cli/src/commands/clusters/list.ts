import type { TClusterList } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { table, list } from '../../io/table.js';

export type ClusterListResult = TClusterList;

export default class ClustersList extends DeployerCommand<ClusterListResult> {
  static override summary = 'List clusters and their controllers.';
  static override description = 'Cluster names are not secret: any authenticated caller may list them.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<ClusterListResult> {
    await this.parse(ClustersList);
    const { api, contract } = await this.connect();
    const { collect } = await import('../../api/pages.js');
    const items = await this.spin('Listing clusters', () =>
      collect((cursor) => api.send(contract.listClustersRoute, { query: { cursor } })),
    );
    if (items.length === 0) this.out('No clusters yet. Register one with: deployer clusters create <cloud>.<env>');
    else
      this.out(
        table(
          ['NAME', 'CLOUD', 'ENV', 'CONTROLLERS', 'CREATED'],
          items.map((c) => [c.name, c.cloud, c.env, list(c.controllerSubjects), c.createdAt]),
        ),
      );
    return { items };
  }
}
