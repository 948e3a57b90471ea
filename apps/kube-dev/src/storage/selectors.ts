/**
 * Label selectors (apimachinery/pkg/labels) and field selectors (pkg/fields):
 * parsed once per request, then matched against each object.
 */
import { errors } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';

type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type Matcher = (obj: KubeObject) => boolean;

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

/** Splits on commas that are not inside `( )`. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key))
    throw errors.badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
  return key;
}

function parseLabelTerm(term: string, selector: string): LabelRequirement {
  let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
  if (m) {
    const values = (m[3] as string).split(',').map((v) => v.trim());
    return { key: checkKey(m[1] as string, selector), op: m[2] as 'in' | 'notin', values };
  }
  m = /^([^=!<>\s]+)\s*(==|=|!=)\s*([^=!<>\s]*)$/.exec(term);
  if (m) {
    const key = checkKey(m[1] as string, selector);
    return { key, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3] as string] };
  }
  m = /^([^=!<>\s]+)\s*([<>])\s*(-?\d+)$/.exec(term);
  if (m) return { key: checkKey(m[1] as string, selector), op: m[2] === '>' ? 'gt' : 'lt', value: Number(m[3]) };
  m = /^!\s*([^=!<>\s]+)$/.exec(term);
  if (m) return { key: checkKey(m[1] as string, selector), op: '!' };
  if (/^[^=!<>\s(),]+$/.test(term)) return { key: checkKey(term, selector), op: 'exists' };
  throw errors.badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
}

function matchesRequirement(labels: Record<string, string>, req: LabelRequirement): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case 'in':
      return has && req.values.includes(value as string);
    // `!=` and `notin` also match objects without the key.
    case 'notin':
      return !has || !req.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value as string)) return false;
      return req.op === 'gt' ? Number(value) > req.value : Number(value) < req.value;
    }
  }
}

export function parseLabelSelector(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = splitTerms(selector).map((t) => parseLabelTerm(t, selector));
  return (obj) => reqs.every((r) => matchesRequirement(obj.metadata.labels ?? {}, r));
}

export type FieldGetter = (obj: KubeObject) => string | undefined;

/** Field selectors: only `=`, `==` and `!=`, joined by commas; unknown fields are a 400. */
export function parseFieldSelector(selector: string | undefined, fields: Record<string, FieldGetter>): Matcher {
  if (!selector) return () => true;
  const reqs = splitTerms(selector).map((term) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = m[1] as string;
    const getter = fields[field];
    if (!getter) throw errors.badRequest(`field label not supported: ${field}`);
    return { getter, negate: m[2] === '!=', value: m[3] as string };
  });
  return (obj) => reqs.every((r) => ((r.getter(obj) ?? '') === r.value) !== r.negate);
}
