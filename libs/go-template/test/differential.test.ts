/**
 * Differential test: generated templates × data through Go's own text/template (WASM) and
 * through ours; outputs must be identical, or both must fail with the same message.
 * GO_TEMPLATE_SEED and GO_TEMPLATE_CASES run other/longer sequences locally.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Template } from '../src/index.js';
import { generateCase, rngFromSeed } from './generate.js';
import { loadOracle, renderWithGo, type OracleResult } from './oracle.js';

const FIXED_SEED = 20261203;
const CASES = Number(process.env.GO_TEMPLATE_CASES ?? 2500);

/** Ours, configured as the oracle is: missingkey=error, JSON numbers as float64, no sprig. */
function renderWithUs(template: string, data: unknown): OracleResult {
  try {
    const t = new Template('tpl', { missingKey: 'error', numbers: 'float64', sprig: false }).parse(template);
    return { ok: true, output: t.execute(data) };
  } catch (err) {
    if (err instanceof Error && err.name === 'TemplateParseError')
      return { ok: false, kind: 'parse', message: err.message };
    if (err instanceof Error && err.name === 'TemplateExecError')
      return { ok: false, kind: 'exec', message: err.message };
    throw err;
  }
}

function disagreements(seed: number, count: number): string[] {
  const rng = rngFromSeed(seed);
  const found: string[] = [];
  for (let i = 0; i < count; i++) {
    const { template, data } = generateCase(rng);
    const go = renderWithGo(template, data);
    let ours: OracleResult;
    try {
      ours = renderWithUs(template, data);
    } catch (err) {
      found.push(`#${i} crashed: ${String(err)}\n  template: ${JSON.stringify(template)}`);
      continue;
    }
    if (JSON.stringify(go) !== JSON.stringify(ours)) {
      found.push(
        `#${i}\n  template: ${JSON.stringify(template)}\n  data: ${JSON.stringify(data)}\n  go:   ${JSON.stringify(go)}\n  ours: ${JSON.stringify(ours)}`,
      );
    }
  }
  return found;
}

describe('agreement with Go text/template', () => {
  beforeAll(loadOracle);

  // The fixed seed always runs; GO_TEMPLATE_SEED adds another sequence for longer local runs.
  const seeds = [FIXED_SEED, ...(process.env.GO_TEMPLATE_SEED ? [Number(process.env.GO_TEMPLATE_SEED)] : [])];

  it(`renders ${CASES} generated templates per seed exactly as Go does (seeds ${seeds.join(', ')})`, () => {
    const found = seeds.flatMap((seed) => disagreements(seed, CASES).map((d) => `seed ${seed} ${d}`));
    expect(
      found.slice(0, Number(process.env.GO_TEMPLATE_SHOW ?? 5)).join('\n\n'),
      `${found.length} disagreements`,
    ).toBe('');
  }, 600_000);
});
