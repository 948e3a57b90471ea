/**
 * Path parameters are checked with the route's own params schema (the one the API parses them with) before any
 * URL exists: `..` as a secret key must never become `DELETE /v1/apps/myapp` (issue 9). buildPath refuses unsafe
 * segments too; this check comes first so the message names the value as the user typed it.
 */
import type { RouteContract } from '@secret-api/contract';
import { UnsafePathSegmentError, buildPath } from './contract/route.js';
import { UsageError } from '../errors.js';

/** What each path parameter is called in a message. */
const PARAM_WORDS: Readonly<Record<string, string>> = {
  app: 'app name',
  cluster: 'cluster name',
  cloud: 'cloud name',
  key: 'secret key',
};

/** `app name ".." may contain ...` -> `it may contain ...`: the value is already quoted once in the message. */
function reason(word: string, value: string, message: string): string {
  for (const prefix of [`${word} ${JSON.stringify(value)} `, `${word} `]) {
    if (message.startsWith(prefix)) return `it ${message.slice(prefix.length).replace(/^: /, '')}`;
  }
  return message;
}

/** Throws a UsageError, one line per invalid parameter: `app name '..' is invalid: it may contain only ...`. */
export function checkParams(route: RouteContract, params: Readonly<Record<string, string>> = {}): void {
  const schema = route.params;
  if (schema !== undefined) {
    const parsed = schema.safeParse(params);
    if (!parsed.success) {
      const problems = new Map<string, string>();
      for (const issue of parsed.error.issues) {
        const name = String(issue.path[0] ?? '');
        if (problems.has(name)) continue; // one message per parameter
        const word = PARAM_WORDS[name] ?? name;
        const value = params[name] ?? '';
        const assignment = name === 'key' ? value.indexOf('=') : -1;
        if (assignment >= 0) {
          // `KEY=VALUE`, as heroku config:set and kubectl --from-literal take it: what follows `=` may be the secret.
          problems.set(
            name,
            `${word} '${value.slice(0, assignment)}=…' is invalid: a key cannot contain '=', and a secret value is ` +
              'never taken from the command line (it would stay in shell history and CI logs); pipe it in or use --from-file',
          );
          continue;
        }
        problems.set(name, `${word} '${value}' is invalid: ${reason(word, value, issue.message)}`);
      }
      throw new UsageError([...problems.values()].join('\n'), 'validation');
    }
  }
}

/** The request path, checked: the params schema first, then buildPath's own refusal of unsafe segments. */
export function checkedPath(route: RouteContract, params: Readonly<Record<string, string>> = {}): string {
  checkParams(route, params);
  try {
    return buildPath(route.path, params);
  } catch (err) {
    if (err instanceof UnsafePathSegmentError) {
      const word = PARAM_WORDS[err.param] ?? err.param;
      throw new UsageError(`${word} '${err.value}' is invalid: ${err.reason}`, 'validation');
    }
    throw err;
  }
}
