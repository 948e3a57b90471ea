/**
 * A real third-party client against the endpoints Vault's http package answers
 * with bare JSON (sys/init, sys/health, sys/seal-status, sys/leader): Python's
 * hvac from Debian (`apt-get install -y python3-hvac`), run with /usr/bin/python3.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useVaultDev } from './support/vault.js';

const ctx = useVaultDev();

const SCRIPT = `
import json, sys
try:
    import hvac
except ImportError:
    print("HVAC_MISSING")
    sys.exit(3)
client = hvac.Client(url=sys.argv[1], token=sys.argv[2])
health = client.sys.read_health_status(method="GET")
print(json.dumps({
    "is_initialized": client.sys.is_initialized(),
    "health": health if isinstance(health, dict) else health.json(),
    "health_head_status": client.sys.read_health_status(method="HEAD").status_code,
    "seal_status": client.sys.read_seal_status(),
    "is_sealed": client.sys.is_sealed(),
    "leader": client.sys.read_leader_status(),
}))
`;

function runHvac(address: string, token: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/python3', ['-c', SCRIPT, address, token], { timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('hvac (Python) reads the unauthenticated sys endpoints', () => {
  it('is_initialized, read_health_status, read_seal_status, is_sealed and read_leader_status work', async () => {
    const { code, stdout, stderr } = await runHvac(ctx.vault.address, ctx.vault.rootToken);
    if (stdout.includes('HVAC_MISSING')) {
      throw new Error(
        'Python hvac is not installed: run `apt-get install -y python3-hvac` (used with /usr/bin/python3)',
      );
    }
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const out = JSON.parse(stdout);
    expect(out.is_initialized).toBe(true);
    expect(out.is_sealed).toBe(false);
    expect(out.health).toMatchObject({ initialized: true, sealed: false, standby: false, performance_standby: false });
    expect(out.health_head_status).toBe(200);
    expect(out.seal_status).toMatchObject({ type: 'shamir', initialized: true, sealed: false, t: 1, n: 1 });
    expect(out.leader).toEqual({
      ha_enabled: false,
      is_self: false,
      active_time: '0001-01-01T00:00:00Z',
      leader_address: '',
      leader_cluster_address: '',
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
    });
  });
});

describe('bare sys answers over HTTP', () => {
  it('GET sys/init is {"initialized":true} without a token', async () => {
    const r = await ctx.client.get('sys/init', { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ initialized: true });
  });

  it('PUT sys/init on the initialised dev server is a 400', async () => {
    const r = await ctx.client.put('sys/init', { secret_shares: 1, secret_threshold: 1 }, { token: null });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: ['Vault is already initialized'] });
  });

  it('sys/leader and sys/init refuse other methods with 405', async () => {
    expect((await ctx.client.delete('sys/init', { token: null })).status).toBe(405);
    expect((await ctx.client.post('sys/leader', {}, { token: null })).status).toBe(405);
  });

  it('health codes follow Vault 1.18: a signed code parses, 1.19-only parameters are ignored', async () => {
    expect((await ctx.client.get('sys/health?activecode=%2B299', { token: null })).status).toBe(299);
    expect((await ctx.client.get('sys/health?removedcode=x', { token: null })).status).toBe(200);
  });
});
