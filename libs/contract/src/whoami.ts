import { z } from 'zod';
import { ZGroupName, ZSubject } from './names.js';
import { route } from './route.js';

export const ZWhoamiResponse = z.object({
  /** The token's `sub`. */
  subject: ZSubject,
  issuer: z.string(),
  /**
   * What controller subjects, deployer patterns and the audit trail name: the issuer's subjectPrefix + `sub`
   * (just `sub` with a single trusted issuer and no prefix).
   */
  principal: ZSubject,
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
