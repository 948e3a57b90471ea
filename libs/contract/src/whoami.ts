import { z } from 'zod';
import { ZGroupName, ZSubject } from './names.js';
import { route } from './route.js';

export const ZWhoamiResponse = z.object({
  subject: ZSubject,
  issuer: z.string(),
  groups: z.array(ZGroupName),
  /** Member of ADMIN_GROUPS. */
  admin: z.boolean(),
});
export type TWhoamiResponse = z.infer<typeof ZWhoamiResponse>;

export const whoamiRoute = route({
  id: 'whoami',
  method: 'GET',
  path: '/v1/whoami',
  summary: 'The caller as the API sees it',
  tag: 'identity',
  roles: 'any authenticated caller',
  auth: true,
  responses: { 200: ZWhoamiResponse },
});

export const whoamiRoutes = [whoamiRoute] as const;
