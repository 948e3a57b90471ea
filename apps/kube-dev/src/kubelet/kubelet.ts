/**
 * A simulated kubelet for one node: binds new pods to it, gives each an IP in
 * its pod CIDR (127.10/16 by default), walks init containers one at a time (a test may run them as real
 * processes), then marks the pod Running and Ready. A native sidecar (an init container with restartPolicy
 * Always) the runner runs keeps running beside the pod and is restarted whenever it exits, after a back-off
 * its status shows as CrashLoopBackOff (the kubelet's: 10 s doubling to 5 min, restart-backoff.ts). Each step is one status write, which watchers see as one MODIFIED
 * event. Deleting a pod is graceful: it stays, Terminating, while its containers stop (the runner's `signal`
 * aborts: SIGTERM; its `kill` aborts when the grace period is over: SIGKILL), and is removed once they have.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatTime } from '../api/meta.js';
import { isPlainObject, type KubeObject } from '../api/object.js';
import type { Registry } from '../registry/generic.js';
import { pods } from '../registry/index.js';
import { groupResource } from '../registry/types.js';
import { PodIpAllocator } from './ip-allocator.js';
import { MAX_RESTART_BACKOFF_MS, nextRestartBackoff, type RestartBackoffEntry } from './restart-backoff.js';

type Obj = Record<string, unknown>;

/** What a container gets between SIGTERM and SIGKILL when its pod is removed at once (the kubelet's minimum). */
const MINIMUM_GRACE_MS = 2000;

export interface InitContainerRun {
  pod: KubeObject;
  container: Obj;
  podIP: string;
  /** Aborted when the pod is deleted: stop (SIGTERM), within the pod's grace period. */
  signal: AbortSignal;
  /** Aborted when the grace period is over and the container still runs: stop at once (SIGKILL). */
  kill: AbortSignal;
}

/**
 * Runs one init container and resolves with its exit code, or returns
 * undefined to let the kubelet "run" it (it succeeds at once; a sidecar runs
 * for the pod's life). A sidecar's run resolves only when it exits.
 */
export type InitContainerRunner = (run: InitContainerRun) => Promise<number> | undefined;

export interface KubeletOptions {
  nodeName: string;
  runInitContainer?: InitContainerRunner;
  /** Where pod IPs come from: a /16 or /24 inside 127.0.0.0/8 (default 127.10.0.0/16). */
  podCIDR?: string;
  /**
   * First wait before restarting a failed init container (restartPolicy Always/OnFailure) or an exited
   * sidecar, doubled on each restart up to maxRestartBackoffMs; default 10 s, as a kubelet.
   */
  restartBackoffMs?: number;
  /** Cap of that wait; default 5 min, or 30 × restartBackoffMs when only that is given (the kubelet's ratio). */
  maxRestartBackoffMs?: number;
}

interface PodRun {
  /** The pod's terminationGracePeriodSeconds, in ms. */
  graceMs: number;
  controller: AbortController;
  killer: AbortController;
  /** The container runs that have not exited yet. */
  active: Set<Promise<number>>;
  /** When the pod's grace period ends (ms since the epoch), once it is being deleted. */
  deadline?: number;
  ip?: string;
  /** Each init container's current restart back-off, by index. */
  backoffs: Map<number, RestartBackoffEntry>;
}

function containers(pod: KubeObject, list: 'containers' | 'initContainers'): Obj[] {
  const value = (pod['spec'] as Obj | undefined)?.[list];
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}

/** The status of init container `index`, as step 2 of runPod created it. */
function initStatus(status: Obj, index: number): Obj {
  return (status['initContainerStatuses'] as Obj[])[index] as Obj;
}

function containerId(): string {
  return `containerd://${randomBytes(32).toString('hex')}`;
}

export class Kubelet {
  private readonly runs = new Map<string, PodRun>();
  private readonly ips: PodIpAllocator;
  private unsubscribe?: () => void;

