import { Args, Flags } from '@oclif/core';
import type { TSecretIdTokenResponse } from '@secret-api/contract';
import { DeployerCommand } from '../base-command.js';

export type SecretIdTokenResult = TSecretIdTokenResponse;

export default class SecretIdToken extends DeployerCommand<SecretIdTokenResult> {
  static override summary =
    "Get a short-lived, few-use Vault token that can mint the app's SecretIDs (the cluster's controller only).";
  static override description = `The other way a controller gets SecretID material: a Vault token from the app's \
token role, allowed only to create SecretIDs of the app's AppRole, valid for a short TTL and a few uses. Only a \
subject listed as a controller of the cluster may call it, for an app ensured there; nobody else, admins included. \
The token is printed alone (raw) or with its TTL and policies (--format json).`;

  static override examples = [
    'SECRET_API_TOKEN="$CONTROLLER_JWT" <%= config.bin %> <%= command.id %> myapp --cluster aws.stg',
    '<%= config.bin %> <%= command.id %> myapp --cluster aws.stg --format json',
  ];

  static override args = {
    app: Args.string({ ignoreStdin: true, description: 'App name.', required: true }),
  };

  static override flags = {
    cluster: Flags.string({ char: 'c', summary: 'Cluster, as <cloud>.<env> (e.g. aws.stg).', required: true }),
    format: Flags.option({
      summary: 'Output format.',
      options: ['raw', 'json'] as const,
      default: 'raw' as const,
    })(),
  };

  async run(): Promise<SecretIdTokenResult> {
    const { args, flags } = await this.parse(SecretIdToken);
    const { api, contract } = await this.connect();
    const result = await this.spin(`Getting a SecretID token for ${args.app} in ${flags.cluster}`, () =>
      api.send(contract.secretIdTokenRoute, { params: { app: args.app, cluster: flags.cluster } }),
    );
    if (flags.format === 'json') this.out(JSON.stringify(result, null, 2));
    else this.out(result.token);
    return result;
  }
}
