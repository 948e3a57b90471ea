/**
 * Go's own text/template, compiled to WASM by @evertdespiegeleer/go-template, as a test oracle.
 * The package's `parse` keeps only the tail of execution errors, so after it has loaded the
 * module we call the exported Go function directly to get Go's full message. Go side: the
 * template is named "tpl", runs with missingkey=error, and data crosses as JSON (numbers are
 * float64; the top-level value is decoded into a map).
 */
import { parse } from '@evertdespiegeleer/go-template';

export type OracleResult = { ok: true; output: string } | { ok: false; kind: 'parse' | 'exec'; message: string };

type Render = (template: string, json: string) => string;

let render: Render | null = null;

export async function loadOracle(): Promise<void> {
  if (render) return;
  await parse('', {});
  render = (globalThis as unknown as { Render: Render }).Render;
}

export function renderWithGo(template: string, data: unknown): OracleResult {
  if (!render) throw new Error('call loadOracle() first');
  const result = render(template, JSON.stringify(data));
  for (const [prefix, kind] of [
    ['Template parse error: ', 'parse'],
    ['Template exec error: ', 'exec'],
  ] as const) {
    if (result.startsWith(prefix)) return { ok: false, kind, message: result.slice(prefix.length) };
  }
  if (result.startsWith('JSON parse error:')) throw new Error(result);
  return { ok: true, output: result };
}
