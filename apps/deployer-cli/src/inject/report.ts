/** The report of an injection as a person reads it (stderr): one line per object, never the RoleID. */
import type { InjectReport } from './inject.js';

export function reportLines(report: InjectReport): string[] {
  return [
    ...report.injected.map((i) => `injected ${i.object}: ${i.added.join(', ')}`),
    ...report.skipped.map((s) => `skipped ${s.object}: ${s.reason}`),
  ];
}
