/**
 * Failures of the Kubernetes side of `deployer deploy`, as the CLI's own error types so that src/errors.ts decides
 * their exit codes like any other: an API answer by its HTTP status, an unreachable cluster or a rollout that did
 * not finish as unavailable (5).
 */
import { ApiError, NetworkError } from '../errors.js';

/** The Kubernetes API refused a request (its Status message, the object named). */
export class KubeApiError extends ApiError {}

/** The cluster could not be reached at all. */
export class ClusterUnreachableError extends NetworkError {}

/** The workloads were applied but did not become ready within --timeout. */
export class RolloutTimeoutError extends NetworkError {}

/**
 * Kubernetes gave up on a workload's rollout (ProgressDeadlineExceeded). Unavailable (5) like a timeout: the deploy
 * was applied and is not ready, and the cause (an image pull, a secret-init that cannot log in) is often outside it.
 */
export class RolloutFailedError extends NetworkError {}
