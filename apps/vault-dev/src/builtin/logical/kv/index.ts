export { kvBackendFactory, createKvV2Backend, type KvV2Options } from './backend.js';
export { createKvV1Backend } from './kv-v1.js';
export type { Clock } from './store.js';
