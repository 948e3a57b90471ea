/**
 * Kubernetes `Status` errors (apimachinery/pkg/api/errors): every failure leaves
 * the server as `kind: Status, status: Failure` with a reason and a code, which is
 * what client-go needs to build typed errors (IsNotFound, IsConflict...).
 */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'InternalError';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `pods` or `deployments.apps`, as errors name resources. */
export interface ResourceRef {
  group: string;
  resource: string;
}

function qualified(ref: ResourceRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

function detailsOf(ref: ResourceRef, name: string): StatusDetails {
  return { name, ...(ref.group ? { group: ref.group } : {}), kind: ref.resource };
}

export const errors = {
  notFound: (ref: ResourceRef, name: string) =>
    new StatusError(404, 'NotFound', `${qualified(ref)} "${name}" not found`, detailsOf(ref, name)),
  alreadyExists: (ref: ResourceRef, name: string) =>
    new StatusError(409, 'AlreadyExists', `${qualified(ref)} "${name}" already exists`, detailsOf(ref, name)),
  conflict: (ref: ResourceRef, name: string, why: string) =>
    new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(ref)} "${name}": ${why}`,
      detailsOf(ref, name),
    ),
  staleResourceVersion: (ref: ResourceRef, name: string) =>
    errors.conflict(
      ref,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    ),
  /** 422 with one cause per field, message `<Kind>.<group> "<name>" is invalid: <field>: <detail>, ...`. */
  invalid: (kind: string, group: string, name: string, causes: { field: string; type: string; detail: string }[]) => {
    const what = group ? `${kind}.${group}` : kind;
    const list = causes.map((c) => `${c.field}: ${c.type}: ${c.detail}`).join(', ');
    const message =
      causes.length > 1 ? `${what} "${name}" is invalid: [${list}]` : `${what} "${name}" is invalid: ${list}`;
    return new StatusError(422, 'Invalid', message, {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: causes.map((c) => ({
        reason: `Field${c.type.replace(/ /g, '')}`,
        message: `${c.type}: ${c.detail}`,
        field: c.field,
      })),
    });
  },
  badRequest: (message: string) => new StatusError(400, 'BadRequest', message),
  unauthorized: () => new StatusError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string, details?: StatusDetails) => new StatusError(403, 'Forbidden', message, details),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') =>
    new StatusError(405, 'MethodNotAllowed', message),
  unsupportedMediaType: (type: string) =>
    new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got ${type}`,
    ),
  expired: (message: string) => new StatusError(410, 'Expired', message),
  pageNotFound: () => new StatusError(404, 'NotFound', 'the server could not find the requested resource'),
};
