import { Flags } from '@oclif/core';
import type { TAuditList } from '@secret-api/contract';
import { DeployerCommand } from '../base-command.js';
import { table } from '../io/table.js';

export type AuditResult = TAuditList;

export default class Audit extends DeployerCommand<AuditResult> {
  static override summary = 'Show audit events, newest first: who did what to which app or secret, and the outcome.';
  static override description = `Admins see every event; owners see the events of their apps. --since takes a \
duration back from now (90s, 30m, 24h, 7d) or an ISO-8601 time (2026-01-02T03:04:05Z, or a date). When more events \
match than --limit, the JSON output carries nextCursor; pass it back with --cursor.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> --app myapp --since 24h',
    {
      description: 'Reveals by anyone this week:',
      command:
        '<%= config.bin %> <%= command.id %> --since 7d --json | jq \'.items[] | select(.action == "secret.reveal")\'',
    },
    '<%= config.bin %> <%= command.id %> --actor repo:acme/myapp:ref:refs/heads/main --since 2026-01-01',
  ];

  static override flags = {
    app: Flags.string({ summary: 'Only events of this app.', helpValue: 'APP' }),
    actor: Flags.string({ summary: 'Only events by this subject.', helpValue: 'SUBJECT' }),
    since: Flags.string({ summary: 'Only events since a duration ago or an ISO-8601 time.', helpValue: '24h|TIME' }),
    limit: Flags.integer({ summary: 'At most this many events.', default: 100, min: 1, max: 1000 }),
    cursor: Flags.string({ summary: 'Continue after an earlier page (nextCursor).', helpValue: 'CURSOR' }),
  };

  async run(): Promise<AuditResult> {
    const { flags } = await this.parse(Audit);
    const { parseSince } = await import('../duration.js');
    const since = flags.since === undefined ? undefined : parseSince(flags.since);
    const { api, contract } = await this.connect();
    const page = await this.spin('Reading the audit trail', () =>
      api.send(contract.listAuditRoute, {
        query: { app: flags.app, actor: flags.actor, since, cursor: flags.cursor, limit: String(flags.limit) },
      }),
    );
    if (page.items.length === 0) this.out('No matching audit events.');
    else
      this.out(
        table(
          ['TIME', 'ACTOR', 'ACTION', 'TARGET', 'RESULT'],
          page.items.map((e) => [e.time, e.actor, e.action, e.target, e.result]),
        ),
      );
    if (page.nextCursor !== undefined) this.note(`More events: add --cursor ${page.nextCursor}`);
    return page;
  }
}