  constructor(
    private readonly registry: Registry,
    private readonly options: KubeletOptions,
  ) {
    this.ips = new PodIpAllocator(options.podCIDR);
  }

  start(): void {
    this.unsubscribe = this.registry.store.subscribe((event) => {
      if (event.gr !== groupResource(pods)) return;
      const pod = event.object;
      const uid = pod.metadata.uid ?? '';
      if (event.type === 'ADDED' && !this.runs.has(uid)) {
        const grace = (pod['spec'] as Obj | undefined)?.['terminationGracePeriodSeconds'];
        const run: PodRun = {
          graceMs: (typeof grace === 'number' && grace >= 0 ? grace : 30) * 1000,
          controller: new AbortController(),
          killer: new AbortController(),
          active: new Set(),
          backoffs: new Map(),
        };
        this.runs.set(uid, run);
        setImmediate(() => void this.runPod(pod, run).catch(() => undefined));
      } else if (event.type === 'MODIFIED' && pod.metadata.deletionTimestamp) {
        const run = this.runs.get(uid);
        if (!run) return;
        const first = run.deadline === undefined;
        // From when the kubelet hears of it, as a kubelet counts it (the timestamp has whole seconds only); a second
        // delete may shorten the grace period, never lengthen it.
        const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
        run.deadline = Math.min(run.deadline ?? Infinity, this.registry.now().getTime() + graceMs);
        if (first) void this.terminate(pod, run);
      } else if (event.type === 'DELETED') {
        const run = this.runs.get(uid);
        if (run) this.stopRun(run, MINIMUM_GRACE_MS);
        if (run?.ip) this.ips.release(run.ip);
        this.runs.delete(uid);
      }
    });
  }

  /** The node going away: every container gets SIGTERM, and its pod's grace period before SIGKILL. */
  stop(): void {
    this.unsubscribe?.();
    for (const run of this.runs.values()) this.stopRun(run, run.graceMs);
  }

  /** SIGTERM to every container of the run now, SIGKILL to those still running after `graceMs`. */
  private stopRun(run: PodRun, graceMs: number): void {
    run.controller.abort();
    if (run.active.size > 0) setTimeout(() => run.killer.abort(), graceMs).unref();
  }

  /**
   * A graceful delete, as the kubelet does it: the pod stays (Terminating) while its containers stop — SIGTERM at
   * once, SIGKILL to any still running when the grace period ends — and is removed once they all have.
   */
  private async terminate(pod: KubeObject, run: PodRun): Promise<void> {
    run.controller.abort();
    while (run.active.size > 0) {
      const left = (run.deadline ?? 0) - this.registry.now().getTime();
      if (left <= 0) {
        run.killer.abort();
        await Promise.race([Promise.allSettled([...run.active]), sleep(MINIMUM_GRACE_MS)]);
        break;
      }
      await Promise.race([Promise.allSettled([...run.active]), sleep(Math.min(left, 250))]);
    }
    this.finishDelete(pod);
  }

