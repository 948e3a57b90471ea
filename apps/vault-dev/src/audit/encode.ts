/**
 * Serialising audit entries the way Vault's Go code does:
 *  - structs keep their declared field order (`GoStruct`), and `omitempty`
 *    fields are left out when empty;
 *  - maps (request/response data, metadata, headers) have their keys sorted
 *    bytewise, as `encoding/json` sorts map keys;
 *  - `<`, `>`, `&`, U+2028 and U+2029 are escaped (`json.Encoder` with HTML
 *    escaping, which `jsonutil.EncodeJSON` uses), and a newline ends the entry;
 *  - JSONx (`format=jsonx`) follows `github.com/jefferai/jsonx`.
 */
import { compareGoStrings } from '../sdk/strutil.js';
import { formatRFC3339Nano, millisToNanos } from '../sdk/time.js';

/** An ordered set of fields: encoded in this order, `undefined` values skipped. */
export class GoStruct {
  readonly fields: ReadonlyArray<readonly [string, unknown]>;

  constructor(fields: ReadonlyArray<readonly [string, unknown]>) {
    this.fields = fields.filter(([, v]) => v !== undefined);
  }

  get(name: string): unknown {
    return this.fields.find(([k]) => k === name)?.[1];
  }
}

/** Go's `omitempty`: undefined for "", 0, false, null, empty slices and maps. */
export function omitEmpty<T>(v: T): T | undefined {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return undefined;
  if (Array.isArray(v) && v.length === 0) return undefined;
  if (isPlainObject(v) && Object.keys(v).filter((k) => v[k] !== undefined).length === 0) return undefined;
  return v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof GoStruct) &&
    !(v instanceof Date) &&
    !(v instanceof Uint8Array)
  );
}

function sortedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort(compareGoStrings);
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/;

/** A JSON string literal with Go's HTML-safe escapes. */
export function quote(s: string): string {
  const json = JSON.stringify(s);
  // Most strings have nothing to escape: skip the replace and its callback (every audit entry quotes hundreds).
  if (!HTML_UNSAFE.test(json)) return json;
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go-style JSON text of a value (no trailing newline). */
export function encodeJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof GoStruct) {
    return `{${v.fields.map(([k, x]) => `${quote(k)}:${encodeJSON(x)}`).join(',')}}`;
  }
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return quote(formatRFC3339Nano(millisToNanos(v.getTime())));
  if (v instanceof Uint8Array) return quote(Buffer.from(v).toString('base64'));
  if (Array.isArray(v)) return `[${v.map((x) => encodeJSON(x)).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${sortedKeys(o)
      .map((k) => `${quote(k)}:${encodeJSON(o[k])}`)
      .join(',')}}`;
  }
  return 'null';
}

/**
 * JSONx, as `jsonx.EncodeJSONBytes` (which Vault applies to the JSON entry):
 * the children of the top-level object, keys sorted at every level, no XML
 * header and no trailing newline. Names are XML-escaped; values are written
 * verbatim (the library does not escape them).
 */
export function encodeJSONx(entry: unknown): string {
  const plain = toPlain(entry);
  if (!isPlainObject(plain)) return '';
  return sortedKeys(plain)
    .map((k) => jsonxNode(k, plain[k]))
    .join('');
}

function jsonxNode(name: string | undefined, v: unknown): string {
  const attr = name === undefined ? '' : ` name="${xmlEscape(name)}"`;
  if (v === null || v === undefined) return `<json:null${attr} />`;
  if (typeof v === 'boolean') return `<json:boolean${attr}>${v ? 'true' : 'false'}</json:boolean>`;
  if (typeof v === 'number' || typeof v === 'bigint') return `<json:number${attr}>${encodeJSON(v)}</json:number>`;
  if (typeof v === 'string') return `<json:string${attr}>${v}</json:string>`;
  if (Array.isArray(v)) return `<json:array${attr}>${v.map((x) => jsonxNode(undefined, x)).join('')}</json:array>`;
  const o = v as Record<string, unknown>;
  return `<json:object${attr}>${sortedKeys(o)
    .map((k) => jsonxNode(k, o[k]))
    .join('')}</json:object>`;
}

/** Go's xml.EscapeText. */
function xmlEscape(s: string): string {
  return s.replace(/["'&<>\t\n\r]/g, (c) => {
    switch (c) {
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '\t':
        return '&#x9;';
      case '\n':
        return '&#xA;';
      default:
        return '&#xD;';
    }
  });
}

/** The value as plain JSON data (what re-decoding the JSON text would give). */
export function toPlain(v: unknown): unknown {
  return JSON.parse(encodeJSON(v)) as unknown;
}
