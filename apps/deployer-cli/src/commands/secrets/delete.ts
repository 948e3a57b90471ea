import { Args, Flags } from '@oclif/core';
import { DeployerCommand } from '../../base-command.js';
import { CancelledError } from '../../errors.js';
import { canPrompt } from '../../io/terminal.js';

export interface SecretDeleteResult {
  app: string;
  key: string;
  deleted: true;
}

export default class SecretsDelete extends DeployerCommand<SecretDeleteResult> {
  static override summary = 'Delete a secret of an app (all its versions).';
  static override description = `On a terminal you are asked to confirm unless --yes (or --json) is given; scripts \
and CI are never asked. The history (who, when, fingerprints) stays in the audit trail.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp OLD_API_KEY',
    '<%= config.bin %> <%= command.id %> myapp OLD_API_KEY --yes',
  ];

  static override args = {
    app: Args.string({ description: 'App name.', required: true }),
    key: Args.string({ description: 'Secret key.', required: true }),
  };

  static override flags = {
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation.' }),
  };

  async run(): Promise<SecretDeleteResult> {
    const { args, flags } = await this.parse(SecretsDelete);
    if (!flags.yes && !this.jsonEnabled() && canPrompt()) {
      const { confirm } = await import('../../io/prompt.js');
      if (!(await confirm(`Delete ${args.key} of app ${args.app}, all versions?`))) {
        throw new CancelledError(`${args.key} was not deleted`);
      }
    }
    const { api, contract } = await this.connect();
    await this.spin(`Deleting ${args.key} of ${args.app}`, () =>
      api.send(contract.appSecretRoutes.delete, { params: { app: args.app, key: args.key } }),
    );
    this.out(`Deleted ${args.key} of app ${args.app}.`);
    return { app: args.app, key: args.key, deleted: true };
  }
}
