import { Args, Flags } from '@oclif/core';
import { DeployerCommand } from '../../base-command.js';
import { CancelledError } from '../../errors.js';
import { canPrompt } from '../../io/terminal.js';

export interface ClusterDeleteResult {
  name: string;
  deleted: true;
  force: boolean;
}

export default class ClustersDelete extends DeployerCommand<ClusterDeleteResult> {
  static override summary = 'Delete a cluster; refused while apps have AppRoles there, unless --force.';
  static override description = `A cluster where any app's AppRole has been ensured is refused (exit 4), naming the \
apps: their pods still log in with those roles. --force first removes those AppRoles, policies and token roles from \
Vault (every app's, in that cluster only), then the cluster. Shared secrets of the cluster scope \
(--scope cluster:NAME) are kept. On a terminal you are asked to confirm unless --yes (or --json) is given. Admin only.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> aws.old',
    {
      description: 'Also decommission the AppRoles ensured there, without the question:',
      command: '<%= config.bin %> <%= command.id %> aws.old --force --yes',
    },
  ];

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Cluster name, <cloud>.<env>.', required: true }),
  };

  static override flags = {
    force: Flags.boolean({ summary: "Also remove every app's AppRole, policies and token role in this cluster." }),
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation.' }),
  };

  async run(): Promise<ClusterDeleteResult> {
    const { args, flags } = await this.parse(ClustersDelete);
    const { api, contract } = await this.connect();
    const { checkParams } = await import('../../api/params.js');
    checkParams(contract.deleteClusterRoute, { cluster: args.name });
    if (!flags.yes && !this.jsonEnabled() && canPrompt()) {
      const { confirm } = await import('../../io/prompt.js');
      const what = flags.force ? `cluster ${args.name} and every AppRole ensured in it` : `cluster ${args.name}`;
      if (!(await confirm(`Delete ${what}?`))) {
        throw new CancelledError(`Nothing was deleted: cluster ${args.name} is unchanged.`);
      }
    }
    await this.spin(`Deleting cluster ${args.name}`, () =>
      api.send(contract.deleteClusterRoute, {
        params: { cluster: args.name },
        query: { force: flags.force ? 'true' : undefined },
      }),
    );
    this.out(`Deleted cluster ${args.name}${flags.force ? ' and the AppRoles ensured in it' : ''}.`);
    return { name: args.name, deleted: true, force: flags.force };
  }
}
