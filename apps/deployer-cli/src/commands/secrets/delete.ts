import { Args, Flags } from '@oclif/core';
import { DeployerCommand } from '../../base-command.js';
import { CancelledError } from '../../errors.js';
import { canPrompt } from '../../io/terminal.js';
import { describeTarget, resolveTarget, scopeFlag, scopeRoutes } from '../../secret-scope.js';

export interface SecretDeleteResult {
  /** The app, or the shared scope (`global`, `project:aws`, `cluster:aws.stg`). */
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
    app: Args.string({ ignoreStdin: true, description: 'App name (omit with --scope).', required: false }),
    key: Args.string({ ignoreStdin: true, description: 'Secret key.', required: false }),
  };

  static override flags = {
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation.' }),
    scope: scopeFlag,
  };

  async run(): Promise<SecretDeleteResult> {
    const { args, flags } = await this.parse(SecretsDelete);
    const { target, key } = resolveTarget([args.app, args.key], flags.scope, true);
    const { api, contract } = await this.connect();
    const { routes, params } = scopeRoutes(contract, target);
    const where = describeTarget(target);
    // Checked before the question: nobody confirms a request that cannot be sent.
    const { checkParams } = await import('../../api/params.js');
    checkParams(routes.delete, { ...params, key });
    if (!flags.yes && !this.jsonEnabled() && canPrompt()) {
      const { confirm } = await import('../../io/prompt.js');
      if (!(await confirm(`Delete ${key} of ${where}, all versions?`))) {
        throw new CancelledError(`Nothing was deleted: ${key} of ${where} is unchanged.`);
      }
    }
    await this.spin(`Deleting ${key} of ${where}`, () => api.send(routes.delete, { params: { ...params, key } }));
    this.out(`Deleted ${key} of ${where}.`);
    return { app: target.kind === 'app' ? target.app : (flags.scope ?? ''), key, deleted: true };
  }
}
