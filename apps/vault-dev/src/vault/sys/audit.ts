/**
 * `sys/audit`, `sys/audit/:path` and `sys/audit-hash/:path`, after Vault's
 * `auditPaths` (logical_system_paths.go) and `handleAuditTable`,
 * `handleEnableAudit`, `handleDisableAudit`, `handleAuditHash`
 * (logical_system.go). Enable errors are Vault's `handleError`: the message
 * verbatim with 400.
 */
import { errorResponse } from '../../sdk/errors.js';
import type { PathSpec } from '../../sdk/framework.js';
import { AuditConfigError, type AuditBroker } from '../../audit/broker.js';

/** Root-protected (sudo) audit paths, as in Vault's sys backend. `audit-hash/*` is not among them. */
export const AUDIT_ROOT_PATHS = ['audit', 'audit/*'];

export function auditPaths(broker: AuditBroker): PathSpec[] {
  return [
    {
      pattern: 'audit-hash/(?<path>.+)$',
      fields: {
        path: { type: 'string' },
        input: { type: 'string' },
      },
      operations: {
        update: (_req, d) => {
          const input = d.get<string>('input');
          if (input === '') return errorResponse('the "input" parameter is empty');
          try {
            return { data: { hash: broker.hash(d.get<string>('path'), input) } };
          } catch (err) {
            if (err instanceof AuditConfigError) return errorResponse(err.message);
            throw err;
          }
        },
      },
    },
    {
      pattern: 'audit$',
      operations: {
        read: () => ({ data: { ...broker.list() } }),
      },
    },
    {
      pattern: 'audit/(?<path>.+)$',
      fields: {
        path: { type: 'string' },
        type: { type: 'string' },
        description: { type: 'string' },
        options: { type: 'kvPairs' },
        local: { type: 'bool', default: false },
      },
      operations: {
        update: (_req, d) => {
          try {
            broker.enable(d.get<string>('path'), {
              type: d.get<string>('type'),
              description: d.get<string>('description'),
              options: d.get<Record<string, string>>('options'),
              local: d.get<boolean>('local'),
            });
          } catch (err) {
            if (err instanceof AuditConfigError) return errorResponse(err.message);
            throw err;
          }
          return null;
        },
        delete: (_req, d) => {
          const path = d.get<string>('path');
          if (path.replace(/\/+$/, '') === '') return errorResponse('audit device path must be specified');
          broker.disable(path);
          return null;
        },
      },
    },
  ];
}
