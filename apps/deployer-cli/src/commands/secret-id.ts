import { Args, Flags } from '@oclif/core';
import type { TSecretIdBody, TSecretIdResponse } from '@secret-api/contract';
import { DeployerCommand } from '../base-command.js';

export type SecretIdResult = TSecretIdResponse;

export default class SecretId extends DeployerCommand<SecretIdResult> {
  static override summary = "Mint a response-wrapped SecretID for an app in a cluster (the cluster's controller only).";
  static override description = `What the secret controller does for each pod, by hand: for debugging a controller \
identity, or a break-glass start. Only a subject listed as a controller of the cluster may call it, for an app \
ensured there (\`deployer roleid\`); nobody else, admins included. The wrapping token is printed alone (raw) or with \
its TTL and creation path (--format json); unwrap it once, within its TTL, with Vault's sys/wrapping/unwrap. \
--cidr binds the SecretID (and its tokens) to source addresses; --pod and --namespace tag it.`;

  static override examples = [
    {
      description: 'As the controller of aws.stg, for a pod at 10.1.2.3:',
      command:
        'SECRET_API_TOKEN="$CONTROLLER_JWT" <%= config.bin %> <%= command.id %> myapp --cluster aws.stg --cidr 10.1.2.3/32',
    },
    '<%= config.bin %> <%= command.id %> myapp --cluster aws.stg --pod myapp-7d9f --namespace shop --format json',
  ];

  static override args = {
    app: Args.string({ ignoreStdin: true, description: 'App name.', required: true }),
  };

  static override flags = {
    cluster: Flags.string({ char: 'c', summary: 'Cluster, as <cloud>.<env> (e.g. aws.stg).', required: true }),
    cidr: Flags.string({ summary: 'Bind to this CIDR block (repeat for several).', multiple: true, helpValue: 'CIDR' }),
    pod: Flags.string({ summary: 'Tag with the Kubernetes pod name.', helpValue: 'NAME' }),
    namespace: Flags.string({ summary: "Tag with the pod's namespace.", helpValue: 'NAME' }),
    format: Flags.option({
      summary: 'Output format.',
      options: ['raw', 'json'] as const,
      default: 'raw' as const,
    })(),
  };

  async run(): Promise<SecretIdResult> {
    const { args, flags } = await this.parse(SecretId);
    const metadata = {
      ...(flags.pod !== undefined && { pod: flags.pod }),
      ...(flags.namespace !== undefined && { namespace: flags.namespace }),
    };
    const body: TSecretIdBody = {
      ...(flags.cidr !== undefined && { cidrList: flags.cidr }),
      ...(Object.keys(metadata).length > 0 && { metadata }),
    };
    const { api, contract } = await this.connect();
    const result = await this.spin(`Minting a SecretID for ${args.app} in ${flags.cluster}`, () =>
      api.send(contract.secretIdRoute, { params: { app: args.app, cluster: flags.cluster }, body }),
    );
    if (flags.format === 'json') this.out(JSON.stringify(result, null, 2));
    else this.out(result.wrappingToken);
    return result;
  }
}
