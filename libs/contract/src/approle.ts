import { z } from 'zod';
import { ZAppName, ZClusterName } from './names.js';
import { route } from './route.js';

export const ZAppClusterParams = z.strictObject({ app: ZAppName, cluster: ZClusterName });
export type TAppClusterParams = z.infer<typeof ZAppClusterParams>;

/** Vault role name `<cloud>.<env>.<app>`, e.g. `aws.stg.myapp`. */
export const ZRoleName = z.string().max(192);

export const ZEnsureAppRoleResponse = z.object({
  roleName: ZRoleName,
  roleId: z.string(),
  /** true when the ensure wrote anything to Vault. */
  changed: z.boolean(),
});
export type TEnsureAppRoleResponse = z.infer<typeof ZEnsureAppRoleResponse>;

export const ZGetAppRoleResponse = z.object({ roleName: ZRoleName, roleId: z.string() });
export type TGetAppRoleResponse = z.infer<typeof ZGetAppRoleResponse>;

export const ZPlanChange = z.object({
  /** databaseRole, awsRole, pkiRole: the app's dynamic-credential roles (only when a profile is attached or the role exists). */
  kind: z.enum(['approle', 'policy', 'tokenRole', 'databaseRole', 'awsRole', 'pkiRole']),
  name: z.string(),
  /** delete: a dynamic-credential role whose profile was detached. */
  action: z.enum(['create', 'update', 'unchanged', 'delete']),
  /** For an update: the fields that differ. */
  fields: z.array(z.string()).optional(),
});
export type TPlanChange = z.infer<typeof ZPlanChange>;

export const ZAppRolePlanResponse = z.object({ roleName: ZRoleName, changes: z.array(ZPlanChange) });
export type TAppRolePlanResponse = z.infer<typeof ZAppRolePlanResponse>;

const ENSURERS = "the app's owners, its deployers (subject pattern), admins";

export const ensureAppRoleRoute = route({
  id: 'ensureAppRole',
  method: 'PUT',
  path: '/v1/apps/:app/clusters/:cluster/approle',
  summary: "Ensure the app's AppRole, policies and token role in a cluster (idempotent)",
  tag: 'approle',
  roles: ENSURERS,
  auth: true,
  params: ZAppClusterParams,
  responses: { 200: ZEnsureAppRoleResponse },
});

export const getAppRoleRoute = route({
  id: 'getAppRole',
  method: 'GET',
  path: '/v1/apps/:app/clusters/:cluster/approle',
  summary: "Read the app's RoleID in a cluster",
  tag: 'approle',
  roles: ENSURERS,
  auth: true,
  params: ZAppClusterParams,
  responses: { 200: ZGetAppRoleResponse },
});

export const planAppRoleRoute = route({
  id: 'planAppRole',
  method: 'GET',
  path: '/v1/apps/:app/clusters/:cluster/approle/plan',
  summary: 'Desired vs actual Vault objects of the app in a cluster',
  tag: 'approle',
  roles: ENSURERS,
  auth: true,
  params: ZAppClusterParams,
  responses: { 200: ZAppRolePlanResponse },
});

export const appRoleRoutes = [ensureAppRoleRoute, getAppRoleRoute, planAppRoleRoute] as const;
