/** The shape of one route's contract: every route declares params, query, body and responses. */
import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContract {
  /** Unique operation id (OpenAPI `operationId`). */
  readonly id: string;
  readonly method: HttpMethod;
  /** Express-style path, e.g. `/v1/apps/:app`. */
  readonly path: string;
  readonly summary: string;
  /** OpenAPI tag (the resource). */
  readonly tag: string;
  /** Who may call it, for docs. */
  readonly roles: string;
  /** false for the unauthenticated operational routes. */
  readonly auth: boolean;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** false when the body may be omitted (an empty body parses as `{}`). */
  readonly bodyRequired?: boolean;
  /** Success responses by status; `null` means no content. */
  readonly responses: Readonly<Record<number, z.ZodType | null>>;
  /** Content type of the success responses; default `application/json`. */
  readonly contentType?: string;
}

/** Declares a route, keeping its literal type. */
export function route<const R extends RouteContract>(r: R): R {
  return r;
}

/** Fills an express-style path with URL-encoded params: `/v1/apps/:app` + `{app: 'x'}` -> `/v1/apps/x`. */
export function buildPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter '${name}' for ${path}`);
    return encodeURIComponent(value);
  });
}
