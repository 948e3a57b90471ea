import { Args, Flags } from '@oclif/core';
import type { TGetSecretResponse } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { CancelledError } from '../../errors.js';
import { fields } from '../../io/table.js';
import { canPrompt } from '../../io/terminal.js';
import { describeTarget, resolveTarget, scopeFlag, scopeRoutes } from '../../secret-scope.js';

export type SecretGetResult = TGetSecretResponse;

export default class SecretsGet extends DeployerCommand<SecretGetResult> {
  static override summary = 'Show the metadata of a secret; with --reveal, its value.';
  static override description = `Without --reveal only the metadata is shown (version, when, by whom). With --reveal \
the value is printed to stdout, exactly (a newline is added only on a terminal); reading it is allowed to the app's \
reveal groups only, and is audited.

On a terminal you are asked "Reveal the value of KEY of app APP? (y/N)" first, unless --yes or --json is given. \
Without a terminal (a script, CI) there is no question and the value is printed: that is what the script asked for.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp DB_PASSWORD',
    { description: 'The value:', command: '<%= config.bin %> <%= command.id %> myapp DB_PASSWORD --reveal' },
    {
      description: 'An earlier version, into a file:',
      command: '<%= config.bin %> <%= command.id %> myapp TLS_KEY --reveal --version 2 > tls.key',
    },
  ];

  static override args = {
    app: Args.string({ ignoreStdin: true, description: 'App name (omit with --scope).', required: false }),
    key: Args.string({ ignoreStdin: true, description: 'Secret key.', required: false }),
  };

  static override flags = {
    reveal: Flags.boolean({ summary: 'Print the value (reveal groups only; audited).' }),
    version: Flags.integer({ summary: 'A specific version instead of the current one.', min: 1, helpValue: 'N' }),
    yes: Flags.boolean({ char: 'y', summary: 'Reveal without asking.' }),
    scope: scopeFlag,
  };

  async run(): Promise<SecretGetResult> {
    const { args, flags } = await this.parse(SecretsGet);
    const { target, key } = resolveTarget([args.app, args.key], flags.scope, true);
    const { api, contract } = await this.connect();
    const { routes, params } = scopeRoutes(contract, target);
    const where = describeTarget(target);
    const { checkParams } = await import('../../api/params.js');
    checkParams(routes.get, { ...params, key });
    if (flags.reveal && !flags.yes && !this.jsonEnabled() && canPrompt()) {
      const { confirm } = await import('../../io/prompt.js');
      if (!(await confirm(`Reveal the value of ${key} of ${where}?`))) {
        throw new CancelledError('The value was not revealed.');
      }
    }
    const secret = await this.spin(`Reading ${key} of ${where}`, () =>
      api.send(routes.get, {
        params: { ...params, key },
        query: {
          ...(flags.reveal && { reveal: 'true' }),
          ...(flags.version !== undefined && { version: String(flags.version) }),
        },
      }),
    );
    if (flags.reveal && secret.value !== undefined) {
      if (!this.jsonEnabled()) process.stdout.write(process.stdout.isTTY ? `${secret.value}\n` : secret.value);
    } else {
      this.out(
        fields([
          ['Key', secret.key],
          ['Version', String(secret.version)],
          ['Updated', secret.updatedAt],
          ['Updated by', secret.updatedBy],
        ]),
      );
    }
    return secret;
  }
}
