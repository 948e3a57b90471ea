import type { TApp, TCreateAppBody } from '@secret-api/contract';
import { isUniqueViolation } from '../../db/errors.js';
import { conflict } from '../../http/api-error.js';
import { createUnlessTooSoon, type NameReuseDeps } from '../name-reuse.js';
import { appView } from './app-view.js';

export type CreateAppDeps = NameReuseDeps;

export async function createApp(deps: CreateAppDeps, input: TCreateAppBody, actor: string): Promise<TApp> {
  try {
    const row = await createUnlessTooSoon(deps, 'app', input.name, `app '${input.name}'`, (tx) =>
      tx.app.create({
        data: {
          name: input.name,
          ownerGroups: input.ownerGroups,
          deployers: input.deployers,
          revealGroups: input.revealGroups,
          createdBy: actor,
        },
      }),
    );
    return appView(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`app '${input.name}' already exists`);
    throw err;
  }
}
