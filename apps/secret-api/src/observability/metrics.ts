/** Prometheus metrics, one registry per API instance (tests run several in one process). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'secret_api_http_requests_total',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'secret_api_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly ensures = new Counter({
    name: 'secret_api_approle_ensures_total',
    help: 'AppRole ensures by outcome (changed: Vault objects were written; unchanged: nothing to write)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly secretIdsIssued = new Counter({
    name: 'secret_api_secret_ids_issued_total',
    help: 'SecretID material handed to cluster controllers, by kind (wrapped SecretID or SecretID token)',
    labelNames: ['kind', 'cluster'] as const,
    registers: [this.registry],
  });

  readonly secretSets = new Counter({
    name: 'secret_api_secret_sets_total',
    help: 'Secret versions written (sets and rollbacks), by scope',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });

  readonly vaultRequests = new Histogram({
    name: 'secret_api_vault_request_duration_seconds',
    help: 'Vault calls by method, API area (first two path segments) and outcome',
    labelNames: ['method', 'area', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'secret_api_' });
  }
}
