/**
 * The `sys/` mount: every system endpoint the dev server serves, assembled
 * from one module per area (as Vault's logical_system_paths.go groups them).
 * `sys/health`, `sys/seal-status`, `sys/init` and `sys/leader` are answered
 * by the HTTP layer, like Vault's http package, so they are neither here nor
 * audited.
 */
import { FrameworkBackend, type BackendFactory } from '../../sdk/framework.js';
import type { AuditBroker } from '../../audit/broker.js';
import type { Core } from '../core.js';
import { AUDIT_ROOT_PATHS, auditPaths } from './audit.js';
import { LEASE_ROOT_PATHS, leasePaths } from './leases.js';
import { miscPaths } from './misc.js';
import { MOUNT_ROOT_PATHS, MOUNT_UNAUTHENTICATED_PATHS, mountPaths } from './mounts.js';
import { policyPaths } from './policies.js';
import { WRAPPING_UNAUTHENTICATED_PATHS, wrappingPaths } from './wrapping.js';

/** Paths needing sudo that no area module owns (Vault's root-protected list). */
const OTHER_ROOT_PATHS = ['raw', 'raw/*', 'remount', 'rotate', 'seal', 'step-down', 'rekey/*', 'config/*'];

export function systemBackendFactory(core: Core, broker: AuditBroker): BackendFactory {
  return () =>
    new FrameworkBackend(
      'system',
      [
        ...mountPaths(core),
        ...policyPaths(core),
        ...wrappingPaths(core),
        ...leasePaths(core),
        ...auditPaths(broker),
        ...miscPaths(),
      ],
      {
        root: [...MOUNT_ROOT_PATHS, ...LEASE_ROOT_PATHS, ...AUDIT_ROOT_PATHS, ...OTHER_ROOT_PATHS],
        unauthenticated: [...MOUNT_UNAUTHENTICATED_PATHS, ...WRAPPING_UNAUTHENTICATED_PATHS],
      },
    );
}
