/** Test support: a real vault-dev per test file, a root client, and a log recorder. */
import { startVaultDev, type VaultDev } from 'vault-dev';
import { afterAll, beforeAll } from 'vitest';
import { VaultClient, type VaultClientOptions, type VaultLogger } from '../src/index.js';

export interface VaultCtx {
  vault: VaultDev;
  root: VaultClient;
}

export function useVaultDev(): VaultCtx {
  const ctx = {} as VaultCtx;
  beforeAll(async () => {
    ctx.vault = await startVaultDev({ port: 0, rootToken: 'root' });
    ctx.root = new VaultClient({ address: ctx.vault.address, auth: { token: 'root' }, timeoutMs: 2000 });
  });
  afterAll(async () => {
    ctx.root?.close();
    await ctx.vault?.close();
  });
  return ctx;
}

export function client(address: string, overrides: Partial<VaultClientOptions> = {}): VaultClient {
  return new VaultClient({
    address,
    auth: { token: 'root' },
    timeoutMs: 1000,
    retries: { attempts: 3, baseDelayMs: 10 },
    ...overrides,
  });
}

export interface RecordedLog {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

export function recordingLogger(): { logger: VaultLogger; lines: RecordedLog[]; text(): string } {
  const lines: RecordedLog[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    text: () => JSON.stringify(lines),
  };
}

/** Awaits a promise that must reject and returns the rejection. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  const outcome = await p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as Error;
}

export async function ensureApprole(root: VaultClient): Promise<void> {
  const auths = await root.read<Record<string, unknown>>('sys/auth');
  if (!auths?.['approle/']) await root.write('sys/auth/approle', { type: 'approle' });
}
