import { Args } from '@oclif/core';
import type { TSecretList } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { table } from '../../io/table.js';
import { describeTarget, resolveTarget, scopeFlag, scopeRoutes } from '../../secret-scope.js';

export type SecretListResult = TSecretList;

export default class SecretsList extends DeployerCommand<SecretListResult> {
  static override summary = "List an app's (or a shared scope's) secret keys with their current version, never values.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp',
    "<%= config.bin %> <%= command.id %> myapp --json | jq -r '.items[].key'",
    {
      description: 'The shared secrets of project aws (admins):',
      command: '<%= config.bin %> <%= command.id %> --scope project:aws',
    },
  ];

  static override args = {
    app: Args.string({ ignoreStdin: true, description: 'App name (omit with --scope).', required: false }),
  };

  static override flags = { scope: scopeFlag };

  async run(): Promise<SecretListResult> {
    const { args, flags } = await this.parse(SecretsList);
    const { target } = resolveTarget([args.app], flags.scope, false);
    const { api, contract } = await this.connect();
    const { routes, params } = scopeRoutes(contract, target);
    const { collect } = await import('../../api/pages.js');
    const where = describeTarget(target);
    const items = await this.spin(`Listing secrets of ${where}`, () =>
      collect((cursor) => api.send(routes.list, { params, query: { cursor } })),
    );
    if (items.length === 0) {
      const how = target.kind === 'app' ? target.app : `--scope ${flags.scope ?? ''}`;
      this.out(
        `${where[0]?.toUpperCase()}${where.slice(1)} has no secrets yet. Set one with: deployer secrets set ${how} KEY`,
      );
    } else
      this.out(
        table(
          ['KEY', 'VERSION', 'UPDATED', 'UPDATED BY'],
          items.map((s) => [s.key, String(s.version), s.updatedAt, s.updatedBy]),
        ),
      );
    return { items };
  }
}
