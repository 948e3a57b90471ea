/** Text renderings shared by several commands (the --json form is the object itself). */
import type { TApp, TCluster } from '@secret-api/contract';
import { fields, list } from './io/table.js';

export function renderCluster(cluster: TCluster): string {
  return fields([
    ['Name', cluster.name],
    ['Cloud', cluster.cloud],
    ['Env', cluster.env],
    ['Controllers', list(cluster.controllerSubjects)],
    ['Created', cluster.createdAt],
  ]);
}

export function renderApp(app: TApp): string {
  return fields([
    ['Name', app.name],
    ['Owner groups', list(app.ownerGroups)],
    ['Deployers', list(app.deployers)],
    ['Reveal groups', list(app.revealGroups)],
    ['Created', app.createdAt],
  ]);
}