  private finishDelete(pod: KubeObject): void {
    const current = this.registry.find(pods, pod.metadata.namespace, pod.metadata.name ?? '');
    if (!current || current.metadata.uid !== pod.metadata.uid) return;
    this.registry.delete(pods, pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0 });
  }

  /** Re-reads the pod, lets `change` edit it, writes it; false when the pod is gone or going. */
  private step(pod: KubeObject, run: PodRun, change: (pod: KubeObject, status: Obj) => void): boolean {
    if (run.controller.signal.aborted) return false;
    const current = this.registry.find(pods, pod.metadata.namespace, pod.metadata.name ?? '');
    if (!current || current.metadata.uid !== pod.metadata.uid || current.metadata.deletionTimestamp) return false;
    const status = (current['status'] ?? {}) as Obj;
    current['status'] = status;
    change(current, status);
    this.registry.write(pods, current);
    return true;
  }

  /** Runs an init container through the runner with the pod as it is now; undefined when the runner leaves it to us. */
  private runInit(pod: KubeObject, run: PodRun, container: Obj): Promise<number> | undefined {
    const current = this.registry.find(pods, pod.metadata.namespace, pod.metadata.name ?? '') ?? pod;
    const exited = this.options.runInitContainer?.({
      pod: current,
      container,
      podIP: run.ip ?? '',
      signal: run.controller.signal,
      kill: run.killer.signal,
    });
    if (exited !== undefined) {
      run.active.add(exited);
      void exited.finally(() => run.active.delete(exited)).catch(() => undefined);
    }
    return exited;
  }

  /** The terminated state of a container run that exited. */
  private terminated(exitCode: number, startedAt: string, containerID: string): Obj {
    return {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: formatTime(this.registry.now()),
      containerID,
    };
  }

  /**
   * Writes the restart's back-off of init container `index` (CrashLoopBackOff, restartCount + 1, the exit
   * in lastState) and waits it out; false when the pod is gone or going.
   */
  private async backOff(pod: KubeObject, run: PodRun, index: number, terminated: Obj): Promise<boolean> {
    const initialMs = this.options.restartBackoffMs;
    const maxMs =
      this.options.maxRestartBackoffMs ?? (initialMs === undefined ? MAX_RESTART_BACKOFF_MS : initialMs * 30);
    const backoff = nextRestartBackoff(run.backoffs.get(index), Date.now(), initialMs, maxMs);
    run.backoffs.set(index, backoff);
    const wrote = this.step(pod, run, (_p, status) => {
      const s = initStatus(status, index);
      Object.assign(s, {
        started: false,
        ready: false,
        restartCount: (s['restartCount'] as number) + 1,
        lastState: { terminated },
        state: { waiting: { reason: 'CrashLoopBackOff' } },
      });
    });
    if (!wrote) return false;
    await sleep(backoff.delayMs, undefined, { signal: run.controller.signal }).catch(() => undefined);
    return !run.controller.signal.aborted;
  }

  /** Writes init container `index` as running (a sidecar is ready once it runs). */
  private running(
    pod: KubeObject,
    run: PodRun,
    index: number,
    ready: boolean,
  ): { startedAt: string; containerID: string } | null {
    const startedAt = formatTime(this.registry.now());
    const containerID = containerId();
    const wrote = this.step(pod, run, (_p, status) => {
      Object.assign(initStatus(status, index), {
        started: true,
        ready,
        containerID,
        state: { running: { startedAt } },
      });
    });
    return wrote ? { startedAt, containerID } : null;
  }

  /**
   * Runs the sidecar at init container `index` (already marked running) until the pod goes: each exit is
   * written as its terminated state, then the restart's back-off as CrashLoopBackOff (restartCount + 1,
   * the exit in lastState), then it runs again.
   */
  private async superviseSidecar(
    pod: KubeObject,
    run: PodRun,
    index: number,
    started: { startedAt: string; containerID: string },
  ): Promise<void> {
    const container = containers(pod, 'initContainers')[index] as Obj;
    for (let current: typeof started | null = started; current;) {
      const exited = this.runInit(pod, run, container);
      if (exited === undefined) return;
      const terminated = this.terminated(await exited, current.startedAt, current.containerID);
      const wrote =
        this.step(pod, run, (_p, status) => {
          Object.assign(initStatus(status, index), { started: false, ready: false, state: { terminated } });
        }) && (await this.backOff(pod, run, index, terminated));
      if (!wrote) return;
      current = this.running(pod, run, index, true);
    }
  }

  private async runPod(pod: KubeObject, run: PodRun): Promise<void> {
    const now = () => formatTime(this.registry.now());
    const inits = containers(pod, 'initContainers');
    const apps = containers(pod, 'containers');
    const setCondition = (status: Obj, type: string, value: boolean, reason?: string): void => {
      const list = (Array.isArray(status['conditions']) ? status['conditions'] : []) as Obj[];
      const existing = list.find((c) => c['type'] === type);
      const wanted = value ? 'True' : 'False';
      if (existing && existing['status'] === wanted) return;
      const next: Obj = {
        type,
        status: wanted,
        lastProbeTime: null,
        lastTransitionTime: now(),
        ...(reason ? { reason } : {}),
      };
      status['conditions'] = [...list.filter((c) => c['type'] !== type), next];
    };
    const waiting = (c: Obj, reason: string): Obj => ({
      name: c['name'],
      image: c['image'],
      imageID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason } },
      lastState: {},
    });

    // 1. Scheduled onto this node.
    if (
      !this.step(pod, run, (p, status) => {
        (p['spec'] as Obj)['nodeName'] ??= this.options.nodeName;
        setCondition(status, 'PodScheduled', true);
      })
    )
      return;

    // 2. Sandbox up: IPs, start time, everything waiting.
    run.ip = this.ips.allocate();
    const ip = run.ip;
    if (
      !this.step(pod, run, (_p, status) => {
        Object.assign(status, {
          phase: 'Pending',
          hostIP: '127.0.0.1',
          hostIPs: [{ ip: '127.0.0.1' }],
          podIP: ip,
          podIPs: [{ ip }],
          startTime: now(),
        });
        setCondition(status, 'PodReadyToStartContainers', true);
        setCondition(
          status,
          'Initialized',
          inits.length === 0,
          inits.length > 0 ? 'ContainersNotInitialized' : undefined,
        );
        setCondition(status, 'ContainersReady', false, 'ContainersNotReady');
        setCondition(status, 'Ready', false, 'ContainersNotReady');
        if (inits.length > 0) status['initContainerStatuses'] = inits.map((c) => waiting(c, 'PodInitializing'));
        status['containerStatuses'] = apps.map((c) =>
          waiting(c, inits.length > 0 ? 'PodInitializing' : 'ContainerCreating'),
        );
      })
    )
      return;

    // 3. Init containers, one at a time; sidecars (restartPolicy Always) keep running.
    const restartPolicy = (pod['spec'] as Obj)['restartPolicy'] ?? 'Always';
    for (let i = 0; i < inits.length; i++) {
      const container = inits[i] as Obj;
      const sidecar = container['restartPolicy'] === 'Always';
      for (;;) {
        const started = this.running(pod, run, i, sidecar);
        if (!started) return;
        if (sidecar) {
          void this.superviseSidecar(pod, run, i, started).catch(() => undefined);
          break;
        }
        const exitCode = await (this.runInit(pod, run, container) ?? Promise.resolve(0));
        if (run.controller.signal.aborted) return;
        const terminated = this.terminated(exitCode, started.startedAt, started.containerID);
        if (exitCode === 0) {
          if (
            !this.step(pod, run, (_p, status) => {
              Object.assign(initStatus(status, i), { started: false, ready: true, state: { terminated } });
            })
          )
            return;
          break;
        }
        if (restartPolicy === 'Never') {
          this.step(pod, run, (_p, status) => {
            Object.assign(initStatus(status, i), { started: false, ready: false, state: { terminated } });
            status['phase'] = 'Failed';
          });
          return;
        }
        if (!(await this.backOff(pod, run, i, terminated))) return;
      }
    }

    // 4. App containers run: the pod is Running and Ready.
    this.step(pod, run, (_p, status) => {
      const startedAt = now();
      status['phase'] = 'Running';
      setCondition(status, 'Initialized', true);
      status['containerStatuses'] = apps.map((c) => ({
        name: c['name'],
        image: c['image'],
        imageID: '',
        containerID: containerId(),
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt } },
        lastState: {},
      }));
      setCondition(status, 'ContainersReady', true);
      setCondition(status, 'Ready', true);
      for (const c of status['conditions'] as Obj[]) if (c['status'] === 'True') delete c['reason'];
    });
  }
}
