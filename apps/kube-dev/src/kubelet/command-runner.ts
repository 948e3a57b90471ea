/**
 * An init-container runner that runs the container's `command` + `args` as a
 * real local process (no image, no isolation), with the env the pod spec gives
 * it: literal values and the downward-API fields a pod can ask for.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { InitContainerRun } from './kubelet.js';

type Obj = Record<string, unknown>;

const DOWNWARD_FIELDS: Record<string, (run: InitContainerRun) => string | undefined> = {
  'metadata.name': (r) => r.pod.metadata.name,
  'metadata.namespace': (r) => r.pod.metadata.namespace,
  'metadata.uid': (r) => r.pod.metadata.uid,
  'spec.serviceAccountName': (r) => (r.pod['spec'] as Obj)['serviceAccountName'] as string | undefined,
  'spec.nodeName': (r) => (r.pod['spec'] as Obj)['nodeName'] as string | undefined,
  'status.podIP': (r) => r.podIP,
  'status.hostIP': () => '127.0.0.1',
};

export function containerEnv(run: InitContainerRun): Record<string, string> {
  const env: Record<string, string> = {};
  const list = run.container['env'];
  if (!Array.isArray(list)) return env;
  for (const entry of list as Obj[]) {
    const name = entry['name'];
    if (typeof name !== 'string') continue;
    if (typeof entry['value'] === 'string') env[name] = entry['value'];
    const fieldPath = ((entry['valueFrom'] as Obj | undefined)?.['fieldRef'] as Obj | undefined)?.['fieldPath'];
    if (typeof fieldPath === 'string') {
      const value = DOWNWARD_FIELDS[fieldPath]?.(run);
      if (value !== undefined) env[name] = value;
    }
  }
  return env;
}

export interface CommandRunnerOptions {
  /** Extra environment for every process (PATH is inherited). */
  env?: Record<string, string>;
  /** Receives the process output; discarded when unset. */
  onOutput?: (container: string, chunk: string) => void;
}

/**
 * Runs `command` + `args`; resolves with the exit code (143 or 137 when the pod is deleted: SIGTERM, then SIGKILL
 * once the grace period is over). A container with no command
 * is left to the kubelet (undefined): an init container succeeds at once, a sidecar runs for the pod's life.
 */
export function commandRunner(options: CommandRunnerOptions = {}) {
  return (run: InitContainerRun): Promise<number> | undefined => {
    const command = [
      ...((run.container['command'] as string[] | undefined) ?? []),
      ...((run.container['args'] as string[] | undefined) ?? []),
    ];
    if (command.length === 0) return undefined;
    return new Promise((resolve) => {
      const child = spawn(command[0] as string, command.slice(1), {
        env: { PATH: process.env['PATH'] ?? '', ...options.env, ...containerEnv(run) },
        stdio: ['ignore', 'pipe', 'pipe'],
        signal: run.signal,
      });
      run.kill.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
      const forward = (chunk: Buffer) => options.onOutput?.(String(run.container['name']), chunk.toString('utf8'));
      child.stdout.on('data', forward);
      child.stderr.on('data', forward);
      // The abort's error comes at once; a container that started is done only when it exits.
      child.on('error', () => {
        if (child.pid === undefined) resolve(run.signal.aborted ? 137 : 128);
      });
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 9)));
    });
  };
}
