import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

const BASE = {
  SECRET_CONTROLLER_CLUSTER: 'aws.stg',
  SECRET_API_URL: 'https://secret-api.example',
  SECRET_API_TOKEN_FILE: '/var/run/secrets/secret-api/token',
  KUBERNETES_SERVICE_HOST: '10.0.0.1',
  POD_NAMESPACE: 'secret-system',
};

describe('configuration', () => {
  it('has defaults for everything but where to find the API, the cluster and the token', () => {
    const c = parseConfig(BASE);
    expect(c).toMatchObject({
      intakePort: 8099,
      initContainer: 'secret-init',
      refreshContainer: 'secret-refresh',
      lease: { namespace: 'secret-system', name: 'secret-controller', durationMs: 15_000, renewMs: 5_000 },
      pollMs: 10_000,
    });
  });

  it.each([
    [{ SECRET_CONTROLLER_CLUSTER: undefined }, 'SECRET_CONTROLLER_CLUSTER is required'],
    [{ SECRET_CONTROLLER_CLUSTER: 'stg' }, 'SECRET_CONTROLLER_CLUSTER'],
    [{ SECRET_API_URL: 'ftp://x' }, 'SECRET_API_URL must be an http(s) URL'],
    [{ SECRET_INIT_PORT: '70000' }, 'SECRET_INIT_PORT must be between 1 and 65535'],
    [{ SECRET_CONTROLLER_POLL_SECONDS: 'often' }, 'SECRET_CONTROLLER_POLL_SECONDS must be a number of seconds'],
    [
      { SECRET_CONTROLLER_LEASE_SECONDS: '3', SECRET_CONTROLLER_RENEW_SECONDS: '5' },
      'SECRET_CONTROLLER_RENEW_SECONDS must be shorter',
    ],
    [{ KUBERNETES_SERVICE_HOST: undefined }, 'KUBECONFIG is required outside a cluster'],
  ])('refuses %o with one line naming the variable', (change, message) => {
    const env = { ...BASE, ...change } as Record<string, string | undefined>;
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });
});

describe('Kubernetes service links', () => {
  it('are not settings: a Service named secret-init or secret-controller-health leaves the ports at their defaults', () => {
    const c = parseConfig({
      ...BASE,
      SECRET_INIT_PORT: 'tcp://10.0.0.12:8099',
      SECRET_CONTROLLER_HEALTH_PORT: 'tcp://10.0.0.13:8081',
      KUBERNETES_SERVICE_PORT: '443',
    });
    expect(c.intakePort).toBe(8099);
    expect(c.health.port).toBe(8081);
    expect(c.kube.inCluster).toEqual({ host: '10.0.0.1', port: 443 });
  });
});

describe('files the configuration names', () => {
  it('a token file or kubeconfig that cannot be read stops the start with a ConfigError naming it (exit 2)', async () => {
    const { startController } = await import('./controller.js');
    const noToken = parseConfig({ ...BASE, SECRET_API_TOKEN_FILE: '/nonexistent/token' });
    await expect(startController(noToken)).rejects.toThrow(
      new ConfigError('SECRET_API_TOKEN_FILE: cannot read /nonexistent/token (ENOENT)'),
    );
    const noKubeconfig = parseConfig({
      ...BASE,
      SECRET_API_TOKEN_FILE: new URL(import.meta.url).pathname,
      KUBERNETES_SERVICE_HOST: undefined,
      KUBECONFIG: '/nonexistent/kubeconfig',
    });
    await expect(startController(noKubeconfig)).rejects.toThrow(
      new ConfigError('cannot use KUBECONFIG /nonexistent/kubeconfig: cannot read it (ENOENT)'),
    );
  });
});
