/**
 * The shell-sourceable variables file (`/env/variables`) that kube-vault-auth-renewer sources
 * before it starts: `[export] NAME=value` lines, the value single-quoted, double-quoted or bare.
 * We read it without a shell. A line we cannot read exactly (an expansion such as `$X` or a
 * command substitution) is an error only when it assigns a variable we use — and the message
 * names the file, line and variable, never the value.
 */
import { ConfigError } from './errors.js';

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** The values of `wanted` assigned in `text` (the last assignment wins, as in a shell). */
export function parseEnvFile(text: string, file: string, wanted: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { line, lineNo } of logicalLines(text)) {
    const m = ASSIGNMENT.exec(line);
    if (!m || !wanted.includes(m[1]!)) continue;
    const value = shellWord(m[2]!);
    if (value === undefined) {
      throw new ConfigError(
        `${file}:${lineNo}: the value of ${m[1]} is not a plain shell word (quotes only, no $ expansion or command substitution)`,
      );
    }
    out.set(m[1]!, value);
  }
  return out;
}

/** Splits into lines, joining those whose newline sits inside quotes (a quoted value may span lines). */
function* logicalLines(text: string): Generator<{ line: string; lineNo: number }> {
  let start = 0;
  let lineNo = 1;
  let startLine = 1;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === undefined || (c === '\n' && quote === undefined)) {
      const line = text.slice(start, i);
      if (line.trim() !== '' && !line.trimStart().startsWith('#')) yield { line, lineNo: startLine };
      start = i + 1;
      if (c === '\n') lineNo++;
      startLine = lineNo;
      continue;
    }
    if (c === '\n') lineNo++;
    else if (c === '\\' && quote !== "'") i++;
    else if ((c === "'" || c === '"') && (quote === undefined || quote === c)) quote = quote ? undefined : c;
  }
}

/**
 * One shell word (plus optional trailing blanks or a `# comment`) to its value, or undefined
 * when the shell would expand something in it.
 */
export function shellWord(raw: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === "'") {
      const end = raw.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out += raw.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        const d = raw[i];
        if (d === undefined) return undefined;
        if (d === '"') break;
        if (d === '$' || d === '`') return undefined;
        if (d === '\\' && raw[i + 1] !== undefined && '$`"\\\n'.includes(raw[i + 1]!)) {
          if (raw[i + 1] !== '\n') out += raw[i + 1];
          i += 2;
          continue;
        }
        out += d;
        i++;
      }
      i++;
    } else if (c === '\\') {
      if (raw[i + 1] === undefined) return undefined;
      out += raw[i + 1];
      i += 2;
    } else if (c === ' ' || c === '\t' || c === ';') {
      const rest = raw.slice(i).trim().replace(/^;/, '').trim();
      return rest === '' || rest.startsWith('#') ? out : undefined;
    } else if ('$`|&<>()'.includes(c)) {
      return undefined;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
