/** A secret is stored in KV v2 as `{ "value": "<string>" }`: what the pod-side templates read. */
import type { KvSecret } from '@secret-api/vault-client';

export const valueData = (value: string): Record<string, string> => ({ value });

/** The value of a version as written by us, or the whole data as JSON when written otherwise. */
export function valueOf(secret: KvSecret): string | null {
  if (!secret.data) return null;
  const v = (secret.data as { value?: unknown }).value;
  return typeof v === 'string' && Object.keys(secret.data).length === 1 ? v : JSON.stringify(secret.data);
}
