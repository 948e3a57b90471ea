/**
 * What may go into a pod's environment, decided once for secret-init (which reads and writes it) and the deployer
 * (which validates deployer.yml before a pod ever starts).
 */

/**
 * Variables that make a shell, the dynamic loader or a language runtime load or run what they name. secret-init
 * never sets one from a secret (`SECRET_LD_PRELOAD`, `SECRET_NODE_OPTIONS`): whoever may write the app's
 * secrets could otherwise run code in the app's containers, which only whoever writes its pod spec may.
 */
const CODE_LOADING_NAMES = new Set([
  'PATH',
  'IFS',
  'ENV',
  'BASH_ENV',
  'CDPATH',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'GCONV_PATH',
  'NODE_OPTIONS',
  'NODE_PATH',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PYTHONHOME',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
]);
const CODE_LOADING_PREFIXES = ['LD_', 'DYLD_'];

/** Why a secret may not be exported under `name`, or null when it may. */
export function reservedNameProblem(name: string): string | null {
  if (CODE_LOADING_NAMES.has(name) || CODE_LOADING_PREFIXES.some((p) => name.startsWith(p))) {
    return `${name} makes a shell, the loader or a runtime load what it names; a secret may not set it`;
  }
  return null;
}

const PROTOCOL = '(?:tcp|udp|sctp)';
const IPV4 = '\\d{1,3}(?:\\.\\d{1,3}){3}';
const IPV6 = '[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*';
const PORT = '\\d{1,5}';
const SERVICE_LINK_VALUE: ReadonlyArray<[RegExp, RegExp]> = [
  [/_SERVICE_HOST$/, new RegExp(`^(?:${IPV4}|${IPV6})$`)],
  [/_SERVICE_PORT(?:_[A-Z0-9_]+)?$/, new RegExp(`^${PORT}$`)],
  [/_PORT(?:_\d+_(?:TCP|UDP|SCTP))?$/, new RegExp(`^${PROTOCOL}://(?:${IPV4}|\\[${IPV6}\\]):${PORT}$`)],
  [/_PORT_\d+_(?:TCP|UDP|SCTP)_PROTO$/, new RegExp(`^${PROTOCOL}$`)],
  [/_PORT_\d+_(?:TCP|UDP|SCTP)_PORT$/, new RegExp(`^${PORT}$`)],
  [/_PORT_\d+_(?:TCP|UDP|SCTP)_ADDR$/, new RegExp(`^(?:${IPV4}|${IPV6})$`)],
];

/**
 * Is this one of the variables the kubelet adds for every Service of the pod's namespace (service links:
 * `REDIS_SERVICE_HOST=10.0.0.11`, `REDIS_PORT=tcp://10.0.0.11:6379`, …)? A Service named `secret-db` or
 * `secret-init` would otherwise pose as a `SECRET_` variable or a setting. Name and value must both have the
 * shape: an explicit `SECRET_DB_PORT=secret/db#port` is a secret, and an explicit setting always wins anyway
 * (the container's own env overrides service links).
 */
export function isServiceLinkVariable(name: string, value: string): boolean {
  return SERVICE_LINK_VALUE.some(([suffix, shape]) => suffix.test(name) && shape.test(value));
}
