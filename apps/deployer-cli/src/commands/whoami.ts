import type { TWhoamiResponse } from '@secret-api/contract';
import { DeployerCommand } from '../base-command.js';
import { fields, list } from '../io/table.js';

export interface WhoamiResult extends TWhoamiResponse {
  apiUrl: string;
}

export default class Whoami extends DeployerCommand<WhoamiResult> {
  static override summary = 'Show who the Secret API takes you for: subject, issuer, groups, admin.';
  static override description =
    'Useful to check which token is in use: SECRET_API_TOKEN wins over the one saved by `deployer login`.';

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {
      description: 'Check the identity a CI job runs as:',
      command: 'SECRET_API_TOKEN="$CI_JOB_JWT" <%= config.bin %> <%= command.id %> --json',
    },
  ];

  async run(): Promise<WhoamiResult> {
    await this.parse(Whoami);
    const { api, contract, config } = await this.connect();
    const identity = await this.spin('Asking the Secret API', () => api.send(contract.whoamiRoute));
    const result: WhoamiResult = { ...identity, apiUrl: config.apiUrl };
    this.out(
      fields([
        ['Subject', result.subject],
        // What deployer patterns and controller lists must name (the issuer's prefix + subject).
        ['Principal', result.principal],
        ['Issuer', result.issuer],
        ['Groups', list(result.groups)],
        ['Admin', result.admin ? 'yes' : 'no'],
        ['API', `${result.apiUrl}${config.source.token === 'env' ? ' (token from SECRET_API_TOKEN)' : ''}`],
      ]),
    );
    return result;
  }
}
