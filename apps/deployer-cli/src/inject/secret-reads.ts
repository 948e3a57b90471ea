/**
 * The templates as secret-init will parse them, checked before any pod starts (a syntax error or an unknown
 * function is a deploy-time error naming the file and line, not a pod failing to start), and what they read:
 * the pod template's `secret-api.dev/reads`, which the secret-controller's restart on change follows.
 */
import { GoTemplateError, NOT_LITERAL, Template, type StaticArg } from '@secret-api/go-template';
import { VAULT_TEMPLATE_FUNCTIONS, formatSecretReads, secretReads, type PodPlace } from '@secret-api/pod-env';
import { UsageError } from '../errors.js';

export const TEMPLATE_EXTENSION = '.tmpl';
/** secret-init's KV mount (`VAULT_KV_MOUNT`), which injection leaves at its default. */
const KV_MOUNT = 'secret';

const firstArg = (args: readonly StaticArg[]): string | undefined => {
  const arg = args[0];
  return arg === NOT_LITERAL || typeof arg !== 'string' ? undefined : arg;
};

/**
 * The `secret-api.dev/reads` value of the app's pods: the secrets its templates look up or read raw, and its
 * `SECRET_<NAME>` variables' paths. Throws a UsageError for a template secret-init could not parse.
 */
export function podSecretReads(
  files: ReadonlyMap<string, Buffer>,
  variables: Readonly<Record<string, string>>,
  place: Omit<PodPlace, 'kvMount'>,
): string {
  const lookups: (string | undefined)[] = [];
  const paths: (string | undefined)[] = [];
  for (const [name, bytes] of files) {
    if (!name.endsWith(TEMPLATE_EXTENSION) || name.length === TEMPLATE_EXTENSION.length) continue;
    const template = new Template(name, { missingKey: 'error' }).dependencies(VAULT_TEMPLATE_FUNCTIONS);
    try {
      template.parse(bytes.toString('utf8'));
    } catch (err) {
      if (err instanceof GoTemplateError) throw new UsageError(`config: ${err.message}`, 'invalid_config');
      throw err;
    }
    for (const call of template.calls(['lookup', 'rawRead'])) {
      (call.name === 'lookup' ? lookups : paths).push(firstArg(call.args));
    }
  }
  for (const ref of Object.values(variables)) paths.push(ref.split('#')[0]);
  return formatSecretReads(secretReads({ lookups, paths }, { ...place, kvMount: KV_MOUNT }));
}
