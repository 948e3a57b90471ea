import { Args, Flags } from '@oclif/core';
import type { TChangesResponse } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { table } from '../../io/table.js';

export type ClusterChangesResult = TChangesResponse;

export default class ClustersChanges extends DeployerCommand<ClusterChangesResult> {
  static override summary = "New secret versions that concern a cluster's apps (what restart-on-change follows).";
  static override description = `Names, versions and times only — never values. Without --after it prints the \
current position (a cursor) and no changes: pass that cursor as --after later to see what changed since. Admins and \
the cluster's controller may read it.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> aws.stg',
    '<%= config.bin %> <%= command.id %> aws.stg --after 1042',
    '<%= config.bin %> <%= command.id %> aws.stg --after 0 --json',
  ];

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Cluster name, <cloud>.<env>.', required: true }),
  };

  static override flags = {
    after: Flags.string({ summary: 'Cursor from an earlier answer (0 = from the beginning).', helpValue: 'CURSOR' }),
    limit: Flags.integer({ summary: 'At most this many changes (1–1000).', min: 1, max: 1000 }),
  };

  async run(): Promise<ClusterChangesResult> {
    const { args, flags } = await this.parse(ClustersChanges);
    const { api, contract } = await this.connect();
    const query = {
      ...(flags.after !== undefined && { after: flags.after }),
      ...(flags.limit !== undefined && { limit: String(flags.limit) }),
    };
    const page = await this.spin(`Reading changes of cluster ${args.name}`, () =>
      api.send(contract.listChangesRoute, { params: { cluster: args.name }, query }),
    );
    if (page.items.length === 0) this.out(`No changes. Cursor: ${page.cursor}`);
    else
      this.out(
        `${table(
          ['SCOPE', 'APP', 'KEY', 'VERSION', 'CHANGED'],
          page.items.map((c) => [c.scope, c.app ?? '-', c.key, String(c.version), c.changedAt]),
        )}\nCursor: ${page.cursor}${page.more ? ' (more waiting: ask again with it)' : ''}`,
      );
    return page;
  }
}
