import { Args } from '@oclif/core';
import type { TSecretHistory } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { table } from '../../io/table.js';
import { describeTarget, resolveTarget, scopeFlag, scopeRoutes } from '../../secret-scope.js';

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
    app: Args.string({ ignoreStdin: true, description: 'App name (omit with --scope).', required: false }),
    key: Args.string({ ignoreStdin: true, description: 'Secret key.', required: false }),
  };

  static override flags = { scope: scopeFlag };

  async run(): Promise<SecretHistoryResult> {
    const { args, flags } = await this.parse(SecretsHistory);
    const { target, key } = resolveTarget([args.app, args.key], flags.scope, true);
    const { api, contract } = await this.connect();
    const { routes, params } = scopeRoutes(contract, target);
    const { collect } = await import('../../api/pages.js');
    const items = await this.spin(`Reading the history of ${key} of ${describeTarget(target)}`, () =>
      collect((cursor) => api.send(routes.versions, { params: { ...params, key }, query: { cursor } })),
    );
    const history = { items };
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
