import { describe, expect, it } from 'vitest';
import { isServiceLinkVariable, reservedNameProblem } from './index.js';

describe('isServiceLinkVariable', () => {
  // What the kubelet sets for a Service "secret-db" (ClusterIP 10.0.0.11, port 5432 named "pg") and an IPv6 one.
  const links: Array<[string, string]> = [
    ['SECRET_DB_SERVICE_HOST', '10.0.0.11'],
    ['SECRET_DB_SERVICE_PORT', '5432'],
    ['SECRET_DB_SERVICE_PORT_PG', '5432'],
    ['SECRET_DB_PORT', 'tcp://10.0.0.11:5432'],
    ['SECRET_DB_PORT_5432_TCP', 'tcp://10.0.0.11:5432'],
    ['SECRET_DB_PORT_5432_TCP_PROTO', 'tcp'],
    ['SECRET_DB_PORT_5432_TCP_PORT', '5432'],
    ['SECRET_DB_PORT_5432_TCP_ADDR', '10.0.0.11'],
    ['SECRET_INIT_PORT', 'tcp://10.0.0.12:8099'],
    ['SECRET_DNS_PORT_53_UDP', 'udp://[fd00:10:96::a]:53'],
    ['SECRET_DNS_SERVICE_HOST', 'fd00:10:96::a'],
    ['SECRET_SCTP_PORT_9_SCTP_PROTO', 'sctp'],
  ];
  it.each(links)('%s=%s is a service link', (name, value) => {
    expect(isServiceLinkVariable(name, value)).toBe(true);
  });

  const notLinks: Array<[string, string]> = [
    ['SECRET_DB_PORT', 'secret/data/myapp/db#port'],
    ['SECRET_DB_PORT', 'DB_PORT'],
    ['SECRET_DB_SERVICE_HOST', 'secret/db#host'],
    ['SECRET_DB_SERVICE_HOST', 'tcp://10.0.0.11:5432'],
    ['SECRET_DB_PASSWORD', '10.0.0.11'],
    ['SECRET_INIT_PORT', '8099'],
    ['SECRET_DB_PORT', 'http://10.0.0.11:5432'],
    ['SECRET_DB_PORT_5432_TCP_PROTO', 'secret/db'],
  ];
  it.each(notLinks)('%s=%s is not', (name, value) => {
    expect(isServiceLinkVariable(name, value)).toBe(false);
  });
});

describe('reservedNameProblem', () => {
  it.each([
    'PATH',
    'LD_PRELOAD',
    'LD_LIBRARY_PATH',
    'DYLD_INSERT_LIBRARIES',
    'BASH_ENV',
    'NODE_OPTIONS',
    'IFS',
    'LUA_INIT',
    'DOTNET_STARTUP_HOOKS',
    'CORECLR_PROFILER_PATH',
    'PHPRC',
    'PHP_INI_SCAN_DIR',
    'ZDOTDIR',
    'PYTHONWARNINGS',
    'PYTHONUSERBASE',
    'CLASSPATH',
    'BUNDLE_GEMFILE',
    'GEM_PATH',
    'ERL_AFLAGS',
    'R_PROFILE_USER',
    'NODE_REPL_EXTERNAL_MODULE',
    'GLIBC_TUNABLES',
    'GIT_SSH_COMMAND',
    'LESSOPEN',
    'NODE_EXTRA_CA_CERTS',
    'HOME',
    'HTTPS_PROXY',
    'https_proxy',
    'SSL_CERT_FILE',
    'KUBERNETES_SERVICE_HOST',
    'kubernetes_service_port',
    'KUBECONFIG',
    'VAULT_ADDR',
    'VAULT_SKIP_VERIFY',
    'VAULT_CACERT',
    'AWS_CA_BUNDLE',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_ENDPOINT_URL_S3',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'JAVA_OPTS',
    'MANPAGER',
    'GIT_PAGER',
    'SSH_ASKPASS',
    'SUDO_ASKPASS',
    'OPENSSL_CONF',
    'OPENSSL_MODULES',
    'SSLKEYLOGFILE',
    'NPM_CONFIG_SCRIPT_SHELL',
  ])('%s is refused', (name) => {
    expect(reservedNameProblem(name)).toContain(name);
  });
  it.each([
    'DB_PASSWORD',
    'API_KEY',
    'PATHS',
    'MY_PATH',
    'HOMEPAGE_TOKEN',
    'OLD_PRELOAD',
    'REDIS_URL',
    'GITHUB_TOKEN',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_REGION',
    'PAGERDUTY_TOKEN',
  ])('%s is allowed', (name) => {
    expect(reservedNameProblem(name)).toBeNull();
  });
});
