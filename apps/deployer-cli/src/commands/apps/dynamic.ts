import { Args, Flags } from '@oclif/core';
import type { TDynamicProfiles, TPutDynamicBody } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { UsageError } from '../../errors.js';
import { fields, list } from '../../io/table.js';

export type AppDynamicResult = TDynamicProfiles;

const ENGINES = ['database', 'aws', 'pki'] as const;

export default class AppsDynamic extends DeployerCommand<AppDynamicResult> {
  static override summary = "Show or change an app's dynamic-credential profiles (database, aws, pki).";
  static override description = `Without flags, shows the profiles of the policy template attached to the app. \
--database, --aws and --pki attach a profile (one per engine); --detach ENGINE removes one; --namespace sets the \
Kubernetes namespace PKI domain patterns use ({namespace}; the app name by default), --reset-namespace goes back to \
it. Engines not named stay as they are. Each cluster gets the matching Vault roles at its next ensure \
(\`deployer roleid\`; \`deployer plan\` shows them first). Admin only.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp',
    '<%= config.bin %> <%= command.id %> myapp --database postgres-rw --pki internal-tls --namespace shop',
    '<%= config.bin %> <%= command.id %> myapp --detach aws',
  ];

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'App name.', required: true }),
  };

  static override flags = {
    database: Flags.string({ summary: 'Attach this database profile.', helpValue: 'PROFILE' }),
    aws: Flags.string({ summary: 'Attach this AWS profile.', helpValue: 'PROFILE' }),
    pki: Flags.string({ summary: 'Attach this PKI profile.', helpValue: 'PROFILE' }),
    detach: Flags.option({
      summary: "Detach the engine's profile (repeat for several).",
      options: ENGINES,
      multiple: true,
    })(),
    namespace: Flags.string({ summary: 'Namespace for {namespace} in PKI domain patterns.', helpValue: 'NAME' }),
    'reset-namespace': Flags.boolean({ summary: 'Use the app name as the namespace again.', exclusive: ['namespace'] }),
  };

  async run(): Promise<AppDynamicResult> {
    const { args, flags } = await this.parse(AppsDynamic);
    const body: TPutDynamicBody = {};
    for (const engine of ENGINES) {
      const attach = flags[engine];
      const detach = flags.detach?.includes(engine) ?? false;
      if (attach !== undefined && detach)
        throw new UsageError(`--${engine} and --detach ${engine} contradict each other`);
      if (attach !== undefined) body[engine] = [attach];
      if (detach) body[engine] = [];
    }
    if (flags.namespace !== undefined) body.namespace = flags.namespace;
    if (flags['reset-namespace']) body.namespace = null;

    const { api, contract } = await this.connect();
    const params = { app: args.name };
    const changing = Object.keys(body).length > 0;
    const profiles = changing
      ? await this.spin(`Updating the profiles of ${args.name}`, () =>
          api.send(contract.putDynamicRoute, { params, body }),
        )
      : await this.spin(`Reading the profiles of ${args.name}`, () => api.send(contract.getDynamicRoute, { params }));
    this.out(
      `${changing ? `Updated app ${args.name}; the next ensure in each cluster applies it.\n` : ''}${fields([
        ['App', profiles.app],
        ['Database', list(profiles.database)],
        ['AWS', list(profiles.aws)],
        ['PKI', list(profiles.pki)],
        ['Namespace', profiles.namespace],
        ['Updated', profiles.updatedAt === undefined ? '-' : `${profiles.updatedAt} by ${profiles.updatedBy ?? '?'}`],
      ])}`,
    );
    return profiles;
  }
}
