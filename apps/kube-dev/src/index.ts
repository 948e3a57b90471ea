/** kube-dev as a library: start an in-memory, Kubernetes-API-compatible server for tests and local use. */
export { startKubeDev, type KubeDev, type KubeDevOptions } from './server.js';
export { commandRunner, containerEnv, type CommandRunnerOptions } from './kubelet/command-runner.js';
export type { InitContainerRun, InitContainerRunner } from './kubelet/kubelet.js';
export { renderKubeconfig, writeKubeconfig, type KubeconfigInput } from './kubeconfig.js';
export type { KubeObject } from './api/object.js';
