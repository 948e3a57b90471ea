import type { TApp, TPatchAppBody } from '@secret-api/contract';
import type { Prisma, PrismaClient } from '@secret-api/prisma';
import { notFound } from '../../http/api-error.js';
import { appEntityTag } from './app-etag.js';
import { LOCKED_EDIT_BOUNDS, requirePreconditions, type Preconditions } from '../entity-tag.js';

export type PatchAppDeps = { prisma: Pick<PrismaClient, '$transaction'> };

export interface PatchAppOptions {
  /** The request's If-Match / If-None-Match, compared with the app's current ETag. */
  preconditions?: Preconditions;
  /** Refuses the change (by throwing) given the app as it is under the lock, e.g. a grant to oneself. */
  check?: (current: TApp) => void;
}

export interface PatchedApp {
  before: TApp;
  after: TApp;
  etag: string;
}

/**
 * Replaces each list given. The row is locked from the read to the write, so the If-Match comparison, the caller's
 * checks and the audit's "before" all see the state the change replaces, not one a concurrent PATCH just replaced.
 * The app's Vault objects do not depend on these lists: nothing to re-ensure.
 */
export async function patchApp(
  deps: PatchAppDeps,
  name: string,
  input: TPatchAppBody,
  options: PatchAppOptions = {},
): Promise<PatchedApp> {
  return deps.prisma.$transaction(async (tx) => {
    const before = await lockApp(tx, name);
    requirePreconditions(options.preconditions ?? {}, appEntityTag(before), `app '${name}'`);
    options.check?.(before);
    const row = await tx.app.update({
      where: { name },
      data: {
        ...(input.ownerGroups !== undefined && { ownerGroups: input.ownerGroups }),
        ...(input.deployers !== undefined && { deployers: input.deployers }),
        ...(input.revealGroups !== undefined && { revealGroups: input.revealGroups }),
      },
      select: { name: true, ownerGroups: true, deployers: true, revealGroups: true, createdAt: true },
    });
    const after = { ...row, createdAt: row.createdAt.toISOString() };
    return { before, after, etag: appEntityTag(after) };
  }, LOCKED_EDIT_BOUNDS);
}

/** The app as it is, its row locked until the transaction ends (a concurrent PATCH waits here). */
/** The app, its row locked until the transaction ends (404 when there is none). */
/**
 * Reads the app's row locked for this transaction (404 when there is none). A change locks it `FOR NO KEY UPDATE`,
 * which secret sets (reading it `FOR KEY SHARE`, pending-row.ts) do not wait for; the decommission `FOR UPDATE`,
 * which they do.
 */
export async function lockApp(tx: Prisma.TransactionClient, name: string, forDelete = false): Promise<TApp> {
  type Row = { name: string; owner_groups: string[]; deployers: string[]; reveal_groups: string[]; created_at: Date };
  const [row] = forDelete
    ? await tx.$queryRaw<Row[]>`
        SELECT name, owner_groups, deployers, reveal_groups, created_at FROM apps WHERE name = ${name} FOR UPDATE`
    : await tx.$queryRaw<Row[]>`
        SELECT name, owner_groups, deployers, reveal_groups, created_at FROM apps WHERE name = ${name} FOR NO KEY UPDATE`;
  if (!row) throw notFound(`app '${name}' does not exist`);
  return {
    name: row.name,
    ownerGroups: row.owner_groups,
    deployers: row.deployers,
    revealGroups: row.reveal_groups,
    createdAt: row.created_at.toISOString(),
  };
}
