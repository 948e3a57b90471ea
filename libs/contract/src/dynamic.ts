/**
 * Dynamic credentials of an app: which of the policy template's profiles (database, AWS, PKI)
 * its pods draw credentials from. Stored per app; each ensure writes the matching roles in the
 * cluster it ensures (`<mount>/roles/<cloud>.<env>.<app>`) and removes detached ones.
 */
import { PROFILE_NAME } from '@secret-api/vault-policy';
import { z } from 'zod';
import { ZAppParams } from './apps.js';
import { ZActor, ZTimestamp, uniqueList } from './names.js';
import { route } from './route.js';

/** A profile name as the template defines them: `[a-z0-9-]`, 1–63 characters. */
export const ZProfileName = z
  .string({ error: 'profile name must be a string' })
  .max(63, 'profile name must be at most 63 characters')
  .regex(PROFILE_NAME, 'profile name may contain only a-z, 0-9 and - (not at either end)');

/** One role per engine and app, named after the AppRole: so at most one profile per engine. */
const profiles = (engine: string) => uniqueList(ZProfileName, engine, { max: 1 });

/** The app's Kubernetes namespace (a DNS label), for `{namespace}` in PKI domain patterns. */
export const ZNamespace = z
  .string({ error: 'namespace must be a string' })
  .max(63, 'namespace must be at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'namespace must be a Kubernetes namespace name');

/** PUT replaces each list given; an omitted list stays as it is. `[]` detaches. */
export const ZPutDynamicBody = z.strictObject({
  database: profiles('database').optional(),
  aws: profiles('aws').optional(),
  pki: profiles('pki').optional(),
  /** null resets to the default (the app name). */
  namespace: ZNamespace.nullable().optional(),
});
export type TPutDynamicBody = z.infer<typeof ZPutDynamicBody>;

export const ZDynamicProfiles = z.object({
  app: z.string(),
  database: z.array(ZProfileName),
  aws: z.array(ZProfileName),
  pki: z.array(ZProfileName),
  /** The namespace `{namespace}` stands for (the app name unless set). */
  namespace: ZNamespace,
  /** Absent until the first PUT. */
  updatedAt: ZTimestamp.optional(),
  updatedBy: ZActor.optional(),
});
export type TDynamicProfiles = z.infer<typeof ZDynamicProfiles>;

export const putDynamicRoute = route({
  id: 'putDynamicProfiles',
  method: 'PUT',
  path: '/v1/apps/:app/dynamic',
  summary:
    "Attach dynamic-credential profiles (database, aws, pki) to an app; the next ensure in each cluster writes or removes the app's roles",
  tag: 'dynamic',
  roles: 'admin',
  auth: true,
  params: ZAppParams,
  body: ZPutDynamicBody,
  responses: { 200: ZDynamicProfiles },
});

export const getDynamicRoute = route({
  id: 'getDynamicProfiles',
  method: 'GET',
  path: '/v1/apps/:app/dynamic',
  summary: 'The dynamic-credential profiles attached to an app',
  tag: 'dynamic',
  roles: 'admin',
  auth: true,
  params: ZAppParams,
  responses: { 200: ZDynamicProfiles },
});

export const dynamicRoutes = [putDynamicRoute, getDynamicRoute] as const;
