/** The only I/O in this library: reading POLICY_TEMPLATE_FILE once at start-up. */
import { readFile } from 'node:fs/promises';
import { TemplateError } from './errors.js';
import { parseTemplate, type PolicyTemplate } from './template.js';

/** A template is a few kB; anything near this is a wrong file. */
const MAX_BYTES = 1024 * 1024;

/** Reads and validates a JSON template file. Every failure is a TemplateError naming the file. */
export async function loadTemplateFile(path: string): Promise<PolicyTemplate> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_BYTES) {
      throw new TemplateError([{ path: '', message: `file is ${bytes.length} bytes; at most ${MAX_BYTES}` }], path);
    }
    text = bytes.toString('utf8');
  } catch (err) {
    if (err instanceof TemplateError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new TemplateError([{ path: '', message: `cannot read the file (${code})` }], path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TemplateError([{ path: '', message: `not valid JSON: ${(err as Error).message}` }], path);
  }
  return parseTemplate(json, path);
}
