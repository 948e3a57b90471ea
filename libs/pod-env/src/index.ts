/**
 * What may go into a pod's environment, decided once for secret-init (which reads and writes it) and the deployer
 * (which validates deployer.yml before a pod ever starts).
 */

/**
 * Variables a secret may not set, because a shell, the dynamic loader, a language runtime or a common tool acts on
 * them: it loads or runs what they name, trusts the certificates they name, or sends its traffic where they say.
 * secret-init never sets one from a secret (`SECRET_LD_PRELOAD`, `SECRET_NODE_OPTIONS`, `SECRET_HTTPS_PROXY`):
 * whoever may write the app's secrets could otherwise run code in the app's containers or read their traffic,
 * which only whoever writes the pod spec may. Compared without regard to case (`https_proxy` is read too).
 */
const RESERVED_NAMES = new Set([
  // shells
  'PATH',
  'IFS',
  'ENV',
  'BASH_ENV',
  'CDPATH',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'ZDOTDIR',
  'HOME',
  'SHELL',
  // the C library and loader
  'GCONV_PATH',
  'GLIBC_TUNABLES',
  'LOCPATH',
  'NLSPATH',
  'HOSTALIASES',
  'RESOLV_HOST_CONF',
  // runtimes
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'CLASSPATH',
  'JAVA_OPTS',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'PERLLIB',
  // tools that run a command they are given
  'BROWSER',
  'EDITOR',
  'VISUAL',
  'LESSOPEN',
  'LESSCLOSE',
  'KUBECONFIG',
  'NPM_CONFIG_USERCONFIG',
  // trust and traffic
  'SSL_CERT_FILE',
  'SSLKEYLOGFILE',
  'KRB5_CONFIG',
  'GODEBUG',
  'DOCKER_HOST',
  'AWS_CA_BUNDLE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
  'REQUESTS_CA_BUNDLE',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'FTP_PROXY',
]);
const RESERVED_PREFIXES = [
  'LD_',
  'DYLD_',
  'PYTHON',
  'PERL5',
  'RUBY',
  'GEM_',
  'BUNDLE_',
  'LUA_',
  'DOTNET_',
  'CORECLR_',
  'COR_',
  'COMPLUS_',
  'PHP',
  'GIT_',
  'ERL_',
  'R_PROFILE',
  'R_ENVIRON',
  'R_LIBS',
  'OPENSSL_',
  'NPM_CONFIG_',
  // where in-cluster clients send the pod's service-account token, and where Vault clients send theirs
  'KUBERNETES_',
  'VAULT_',
  // where the AWS SDKs send requests and fetch credentials (static keys, AWS_ACCESS_KEY_ID..., stay allowed)
  'AWS_ENDPOINT_URL',
  'AWS_CONTAINER_',
];
/** Names that end like a command some tool runs (`SSH_ASKPASS`, `MANPAGER`, `GIT_PAGER`). */
const RESERVED_SUFFIXES = ['_ASKPASS', 'PAGER'];

/** Why a secret may not be exported under `name`, or null when it may. */
export function reservedNameProblem(name: string): string | null {
  const upper = name.toUpperCase();
  if (
    RESERVED_NAMES.has(upper) ||
    RESERVED_PREFIXES.some((p) => upper.startsWith(p)) ||
    RESERVED_SUFFIXES.some((s) => upper.endsWith(s))
  ) {
    return `it would set ${name}, which a shell, the loader, a runtime or a tool acts on; a secret may not set it`;
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
export * from './secret-reads.js';
