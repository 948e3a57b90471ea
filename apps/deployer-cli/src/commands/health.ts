import { Flags } from '@oclif/core';
import type { TReadyResponse } from '@secret-api/contract';
import { DeployerCommand } from '../base-command.js';
import { NetworkError } from '../errors.js';
import { fields } from '../io/table.js';

export type HealthResult = TReadyResponse | { status: 'ok' };

export default class Health extends DeployerCommand<HealthResult> {
  static override summary = 'Check that the Secret API is up and can reach its database and Vault.';
  static override description = `Asks GET /readyz (no token needed): exit 0 when the database and Vault are both \
reachable, else exit 5 with which one is not. --live asks GET /healthz instead: only that the process answers. Uses \
SECRET_API_URL, or the URL saved by \`deployer login\`.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    { description: 'In a deploy script, before anything else:', command: '<%= config.bin %> <%= command.id %> --json' },
    'SECRET_API_URL=https://secrets.example.com <%= config.bin %> <%= command.id %> --live',
  ];

  static override flags = {
    live: Flags.boolean({ summary: 'Only check that the process answers (GET /healthz).' }),
  };

  async run(): Promise<HealthResult> {
    const { flags } = await this.parse(Health);
    const { api, contract } = await this.connectAnonymously();
    if (flags.live) {
      const result = await this.spin('Asking the Secret API', () => api.send(contract.healthzRoute));
      this.out(`The Secret API at ${api.apiUrl} is up.`);
      return result;
    }
    const ready = await this.spin('Asking the Secret API', () => api.send(contract.readyzRoute));
    this.out(
      fields([
        ['Status', ready.status],
        ['Database', ready.checks.database],
        ['Vault', ready.checks.vault],
      ]),
    );
    if (ready.status !== 'ok') {
      const down = Object.entries(ready.checks)
        .filter(([, state]) => state !== 'ok')
        .map(([name]) => name);
      throw new NetworkError(`the Secret API at ${api.apiUrl} is up but cannot reach: ${down.join(', ')}`);
    }
    return ready;
  }
}
