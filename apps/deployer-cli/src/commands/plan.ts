import { Args, Flags } from '@oclif/core';
import type { TAppRolePlanResponse } from '@secret-api/contract';
import { DeployerCommand } from '../base-command.js';
import { table } from '../io/table.js';

export type PlanResult = TAppRolePlanResponse;

export default class Plan extends DeployerCommand<PlanResult> {
  static override summary =
    "Show what `deployer roleid` would change in a cluster's Vault for an app, changing nothing.";
  static override description = `Compares the Vault objects the app should have in the cluster (AppRole, its two \
policies, the token role) with what Vault holds, and shows for each whether an ensure would create it, update it \
(with the fields that differ) or leave it unchanged. Read-only. Allowed to the app's owners, its deployers and admins.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp --cluster aws.stg',
    {
      description: 'Fail a CI step when Vault has drifted:',
      command:
        '<%= config.bin %> <%= command.id %> myapp --cluster aws.prd --json | jq -e \'all(.changes[]; .action == "unchanged")\'',
    },
  ];

  static override args = {
    app: Args.string({ ignoreStdin: true, description: 'App name.', required: true }),
  };

  static override flags = {
    cluster: Flags.string({ char: 'c', summary: 'Cluster, as <cloud>.<env> (e.g. aws.stg).', required: true }),
  };

  async run(): Promise<PlanResult> {
    const { args, flags } = await this.parse(Plan);
    const { api, contract } = await this.connect();
    const plan = await this.spin(`Planning ${args.app} in ${flags.cluster}`, () =>
      api.send(contract.planAppRoleRoute, { params: { app: args.app, cluster: flags.cluster } }),
    );
    this.out(
      table(
        ['KIND', 'NAME', 'ACTION', 'FIELDS'],
        plan.changes.map((c) => [c.kind, c.name, c.action, (c.fields ?? []).join(', ')]),
      ),
    );
    const pending = plan.changes.filter((c) => c.action !== 'unchanged').length;
    this.note(
      pending === 0
        ? `Role ${plan.roleName}: up to date.`
        : `Role ${plan.roleName}: ${pending} change${pending === 1 ? '' : 's'}; \`deployer roleid ${args.app} --cluster ${flags.cluster}\` applies them.`,
    );
    return plan;
  }
}
