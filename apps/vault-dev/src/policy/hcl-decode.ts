/**
 * A schema-driven replica of hcl v1's `DecodeObject` (decoder.go), which Vault
 * uses to turn a policy's AST into its Go structs. Reproducing it (rather than
 * reading the AST ad hoc) keeps Vault's type coercions and error texts:
 * numbers and booleans become strings where a string is expected, a bare
 * string where a list is expected fails with `unknown slice type`, repeated
 * list attributes append, JSON-flattened objects are found by key prefix, and
 * errors name the field as hcl does (`root.Capabilities[0]: ...`).
 */
import { goQuote } from '../sdk/go-text.js';
import { goParseInt } from '../sdk/strconv.js';
import { elemOf, childrenOf, filterList, goTypeName, nodePos, posString, type Node, type Pos } from './hcl-ast.js';

/** A decoding failure, with hcl's message text. */
export class HclDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HclDecodeError';
  }
}

function posError(pos: Pos, msg: string): HclDecodeError {
  return new HclDecodeError(`At ${posString(pos)}: ${msg}`);
}

export interface Field {
  /** The struct tag name, or the Go field name when untagged. */
  readonly key: string;
  /** Property of the decoded record. */
  readonly prop: string;
  readonly schema: Schema;
}

export type Schema =
  | { readonly kind: 'string' }
  | { readonly kind: 'int' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'interface' }
  | { readonly kind: 'slice'; readonly elem: Schema }
  | { readonly kind: 'map'; readonly elem: Schema }
  | { readonly kind: 'struct'; readonly fields: readonly Field[] }
  | { readonly kind: 'ptr'; readonly elem: Schema };

/**
 * What `interface{}` decodes to. Objects become `Record`s (Go maps), except
 * where hcl produces `[]map[string]interface{}`, represented by HclMapList so
 * that, as in Go, it never compares equal to a plain request list.
 */
export type HclValue = string | number | boolean | HclValue[] | HclObject | HclMapList;
export interface HclObject {
  [key: string]: HclValue;
}
export class HclMapList {
  constructor(readonly items: HclObject[]) {}
}

type Kind = Schema['kind'];

function newObject(): HclObject {
  return Object.create(null) as HclObject;
}

export class HclDecoder {
  private readonly stack: Kind[] = [];

  decode(name: string, node: Node, schema: Schema, current: unknown): unknown {
    if (schema.kind === 'interface') {
      return current === undefined
        ? this.decodeInterface(name, node)
        : this.decodeInto(name, node, current as HclValue);
    }
    this.stack.push(schema.kind);
    try {
      switch (schema.kind) {
        case 'string':
          return this.decodeString(name, node);
        case 'int':
          return this.decodeInt(name, node);
        case 'bool':
          return this.decodeBool(name, node);
        case 'slice':
          return this.decodeSlice(name, node, schema.elem, current as unknown[] | undefined);
        case 'map':
          return this.decodeMap(name, node, schema.elem, current as Map<string, unknown> | undefined);
        case 'ptr':
          return this.decode(name, node, schema.elem, current);
        case 'struct':
          return this.decodeStruct(name, node, schema.fields, current as Record<string, unknown> | undefined);
      }
    } finally {
      this.stack.pop();
    }
  }

  private decodeString(name: string, node: Node): string {
    if (node.kind === 'literal') {
      const t = node.token;
      if (t.type === 'NUMBER' || t.type === 'FLOAT' || t.type === 'BOOL') return t.text;
      return t.value;
    }
    throw posError(nodePos(node), `${name}: unknown type for string ${goTypeName(node)}`);
  }

  private decodeInt(name: string, node: Node): number {
    if (node.kind === 'literal') {
      const t = node.token;
      if (t.type === 'NUMBER' || t.type === 'STRING') {
        try {
          return Number(goParseInt(t.type === 'NUMBER' ? t.text : t.value, 0));
        } catch (e) {
          throw new HclDecodeError((e as Error).message);
        }
      }
    }
    throw posError(nodePos(node), `${name}: unknown type ${goTypeName(node)}`);
  }

