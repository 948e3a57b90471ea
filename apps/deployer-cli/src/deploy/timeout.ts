/** `--timeout`: seconds (`90`), or a number with s, m or h (`90s`, `5m`, `1h`). */
import { UsageError } from '../errors.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

export function parseTimeout(value: string, flag = '--timeout'): number {
  const match = /^(\d{1,6})([smh]?)$/.exec(value.trim());
  if (match === null) throw new UsageError(`${flag} '${value}' is not a duration such as 90s, 5m or 1h`);
  const [, amount, unit] = match as unknown as [string, string, keyof typeof UNIT_MS | ''];
  return Number(amount) * UNIT_MS[unit === '' ? 's' : unit];
}
