import { Args, Flags } from '@oclif/core';
import type { TRollbackSecretBody, TSecretVersionRef } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { describeTarget, resolveTarget, scopeFlag, scopeRoutes } from '../../secret-scope.js';

export type SecretRollbackResult = TSecretVersionRef;

export default class SecretsRollback extends DeployerCommand<SecretRollbackResult> {
  static override summary = 'Write the value of an earlier version as a new version.';
  static override description = `History is never rewritten: rolling back to version 2 of a key at version 5 creates \
version 6 with version 2's value. See the versions with \`deployer secrets history\`.`;

  static override examples = ['<%= config.bin %> <%= command.id %> myapp DB_PASSWORD --to 2'];

  static override args = {
    app: Args.string({ ignoreStdin: true, description: 'App name (omit with --scope).', required: false }),
    key: Args.string({ ignoreStdin: true, description: 'Secret key.', required: false }),
  };

  static override flags = {
    to: Flags.integer({ summary: 'The version whose value to restore.', required: true, min: 1, helpValue: 'N' }),
    scope: scopeFlag,
  };

  async run(): Promise<SecretRollbackResult> {
    const { args, flags } = await this.parse(SecretsRollback);
    const { target, key } = resolveTarget([args.app, args.key], flags.scope, true);
    const body: TRollbackSecretBody = { version: flags.to };
    const { api, contract } = await this.connect();
    const { routes, params } = scopeRoutes(contract, target);
    const result = await this.spin(`Rolling ${key} back to version ${flags.to}`, () =>
      api.send(routes.rollback, { params: { ...params, key }, body }),
    );
    this.out(
      `Rolled ${result.key} of ${describeTarget(target)} back to version ${flags.to}: now version ${result.version}.`,
    );
    return result;
  }
}
