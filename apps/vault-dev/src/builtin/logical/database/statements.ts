/**
 * How the PostgreSQL plugin turns a role's statements into queries: each
 * element split on `;` (unless it is a block with `END` outside quotes), blank
 * parts dropped, `{{placeholders}}` replaced as plain text, unescaped, and
 * unknown placeholders left as written (sdk/database/dbplugin dbutil.QueryHelper).
 */

const END_WORD = /\bEND\b/;
const QUOTED = /("[^"]*"|'[^']*')/g;

/** Whether a statement is a multi-line block (`DO $$ ... END $$`) that must run whole. */
export function isMultilineStatement(stmt: string): boolean {
  return END_WORD.test(stmt.replace(QUOTED, ''));
}

/** The queries one statement list runs, in order, with placeholders filled in. */
export function renderQueries(statements: readonly string[], values: Record<string, string>): string[] {
  const out: string[] = [];
  for (const stmt of statements) {
    const parts = isMultilineStatement(stmt) ? [stmt] : stmt.split(';');
    for (const part of parts) {
      const query = part.trim();
      if (query !== '') out.push(fillPlaceholders(query, values));
    }
  }
  return out;
}

export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? values[key]! : whole));
}

/** Go's `2006-01-02 15:04:05-0700`, in UTC (vault-dev's server time zone). */
export function formatExpiration(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+0000`;
}

/** pq.QuoteIdentifier. */
export function quoteIdentifier(name: string): string {
  const end = name.indexOf('\u0000');
  const clean = end === -1 ? name : name.slice(0, end);
  return `"${clean.replace(/"/g, '""')}"`;
}
