/**
 * A minimal Vault client over plain fetch, the way the Secret API will talk
 * to Vault, plus the read-plan-write loop an ensure runs.
 */
import {
  pendingWrites,
  planChanges,
  type ActualVaultObjects,
  type PendingWrite,
  type Plan,
  type VaultObjects,
} from '../../src/index.js';

export interface Reply {
  status: number;
  // Test code reads arbitrary Vault JSON.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class Vault {
  constructor(
    readonly address: string,
    readonly token: string,
  ) {}

  as(token: string): Vault {
    return new Vault(this.address, token);
  }

  async call(method: string, path: string, body?: unknown): Promise<Reply> {
    const res = await fetch(`${this.address}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': this.token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  get = (path: string) => this.call('GET', path);
  list = (path: string) => this.call('LIST', path);
  post = (path: string, body?: unknown) => this.call('POST', path, body ?? {});

  /** GET's `data`, or null on 404; anything else is a test failure. */
  async data(path: string): Promise<Record<string, unknown> | null> {
    const r = await this.get(path);
    if (r.status === 404) return null;
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.data as Record<string, unknown>;
  }

  async must(method: string, path: string, body?: unknown): Promise<Reply> {
    const r = await this.call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  }
}

export async function readActual(vault: Vault, desired: VaultObjects): Promise<ActualVaultObjects> {
  const [approle, readPolicy, getSecretIdPolicy, tokenRole] = await Promise.all([
    vault.data(desired.approle.path),
    vault.data(desired.readPolicy.path),
    vault.data(desired.getSecretIdPolicy.path),
    vault.data(desired.tokenRole.path),
  ]);
  return { approle, readPolicy, getSecretIdPolicy, tokenRole };
}

/** Plan against what Vault holds, write only what the plan says; returns the plan and the writes made. */
export async function ensure(vault: Vault, desired: VaultObjects): Promise<{ plan: Plan; writes: PendingWrite[] }> {
  const plan = planChanges(desired, await readActual(vault, desired));
  const writes = pendingWrites(desired, plan);
  for (const write of writes) await vault.must('POST', write.path, write.body);
  return { plan, writes };
}
