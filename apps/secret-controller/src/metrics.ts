/** The controller's Prometheus metrics, in a registry of its own (served on /metrics). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'secret_controller_' });
  const registers = [registry];
  return {
    registry,
    deliveries: new Counter({
      name: 'secret_controller_deliveries_total',
      help: 'SecretID deliveries to init containers, by result (delivered, failed)',
      labelNames: ['result'] as const,
      registers,
    }),
    interceptions: new Counter({
      name: 'secret_controller_secret_id_intercepted_total',
      help: 'Deliveries the init container refused with 409: its wrapping token had already been used (possible interception)',
      registers,
    }),
    deliverySeconds: new Histogram({
      name: 'secret_controller_delivery_seconds',
      help: 'From asking the Secret API for a SecretID to the init container accepting it',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    deliveryStageSeconds: new Histogram({
      name: 'secret_controller_delivery_stage_seconds',
      help: 'One step of a delivery: claim (the pod annotation), issue (the Secret API), intake (the init container accepting it)',
      labelNames: ['stage'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    retries: new Counter({
      name: 'secret_controller_delivery_retries_total',
      help: 'Delivery attempts that will be retried (intake not listening yet, Secret API unavailable)',
      registers,
    }),
    podRestarts: new Counter({
      name: 'secret_controller_pod_restarts_total',
      help: 'Pods deleted because their refresh sidecar failed',
      registers,
    }),
    rolloutRestarts: new Counter({
      name: 'secret_controller_rollout_restarts_total',
      help: 'Deployments rollout-restarted because a secret their app reads changed',
      registers,
    }),
    changePolls: new Counter({
      name: 'secret_controller_change_polls_total',
      help: 'Polls of the Secret API for secret changes, by result',
      labelNames: ['result'] as const,
      registers,
    }),
    leader: new Gauge({
      name: 'secret_controller_leader',
      help: '1 while this replica holds the Lease and does the work',
      registers,
    }),
    queueDepth: new Gauge({
      name: 'secret_controller_queue_depth',
      help: 'Pod keys waiting in the work queue',
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
