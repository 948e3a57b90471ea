/**
 * Separation of duties (product.md §4): an admin manages apps and clusters but reads no values unless in the
 * app's reveal groups, and never gets SecretID material. Both would be hollow if an admin could grant the
 * right to themselves, so a grant of reveal or controller rights to a group or principal that includes the
 * granting admin is refused. Another admin may grant it; the audit trail records who did.
 */
import type { Identity } from '../auth/identity.js';
import { ApiError } from '../http/api-error.js';

export interface Grants {
  /** Reveal groups the request adds to an app. */
  readonly revealGroups?: readonly string[];
  /** Controller principals the request adds to a cluster. */
  readonly controllerSubjects?: readonly string[];
}

/** Items of `next` that `before` lacks: what a request grants anew. */
export function added(before: readonly string[], next: readonly string[] | undefined): string[] {
  if (next === undefined) return [];
  const had = new Set(before);
  return next.filter((item) => !had.has(item));
}

export function refuseSelfGrant(identity: Identity, grants: Grants): void {
  const ownGroups = new Set(identity.groups);
  const revealToSelf = (grants.revealGroups ?? []).filter((g) => ownGroups.has(g));
  if (revealToSelf.length > 0) {
    throw new ApiError(
      'forbidden',
      `separation of duties: you may not grant reveal rights to ${quoteList(revealToSelf)}, which you belong to; ` +
        'ask another admin',
    );
  }
  if ((grants.controllerSubjects ?? []).includes(identity.principal)) {
    throw new ApiError(
      'forbidden',
      `separation of duties: you may not make yourself ('${identity.principal}') a cluster controller; ` +
        'controllers are the clusters’ service accounts',
    );
  }
}

function quoteList(items: readonly string[]): string {
  return items.map((i) => `'${i}'`).join(', ');
}
