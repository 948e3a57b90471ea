import type { TAppList } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { list, table } from '../../io/table.js';

export type AppListResult = TAppList;

export default class AppsList extends DeployerCommand<AppListResult> {
  static override summary = 'List apps with their owner groups, deployers and reveal groups.';
  static override description = 'App names are not secret: any authenticated caller may list them.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {
      description: 'Names only, for a script:',
      command: "<%= config.bin %> <%= command.id %> --json | jq -r '.items[].name'",
    },
  ];

  async run(): Promise<AppListResult> {
    await this.parse(AppsList);
    const { api, contract } = await this.connect();
    const { collect } = await import('../../api/pages.js');
    const items = await this.spin('Listing apps', () =>
      collect((cursor) => api.send(contract.listAppsRoute, { query: { cursor } })),
    );
    if (items.length === 0) this.out('No apps yet. Create one with: deployer apps create <name> --owner-group <group>');
    else
      this.out(
        table(
          ['NAME', 'OWNER GROUPS', 'DEPLOYERS', 'REVEAL GROUPS', 'CREATED'],
          items.map((a) => [a.name, list(a.ownerGroups), list(a.deployers), list(a.revealGroups), a.createdAt]),
        ),
      );
    return { items };
  }
}
