import { Args } from '@oclif/core';
import type { TSecretHistory } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { table } from '../../io/table.js';

export type SecretHistoryResult = TSecretHistory;

export default class SecretsHistory extends DeployerCommand<SecretHistoryResult> {
  static override summary = 'Show the versions of a secret, newest first: who, when, why, and a value fingerprint.';
  static override description = `The fingerprint is a keyed HMAC of the value (never the value, never a plain hash): \
two versions with the same fingerprint hold the same value, which tells you what a rollback will restore.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp DB_PASSWORD',
    "<%= config.bin %> <%= command.id %> myapp DB_PASSWORD --json | jq '.items[0]'",
  ];

  static override args = {
    app: Args.string({ description: 'App name.', required: true }),
    key: Args.string({ description: 'Secret key.', required: true }),
  };

  async run(): Promise<SecretHistoryResult> {
    const { args } = await this.parse(SecretsHistory);
    const { api, contract } = await this.connect();
    const history = await this.spin(`Reading the history of ${args.key}`, () =>
      api.send(contract.appSecretRoutes.versions, { params: { app: args.app, key: args.key } }),
    );
    this.out(
      table(
        ['VERSION', 'CREATED', 'ACTOR', 'FINGERPRINT', 'STATE', 'COMMENT'],
        history.items.map((v) => [
          String(v.version),
          v.createdAt,
          v.actor,
          v.fingerprint.slice(0, 12),
          v.destroyed ? 'destroyed' : v.deleted ? 'deleted' : '-',
          v.comment ?? '',
        ]),
      ),
    );
    return history;
  }
}
