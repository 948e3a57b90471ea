import { Args, Flags } from '@oclif/core';
import type { TEnsureAppRoleResponse } from '@secret-api/contract';
import { DeployerCommand } from '../base-command.js';

export type RoleIdResult = TEnsureAppRoleResponse;

export default class RoleId extends DeployerCommand<RoleIdResult> {
  static override summary = "Ensure the app's AppRole in a cluster and print its RoleID (what a CI deploy step runs).";
  static override description = `Creates or repairs the app's AppRole, policies and token role in the cluster's Vault \
(idempotent: running it on every deploy is the point), then prints the RoleID. The RoleID is not a secret on its \
own; the pod pairs it with a SecretID that only the cluster's controller can mint.

Allowed for the app's owners, its deployers (a CI subject matching one of the app's deployer patterns) and admins.

--no-ensure only reads the RoleID of an AppRole already ensured (GET, changes nothing; exit 3 when there is none), \
e.g. for a step that must not write to Vault.

Output formats: raw (the RoleID alone, default), env (ROLE_ID=... and ROLE_NAME=... lines, for $GITHUB_ENV or \
\`export\`), json ({roleName, roleId, changed}).`;

  static override examples = [
    {
      description: 'The RoleID alone, for a deploy script:',
      command: 'ROLE_ID=$(<%= config.bin %> <%= command.id %> myapp --cluster aws.stg)',
    },
    {
      description: 'As environment lines for GitHub Actions:',
      command: '<%= config.bin %> <%= command.id %> myapp --cluster aws.stg --format env >> "$GITHUB_ENV"',
    },
    {
      description: 'As a JSON object:',
      command: '<%= config.bin %> <%= command.id %> myapp --cluster aws.prd --format json',
    },
  ];

  static override args = {
    app: Args.string({ ignoreStdin: true, description: 'App name.', required: true }),
  };

  static override flags = {
    cluster: Flags.string({ char: 'c', summary: 'Cluster, as <cloud>.<env> (e.g. aws.stg).', required: true }),
    ensure: Flags.boolean({
      summary: 'Ensure the AppRole first (default); --no-ensure only reads the RoleID.',
      default: true,
      allowNo: true,
    }),
    format: Flags.option({
      summary: 'Output format.',
      options: ['raw', 'env', 'json'] as const,
      default: 'raw' as const,
    })(),
  };

  async run(): Promise<RoleIdResult> {
    const { args, flags } = await this.parse(RoleId);
    // The AppRole routes only, not the whole contract: this runs in every deploy (start-up, bench/cli).
    const [{ api }, routes] = await Promise.all([this.client(), import('../api/contract/approle.js')]);
    const params = { app: args.app, cluster: flags.cluster };
    const result: RoleIdResult = flags.ensure
      ? await this.spin(`Ensuring the AppRole of ${args.app} in ${flags.cluster}`, () =>
          api.send(routes.ensureAppRoleRoute, { params }),
        )
      : {
          ...(await this.spin(`Reading the RoleID of ${args.app} in ${flags.cluster}`, () =>
            api.send(routes.getAppRoleRoute, { params }),
          )),
          changed: false,
        };
    if (flags.format === 'env') this.out(`ROLE_ID=${result.roleId}\nROLE_NAME=${result.roleName}`);
    else if (flags.format === 'json') this.out(JSON.stringify(result, null, 2));
    else this.out(result.roleId);
    return result;
  }
}