  private decodeBool(name: string, node: Node): boolean {
    if (node.kind === 'literal') {
      const t = node.token;
      if (t.type === 'BOOL' || t.type === 'STRING' || t.type === 'NUMBER') {
        const s = t.text.replace(/"/g, '').toLowerCase();
        if (s === '1' || s === 'true') return true;
        if (s === '0' || s === 'false') return false;
        throw new HclDecodeError(`decodeBool: Unknown value for boolean: ${t.text}`);
      }
    }
    throw posError(nodePos(node), `${name}: unknown type ${goTypeName(node)}`);
  }

  private decodeFloat(name: string, node: Node): number {
    if (node.kind === 'literal' && (node.token.type === 'FLOAT' || node.token.type === 'NUMBER')) {
      const text = node.token.text;
      const v = Number(text);
      if (text.trim() === '' || Number.isNaN(v)) {
        throw new HclDecodeError(`strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax`);
      }
      return v;
    }
    throw posError(nodePos(node), `${name}: unknown type ${goTypeName(node)}`);
  }

  /**
   * Decoding into an `interface{}` that already holds a value (a repeated
   * key): hcl decodes into the held value's concrete type, so lists append,
   * maps merge and scalars are replaced (or fail on a type mismatch).
   */
  private decodeInto(name: string, node: Node, current: HclValue): HclValue {
    const iface: Schema = { kind: 'interface' };
    if (typeof current === 'string') return this.decode(name, node, { kind: 'string' }, undefined) as string;
    if (typeof current === 'boolean') return this.decode(name, node, { kind: 'bool' }, undefined) as boolean;
    if (typeof current === 'number') {
      return Number.isInteger(current)
        ? (this.decode(name, node, { kind: 'int' }, undefined) as number)
        : this.decodeFloat(name, node);
    }
    if (current instanceof HclMapList) {
      const maps = current.items.map((o) => new Map(Object.entries(o)));
      const out = this.decode(name, node, { kind: 'slice', elem: { kind: 'map', elem: iface } }, maps);
      return new HclMapList((out as Map<string, HclValue>[]).map(toObject));
    }
    if (Array.isArray(current)) return this.decode(name, node, { kind: 'slice', elem: iface }, current) as HclValue[];
    const merged = this.decode(name, node, { kind: 'map', elem: iface }, new Map(Object.entries(current)));
    return toObject(merged as Map<string, HclValue>);
  }

  private decodeInterface(name: string, node: Node): HclValue {
    const test = node.kind === 'object' ? node.list : node;
    switch (test.kind) {
      case 'list': {
        const top = this.stack[this.stack.length - 1];
        const mapElem: Schema = { kind: 'interface' };
        if (top === undefined || top === 'slice') {
          const m = this.decode(name, node, { kind: 'map', elem: mapElem }, undefined) as Map<string, HclValue>;
          return toObject(m);
        }
        const list = this.decode(name, node, { kind: 'slice', elem: { kind: 'map', elem: mapElem } }, undefined) as Map<
          string,
          HclValue
        >[];
        return new HclMapList(list.map(toObject));
      }
      case 'listType':
        return this.decode(name, node, { kind: 'slice', elem: { kind: 'interface' } }, undefined) as HclValue[];
      case 'literal':
        switch (test.token.type) {
          case 'BOOL':
            return this.decode(name, node, { kind: 'bool' }, undefined) as boolean;
          case 'FLOAT':
            return this.decodeFloat(name, node);
          case 'NUMBER':
            return this.decode(name, node, { kind: 'int' }, undefined) as number;
          default:
            return this.decode(name, node, { kind: 'string' }, undefined) as string;
        }
      default:
        throw new HclDecodeError(`${name}: cannot decode into interface: ${goTypeName(node)}`);
    }
  }

  private decodeSlice(name: string, node: Node, elem: Schema, current: unknown[] | undefined): unknown[] {
    let items: Node[];
    switch (node.kind) {
      case 'list':
        items = node.items;
        break;
      case 'object':
        items = [node];
        break;
      case 'listType':
        items = node.list;
        break;
      default:
        throw posError(nodePos(node), `unknown slice type: ${goTypeName(node)}`);
    }
    const out = current ? [...current] : [];
    items.forEach((item, i) => {
      out.push(this.decode(`${name}[${i}]`, item, elem, undefined));
    });
    return out;
  }

  private decodeMap(
    name: string,
    node: Node,
    elem: Schema,
    current: Map<string, unknown> | undefined,
  ): Map<string, unknown> {
    let n: Node = node;
    if (n.kind === 'item') n = { kind: 'list', items: [n] };
    if (n.kind === 'object') n = n.list;
    if (n.kind !== 'list') throw posError(nodePos(n), `${name}: not an object type for map (${goTypeName(n)})`);
    const list = n;
    const out = current ?? new Map<string, unknown>();
    const done = new Set<string>();
    for (const item of list.items) {
      const first = item.keys[0];
      if (!first) throw posError(nodePos(list), `${name}: map must have string keys`);
      const key = first.value;
      if (done.has(key)) continue;
      let val: Node = item.val;
      if (item.keys.length > 1) {
        val = filterList(list, key);
        done.add(key);
      }
      out.set(key, this.decode(`${name}.${key}`, val, elem, out.get(key)));
    }
    return out;
  }

  private decodeStruct(
    name: string,
    node: Node,
    fields: readonly Field[],
    current: Record<string, unknown> | undefined,
  ): Record<string, unknown> {
    let n: Node = node;
    let item: Node | undefined;
    if (n.kind === 'item') {
      item = n;
      n = n.val;
    }
    if (n.kind === 'object') n = n.list;
    if (n.kind === 'literal' && item?.kind === 'item') n = { kind: 'list', items: [item] };
    if (n.kind !== 'list') throw posError(nodePos(n), `${name}: not an object type for struct (${goTypeName(n)})`);
    const list = n;
    const out = current ?? {};
    for (const field of fields) {
      const filtered = filterList(list, field.key);
      const prefixMatches = childrenOf(filtered);
      const matches = elemOf(filtered);
      if (prefixMatches.items.length === 0 && matches.items.length === 0) continue;
      const fieldName = `${name}.${field.key}`;
      if (prefixMatches.items.length > 0) {
        out[field.prop] = this.decode(fieldName, prefixMatches, field.schema, out[field.prop]);
      }
      for (const match of matches.items) {
        const target: Node = match.val.kind === 'object' ? { kind: 'list', items: match.val.list.items } : match.val;
        out[field.prop] = this.decode(fieldName, target, field.schema, out[field.prop]);
      }
    }
    return out;
  }
}

function toObject(m: Map<string, HclValue>): HclObject {
  const o = newObject();
  for (const [k, v] of m) o[k] = v;
  return o;
}

/** `hcl.DecodeObject(&out, node)` against a struct schema. */
export function decodeObject(node: Node, fields: readonly Field[]): Record<string, unknown> {
  return new HclDecoder().decode('root', node, { kind: 'struct', fields }, undefined) as Record<string, unknown>;
}
