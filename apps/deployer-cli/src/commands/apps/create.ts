import { Args, Flags } from '@oclif/core';
import type { TApp, TCreateAppInput } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { renderApp } from '../../render.js';

export type AppCreateResult = TApp;

export default class AppsCreate extends DeployerCommand<AppCreateResult> {
  static override summary = 'Create an app: who owns its secrets, who may deploy it, who may read values.';
  static override description = `Owner groups (from the JWT groups claim) set, list, roll back and delete the app's \
secrets and see their history. Deployers are JWT subject patterns ('*' matches any run of characters) that may \
ensure the app's AppRole and read its RoleID, e.g. a CI OIDC subject. Reveal groups may read secret values; \
nobody may by default. Admin only.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp --owner-group team-payments',
    {
      description: 'Let the main branch of a GitHub repository deploy it, and on-call read values:',
      command:
        "<%= config.bin %> <%= command.id %> myapp --owner-group team-payments --deployer 'repo:acme/myapp:ref:refs/heads/main' --reveal-group payments-oncall",
    },
  ];

  static override args = {
    name: Args.string({
      ignoreStdin: true,
      description: 'App name: lowercase letters, digits and -, at most 63.',
      required: true,
    }),
  };

  static override flags = {
    'owner-group': Flags.string({
      summary: 'Group whose members own the app (repeat for several).',
      required: true,
      multiple: true,
      helpValue: 'GROUP',
    }),
    deployer: Flags.string({
      summary: "JWT subject pattern allowed to deploy ('*' glob; repeat for several).",
      multiple: true,
      helpValue: 'PATTERN',
    }),
    'reveal-group': Flags.string({
      summary: 'Group whose members may read secret values (repeat for several).',
      multiple: true,
      helpValue: 'GROUP',
    }),
  };

  async run(): Promise<AppCreateResult> {
    const { args, flags } = await this.parse(AppsCreate);
    const body: TCreateAppInput = {
      name: args.name,
      ownerGroups: flags['owner-group'],
      ...(flags.deployer && { deployers: flags.deployer }),
      ...(flags['reveal-group'] && { revealGroups: flags['reveal-group'] }),
    };
    const { api, contract } = await this.connect();
    const app = await this.spin(`Creating app ${args.name}`, () => api.send(contract.createAppRoute, { body }));
    this.out(`Created app ${app.name}.\n${renderApp(app)}`);
    return app;
  }
}
