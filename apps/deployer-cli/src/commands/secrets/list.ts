import { Args } from '@oclif/core';
import type { TSecretList } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { table } from '../../io/table.js';

export type SecretListResult = TSecretList;

export default class SecretsList extends DeployerCommand<SecretListResult> {
  static override summary = "List an app's secret keys with their current version (never the values).";
  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp',
    "<%= config.bin %> <%= command.id %> myapp --json | jq -r '.items[].key'",
  ];

  static override args = {
    app: Args.string({ description: 'App name.', required: true }),
  };

  async run(): Promise<SecretListResult> {
    const { args } = await this.parse(SecretsList);
    const { api, contract } = await this.connect();
    const { collect } = await import('../../api/pages.js');
    const items = await this.spin(`Listing secrets of ${args.app}`, () =>
      collect((cursor) => api.send(contract.appSecretRoutes.list, { params: { app: args.app }, query: { cursor } })),
    );
    if (items.length === 0)
      this.out(`App ${args.app} has no secrets yet. Set one with: deployer secrets set ${args.app} KEY`);
    else
      this.out(
        table(
          ['KEY', 'VERSION', 'UPDATED', 'UPDATED BY'],
          items.map((s) => [s.key, String(s.version), s.updatedAt, s.updatedBy]),
        ),
      );
    return { items };
  }
}
