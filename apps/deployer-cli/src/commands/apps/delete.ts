import { Args, Flags } from '@oclif/core';
import { DeployerCommand } from '../../base-command.js';
import { CancelledError } from '../../errors.js';
import { canPrompt } from '../../io/terminal.js';

export interface AppDeleteResult {
  name: string;
  deleted: true;
}

export default class AppsDelete extends DeployerCommand<AppDeleteResult> {
  static override summary =
    'Delete an app: its Vault objects (AppRoles, policies, token roles) and its secrets with their history.';
  static override description = `Every version of every secret of the app is removed from Vault and from the \
history, so an app created later under the same name starts empty; the audit trail keeps the record. An app that \
had an AppRole cannot be created again under its name until its pods' Vault tokens, which can no longer renew, are \
dead: about 5.5 minutes with the default policy template (exit 4 before then, saying when). On a terminal \
you are asked to confirm unless --yes (or --json) is given; scripts and CI (no terminal, or CI set) are never asked. \
Admin only.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp',
    { description: 'Without the question:', command: '<%= config.bin %> <%= command.id %> myapp --yes' },
  ];

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'App name.', required: true }),
  };

  static override flags = {
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation.' }),
  };

  async run(): Promise<AppDeleteResult> {
    const { args, flags } = await this.parse(AppsDelete);
    const { api, contract } = await this.connect();
    // Checked before the question: nobody confirms a request that cannot be sent.
    const { checkParams } = await import('../../api/params.js');
    checkParams(contract.deleteAppRoute, { app: args.name });
    if (!flags.yes && !this.jsonEnabled() && canPrompt()) {
      const { confirm } = await import('../../io/prompt.js');
      if (!(await confirm(`Delete app ${args.name}, its Vault objects and all its secrets?`))) {
        throw new CancelledError(`Nothing was deleted: app ${args.name} is unchanged.`);
      }
    }
    await this.spin(`Deleting app ${args.name}`, () =>
      api.send(contract.deleteAppRoute, { params: { app: args.name } }),
    );
    this.out(`Deleted app ${args.name}.`);
    return { name: args.name, deleted: true };
  }
}
