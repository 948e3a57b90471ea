/**
 * Finds the operation for a request in one radix-tree lookup (find-my-way), instead of trying every route's regular
 * expression in turn as express's router does: with ~100 routes and 405 fallbacks that walk was a tenth of the CPU
 * of a RoleID read.
 *
 * Matching keeps express's rules for this API: case-sensitive, a trailing slash ignored, a parameter is one
 * non-empty segment, percent-decoded. A known path with another method is a 405 naming the methods it has; HEAD is
 * answered wherever GET is.
 */
import type { IncomingMessage } from 'node:http';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { ApiResponse } from './request-context.js';

/** Where a request is going: its path (raw, as sent) and its query string, and the route's decoded parameters. */
export interface RequestTarget {
  path: string;
  query: string | null;
  params: Record<string, string>;
}

/** Runs one operation. */
export type RouteHandler = (req: IncomingMessage, res: ApiResponse, target: RequestTarget) => Promise<void>;

export interface Route {
  method: string;
  path: string;
  handle: RouteHandler;
}

/** What a lookup found: the route, another method's path (a 405), or nothing. */
export type RouteMatch =
  | { kind: 'route'; handle: RouteHandler; params: Record<string, string> }
  | { kind: 'other-method'; path: string; allow: string }
  | undefined;

interface Store {
  handle: RouteHandler;
  /** For a 405: the methods this path has. */
  allow: string;
  path: string;
}

/**
 * No length limit of the router's own: a parameter of any length must reach its route and get the validation error
 * that names it, not a 404. Node's limit on the request head (16 KiB by default) already bounds every path.
 */
const MAX_PARAM_LENGTH = Number.MAX_SAFE_INTEGER;

const noop = () => undefined;

export function routeTable(routes: readonly Route[]): (method: string, path: string) => RouteMatch {
  const router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH });

  const byPath = new Map<string, Map<string, RouteHandler>>();
  for (const route of routes) {
    const handlers = byPath.get(route.path) ?? new Map<string, RouteHandler>();
    if (handlers.has(route.method)) throw new Error(`two operations for ${route.method} ${route.path}`);
    handlers.set(route.method, route.handle);
    byPath.set(route.path, handlers);
  }
  const methods = new Set<HTTPMethod>();
  for (const [path, handlers] of byPath) {
    const get = handlers.get('GET');
    if (get && !handlers.has('HEAD')) handlers.set('HEAD', get);
    const allow = [...handlers.keys()].sort().join(', ');
    for (const [method, handle] of handlers) {
      methods.add(method as HTTPMethod);
      router.on(method as HTTPMethod, path, noop, { handle, allow, path } satisfies Store);
    }
  }

  /** A path some route has under another method: asked only after a miss, so a hit costs one lookup. */
  const knownPath = (path: string): Store | undefined => {
    for (const method of methods) {
      const found = router.find(method, path);
      if (found && !hasEmptyParam(found.params)) return found.store as Store;
    }
    return undefined;
  };

  return (method, path) => {
    const found = router.find(method as HTTPMethod, path);
    if (found && !hasEmptyParam(found.params)) {
      return { kind: 'route', handle: (found.store as Store).handle, params: found.params as Record<string, string> };
    }
    const known = found ? undefined : knownPath(path);
    return known && { kind: 'other-method', path: known.path, allow: known.allow };
  };
}

/** An empty segment (`/v1/apps//secrets`) names nothing: no route, as in express. */
function hasEmptyParam(params: Record<string, string | undefined>): boolean {
  for (const name in params) if (params[name] === '') return true;
  return false;
}
