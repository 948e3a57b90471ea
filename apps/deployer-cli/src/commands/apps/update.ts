import { setTimeout as sleep } from 'node:timers/promises';
import { Args, Flags } from '@oclif/core';
import type { TApp, TPatchAppBody } from '@secret-api/contract';
import { DeployerCommand } from '../../base-command.js';
import { ApiError, UsageError } from '../../errors.js';
import { renderApp } from '../../render.js';

export type AppUpdateResult = TApp & { changed: boolean };

const listFlag = (summary: string, helpValue: string) => Flags.string({ summary, multiple: true, helpValue });

/** The new list: the current one minus what is removed, plus what is added (in that order, no duplicates). */
function edited(current: readonly string[], add: readonly string[] = [], remove: readonly string[] = []): string[] {
  const out = current.filter((item) => !remove.includes(item));
  for (const item of add) if (!out.includes(item)) out.push(item);
  return out;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((item, i) => item === b[i]);

/** Reads and edits before giving up on an app that keeps changing under us. */
const MAX_ATTEMPTS = 5;

/**
 * The pause before attempt `attempt + 1`: 50 ms doubled per attempt, times a random factor in [0.5, 1.5), so that
 * commands that collided once do not collide again in step.
 */
function backoffMs(attempt: number): number {
  const window = 50 * 2 ** (attempt - 1);
  return window / 2 + Math.random() * window;
}

const isPreconditionFailed = (err: unknown): boolean => err instanceof ApiError && err.status === 412;

export default class AppsUpdate extends DeployerCommand<AppUpdateResult> {
  static override summary = "Add or remove an app's owner groups, deployers and reveal groups.";
  static override description = `Reads the app, applies every --add-* and --remove-* to its current lists, and sends \
only the lists that change (PATCH /v1/apps/:app replaces each list it is given). Adding what is already there or \
removing what is not is a no-op, so the command can be re-run safely; when nothing changes, nothing is sent. An app \
keeps at least one owner group. The change is sent with the app's ETag (If-Match), so a change someone else made \
meanwhile is never overwritten: the command reads the app again and re-applies its edits, up to ${MAX_ATTEMPTS} times. \
Admin only.`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> myapp --add-owner-group team-platform --remove-owner-group team-old',
    {
      description: 'Let a second repository deploy it, and stop another:',
      command:
        "<%= config.bin %> <%= command.id %> myapp --add-deployer 'repo:acme/myapp-infra:*' --remove-deployer 'repo:acme/legacy:*'",
    },
    '<%= config.bin %> <%= command.id %> myapp --add-reveal-group oncall --json',
  ];

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'App name.', required: true }),
  };

  static override flags = {
    'add-owner-group': listFlag('Add an owner group (repeat for several).', 'GROUP'),
    'remove-owner-group': listFlag('Remove an owner group (repeat for several).', 'GROUP'),
    'add-deployer': listFlag("Add a deployer subject pattern ('*' matches any run of characters).", 'PATTERN'),
    'remove-deployer': listFlag('Remove a deployer subject pattern, as written.', 'PATTERN'),
    'add-reveal-group': listFlag('Add a reveal group (may read values).', 'GROUP'),
    'remove-reveal-group': listFlag('Remove a reveal group.', 'GROUP'),
  };

  async run(): Promise<AppUpdateResult> {
    const { args, flags } = await this.parse(AppsUpdate);
    if (!Object.values(flags).some((values) => Array.isArray(values) && values.length > 0)) {
      throw new UsageError(
        'nothing to change: give --add-owner-group, --remove-owner-group, --add-deployer, --remove-deployer, ' +
          '--add-reveal-group or --remove-reveal-group',
      );
    }
    const { api, contract } = await this.connect();
    const params = { app: args.name };
    for (let attempt = 1; ; attempt++) {
      const read = await this.spin(`Reading app ${args.name}`, () =>
        api.sendWithHeaders(contract.getAppRoute, { params }),
      );
      const current = read.body;
      const next = {
        ownerGroups: edited(current.ownerGroups, flags['add-owner-group'], flags['remove-owner-group']),
        deployers: edited(current.deployers, flags['add-deployer'], flags['remove-deployer']),
        revealGroups: edited(current.revealGroups, flags['add-reveal-group'], flags['remove-reveal-group']),
      };
      if (next.ownerGroups.length === 0) {
        throw new UsageError(`app ${args.name} must keep at least one owner group; nothing was changed`);
      }
      const body: TPatchAppBody = {
        ...(!sameList(next.ownerGroups, current.ownerGroups) && { ownerGroups: next.ownerGroups }),
        ...(!sameList(next.deployers, current.deployers) && { deployers: next.deployers }),
        ...(!sameList(next.revealGroups, current.revealGroups) && { revealGroups: next.revealGroups }),
      };
      if (Object.keys(body).length === 0) {
        this.out(`App ${args.name} already is that way; nothing was changed.\n${renderApp(current)}`);
        return { ...current, changed: false };
      }
      // An API older than conditional PATCH sends no ETag: the change then goes out unconditionally, as it did.
      const etag = read.headers.etag;
      try {
        const app = await this.spin(`Updating app ${args.name}`, () =>
          api.send(contract.patchAppRoute, {
            params,
            body,
            ...(etag !== undefined && { headers: { 'If-Match': etag } }),
          }),
        );
        this.out(`Updated app ${app.name}.\n${renderApp(app)}`);
        return { ...app, changed: true };
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
        if (attempt === MAX_ATTEMPTS) throw keptChanging(args.name, err as ApiError);
        await sleep(backoffMs(attempt));
      }
    }
  }
}

/** The last 412, told as what happened: others kept changing the app, and this command changed nothing. */
function keptChanging(app: string, last: ApiError): ApiError {
  return new ApiError(
    last.status,
    `app ${app} kept changing while this command edited it: each of ${MAX_ATTEMPTS} attempts found another ` +
      'change made first, and this command changed nothing; run it again',
    { code: last.code, requestId: last.requestId },
  );
}
