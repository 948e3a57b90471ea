/**
 * The config directory: every file is copied to the output directory, `*.tmpl` files rendered
 * (extension stripped). Kubernetes ConfigMap volumes hold their files as symlinks into a
 * `..data` directory; names starting with `..` are that machinery and are skipped, and symlinks
 * are followed.
 */
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { GoTemplateError, Template } from '@secret-api/go-template';
import { VAULT_TEMPLATE_FUNCTIONS } from '@secret-api/pod-env';
import { RenderError } from '../errors.js';

export const TEMPLATE_EXTENSION = '.tmpl';
/** A config file larger than this is refused: the volume is in memory. */
export const MAX_FILE_BYTES = 1024 * 1024;

export interface SourceFile {
  /** Path relative to the config dir, `/`-separated. */
  rel: string;
  /** Path relative to the output dir. */
  outRel: string;
  content: Buffer;
  mode: number;
}

export interface ParsedTemplate {
  source: SourceFile;
  template: Template;
}

export function scanConfigDir(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (abs: string, rel: string, depth: number) => {
    if (depth > 16) throw new RenderError(`${rel}: the config directory is nested more than 16 levels deep`);
    for (const name of readdirSync(abs).sort()) {
      if (name.startsWith('..')) continue;
      const childAbs = join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const st = statOf(childAbs, childRel);
      if (st.isDirectory()) walk(childAbs, childRel, depth + 1);
      else if (st.isFile()) {
        if (st.size > MAX_FILE_BYTES) throw new RenderError(`${childRel}: larger than ${MAX_FILE_BYTES} bytes`);
        const isTemplate = name.endsWith(TEMPLATE_EXTENSION) && name.length > TEMPLATE_EXTENSION.length;
        files.push({
          rel: childRel,
          outRel: isTemplate ? childRel.slice(0, -TEMPLATE_EXTENSION.length) : childRel,
          content: readFileSync(childAbs),
          mode: st.mode & 0o777,
        });
      }
    }
  };
  walk(dir, '', 0);
  const seen = new Map<string, string>();
  for (const f of files) {
    const other = seen.get(f.outRel);
    if (other) throw new RenderError(`${f.rel} and ${other} would both be written to ${f.outRel}`);
    seen.set(f.outRel, f.rel);
  }
  return files;
}

export const isTemplate = (f: SourceFile): boolean => f.outRel !== f.rel;

/** A config entry's status, following symlinks; a dangling or looping link is named, not an internal error. */
function statOf(abs: string, rel: string): Stats {
  try {
    return statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'a symbolic link to nothing'
        : code === 'ELOOP'
          ? 'a symbolic link that loops'
          : code === 'EACCES'
            ? 'not readable'
            : `unreadable (${code ?? 'error'})`;
    throw new RenderError(`config file ${rel} is ${why}`);
  }
}

/** Parses a template file; the template is named by its path, so every error names the file. */
export function parseTemplate(source: SourceFile): ParsedTemplate {
  const template = new Template(source.rel, { missingKey: 'error' }).dependencies(VAULT_TEMPLATE_FUNCTIONS);
  try {
    template.parse(source.content.toString('utf8'));
  } catch (err) {
    if (err instanceof GoTemplateError) throw new RenderError(err.message);
    throw err;
  }
  return { source, template };
}
