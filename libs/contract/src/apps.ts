import { z } from 'zod';
import { ZListQuery } from './clusters.js';
import { ZAppName, ZGroupName, ZSubjectPattern, ZTimestamp, listOf, uniqueList } from './names.js';
import { route } from './route.js';

export const ZOwnerGroups = uniqueList(ZGroupName, 'ownerGroups', { min: 1, max: 32 });
export const ZDeployers = uniqueList(ZSubjectPattern, 'deployers', { max: 32 });
export const ZRevealGroups = uniqueList(ZGroupName, 'revealGroups', { max: 32 });

export const ZAppParams = z.strictObject({ app: ZAppName });
export type TAppParams = z.infer<typeof ZAppParams>;

export const ZCreateAppBody = z.strictObject({
  name: ZAppName,
  ownerGroups: ZOwnerGroups,
  /** Deployer subject patterns (`*` glob). */
  deployers: ZDeployers.default([]),
  revealGroups: ZRevealGroups.default([]),
});
export type TCreateAppBody = z.infer<typeof ZCreateAppBody>;
export type TCreateAppInput = z.input<typeof ZCreateAppBody>;

/**
 * PATCH replaces each list given; at least one must be given. A read-modify-write client sends `If-Match` with the
 * ETag of the GET it edited: if the app changed meanwhile, the PATCH is refused (412 `precondition_failed`) and
 * nothing is lost; without If-Match the lists are replaced unconditionally.
 */
export const ZPatchAppBody = z
  .strictObject({
    ownerGroups: ZOwnerGroups.optional(),
    deployers: ZDeployers.optional(),
    revealGroups: ZRevealGroups.optional(),
  })
  .refine((b) => b.ownerGroups !== undefined || b.deployers !== undefined || b.revealGroups !== undefined, {
    error: 'give at least one of ownerGroups, deployers, revealGroups',
  });
export type TPatchAppBody = z.infer<typeof ZPatchAppBody>;

export const ZApp = z.object({
  name: ZAppName,
  ownerGroups: z.array(ZGroupName),
  deployers: z.array(ZSubjectPattern),
  revealGroups: z.array(ZGroupName),
  createdAt: ZTimestamp,
});
export type TApp = z.infer<typeof ZApp>;

export const ZAppList = listOf(ZApp);
export type TAppList = z.infer<typeof ZAppList>;

export const createAppRoute = route({
  id: 'createApp',
  method: 'POST',
  path: '/v1/apps',
  summary: 'Create an app with its owner groups, deployer patterns and reveal groups',
  tag: 'apps',
  roles: 'admin',
  auth: true,
  body: ZCreateAppBody,
  responses: { 201: ZApp },
});

export const listAppsRoute = route({
  id: 'listApps',
  method: 'GET',
  path: '/v1/apps',
  summary: 'List apps',
  tag: 'apps',
  roles: 'any authenticated caller (app names are not secret)',
  auth: true,
  query: ZListQuery,
  responses: { 200: ZAppList },
});

export const getAppRoute = route({
  id: 'getApp',
  method: 'GET',
  path: '/v1/apps/:app',
  summary: 'Show an app; its ETag header is what a conditional PATCH sends back in If-Match',
  tag: 'apps',
  roles: 'any authenticated caller (app names are not secret)',
  auth: true,
  params: ZAppParams,
  responses: { 200: ZApp },
  etag: true,
});

export const patchAppRoute = route({
  id: 'patchApp',
  method: 'PATCH',
  path: '/v1/apps/:app',
  summary:
    "Replace an app's owner groups, deployer patterns or reveal groups; with If-Match, only if the app still has " +
    'that ETag (else 412, nothing changed); answers the new ETag',
  tag: 'apps',
  roles: 'admin',
  auth: true,
  params: ZAppParams,
  body: ZPatchAppBody,
  responses: { 200: ZApp },
  etag: true,
  preconditions: true,
});

export const deleteAppRoute = route({
  id: 'deleteApp',
  method: 'DELETE',
  path: '/v1/apps/:app',
  summary:
    'Delete an app: decommission its Vault objects and delete its secrets with their history; with If-Match, only ' +
    'if the app still has that ETag (else 412, nothing deleted)',
  tag: 'apps',
  roles: 'admin',
  auth: true,
  params: ZAppParams,
  responses: { 204: null },
  preconditions: true,
});

export const appRoutes = [createAppRoute, listAppsRoute, getAppRoute, patchAppRoute, deleteAppRoute] as const;
