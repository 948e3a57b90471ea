/**
 * Attaching profiles to an app. Only the database changes here: each ensure applies the attachment in its
 * cluster (writing the roles, removing detached ones), as it applies the template. Profile names are checked
 * against the template now, so a typo is a 400 naming it rather than a failed ensure at the next deploy.
 */
import { toPointer, type TDynamicProfiles, type TProblemFieldError, type TPutDynamicBody } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import { DYNAMIC_ENGINES, type PolicyTemplate } from '@secret-api/vault-policy';
import { isUniqueViolation } from '../../db/errors.js';
import { ApiError } from '../../http/api-error.js';
import { dynamicView } from './attachment.js';

export type PutDynamicDeps = {
  prisma: Pick<PrismaClient, 'appDynamicProfiles'>;
  template: PolicyTemplate;
};

function unknownProfiles(template: PolicyTemplate, body: TPutDynamicBody): TProblemFieldError[] {
  return DYNAMIC_ENGINES.flatMap((engine) =>
    (body[engine] ?? []).flatMap((name, i) => {
      if (Object.hasOwn(template.profiles[engine], name)) return [];
      const known = Object.keys(template.profiles[engine]).sort();
      return [
        {
          path: toPointer([engine, i], '/body'),
          message:
            `unknown ${engine} profile '${name}'; ` +
            (known.length > 0
              ? `the policy template defines: ${known.join(', ')}`
              : 'the policy template defines none'),
        },
      ];
    }),
  );
}

export async function putDynamic(
  deps: PutDynamicDeps,
  app: string,
  body: TPutDynamicBody,
  actor: string,
): Promise<{ before: TDynamicProfiles; after: TDynamicProfiles }> {
  const errors = unknownProfiles(deps.template, body);
  if (errors.length > 0) {
    throw new ApiError('validation', errors.map((e) => e.message).join('; '), { errors });
  }
  const where = { appName: app };
  const existing = await deps.prisma.appDynamicProfiles.findUnique({ where });
  const data = {
    ...(body.database !== undefined && { database: body.database }),
    ...(body.aws !== undefined && { aws: body.aws }),
    ...(body.pki !== undefined && { pki: body.pki }),
    ...(body.namespace !== undefined && { namespace: body.namespace }),
    updatedBy: actor,
  };
  const write = () => deps.prisma.appDynamicProfiles.upsert({ where, create: { appName: app, ...data }, update: data });
  let row;
  try {
    row = await write();
  } catch (err) {
    // Two first PUTs at once: the loser's create collides; its update then applies on top.
    if (!isUniqueViolation(err)) throw err;
    row = await write();
  }
  return { before: dynamicView(app, existing), after: dynamicView(app, row) };
}
