import type { TApp } from '@secret-api/contract';
import { strongEntityTag } from '../entity-tag.js';

/**
 * The app's ETag: everything GET /v1/apps/:app shows. The name and creation time never change for one app, but make
 * an app deleted and created again under the same name, with the same lists, a different resource to If-Match.
 */
export function appEntityTag(app: TApp): string {
  return strongEntityTag([app.name, app.createdAt, app.ownerGroups, app.deployers, app.revealGroups]);
}
