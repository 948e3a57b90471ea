/**
 * The HCL v1 abstract syntax tree, shaped like `github.com/hashicorp/hcl/hcl/ast`
 * because Vault's policy parser walks that tree directly: it checks keys with
 * `hclutil.CheckHCLKeys` (which reports `item.Assign.Line`), filters items by key
 * case-insensitively, and decodes with `hcl.DecodeObject`. Positions follow
 * hcl's scanner: 1-based lines, 1-based columns counted in characters (runes);
 * line 0 means "no position" (JSON tokens, blocks without `=`).
 */

export interface Pos {
  readonly line: number;
  readonly column: number;
}

export const NO_POS: Pos = Object.freeze({ line: 0, column: 0 });

/** hcl's `token.Pos.String()`: `line:column`, or `-` when the position is unset. */
export function posString(pos: Pos): string {
  return pos.line > 0 ? `${pos.line}:${pos.column}` : '-';
}

export type LiteralTokenType = 'NUMBER' | 'FLOAT' | 'BOOL' | 'STRING' | 'HEREDOC';

export interface LiteralToken {
  readonly type: LiteralTokenType;
  /** Source text (numbers, bools) as hcl keeps it in `Token.Text`. */
  readonly text: string;
  /** `Token.Value()` for strings and heredocs (unquoted / unindented). */
  readonly value: string;
  readonly pos: Pos;
}

export interface ObjectKey {
  /** `Token.Value().(string)`: identifiers verbatim, strings unquoted. */
  readonly value: string;
  /** Raw token text (used in hcl's "key '...' expected ..." message). */
  readonly text: string;
  readonly pos: Pos;
}

export interface ObjectItem {
  readonly kind: 'item';
  keys: ObjectKey[];
  /** Position of `=` (HCL) or `:` (JSON); NO_POS for `key { ... }` blocks. */
  readonly assign: Pos;
  readonly val: Node;
}

export interface ObjectList {
  readonly kind: 'list';
  items: ObjectItem[];
}

export interface ObjectType {
  readonly kind: 'object';
  readonly lbrace: Pos;
  readonly list: ObjectList;
}

export interface ListType {
  readonly kind: 'listType';
  readonly lbrack: Pos;
  readonly list: Node[];
}

export interface LiteralType {
  readonly kind: 'literal';
  readonly token: LiteralToken;
}

export type Node = ObjectList | ObjectType | ListType | LiteralType | ObjectItem;

/** The Go type name hcl prints with `%T` in its error messages. */
export function goTypeName(node: Node): string {
  switch (node.kind) {
    case 'list':
      return '*ast.ObjectList';
    case 'object':
      return '*ast.ObjectType';
    case 'listType':
      return '*ast.ListType';
    case 'literal':
      return '*ast.LiteralType';
    case 'item':
      return '*ast.ObjectItem';
  }
}

/** `Node.Pos()` as hcl defines it for each node type. */
export function nodePos(node: Node): Pos {
  switch (node.kind) {
    case 'list': {
      // hcl indexes Items[0] unconditionally (and panics on an empty list);
      // we answer "no position" instead.
      const first = node.items[0];
      return first ? nodePos(first) : NO_POS;
    }
    case 'object':
      return node.lbrace;
    case 'listType':
      return node.lbrack;
    case 'literal':
      return node.token.pos;
    case 'item':
      return node.keys[0]?.pos ?? NO_POS;
  }
}

/** Go's `strings.EqualFold` for the ASCII/simple-case keys policies use. */
function equalFold(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/**
 * `ObjectList.Filter(keys...)`: the items whose leading keys match
 * (case-insensitively, as hcl does), with those keys stripped.
 */
export function filterList(list: ObjectList, ...keys: string[]): ObjectList {
  const items: ObjectItem[] = [];
  for (const item of list.items) {
    if (item.keys.length < keys.length) continue;
    let match = true;
    for (let i = 0; i < keys.length; i++) {
      const k = item.keys[i];
      const want = keys[i];
      if (k === undefined || want === undefined || !equalFold(k.value, want)) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    items.push({ ...item, keys: item.keys.slice(keys.length) });
  }
  return { kind: 'list', items };
}

/** `ObjectList.Children()`: items that still have keys (nested blocks). */
export function childrenOf(list: ObjectList): ObjectList {
  return { kind: 'list', items: list.items.filter((i) => i.keys.length > 0) };
}

/** `ObjectList.Elem()`: items with no keys left (direct values). */
export function elemOf(list: ObjectList): ObjectList {
  return { kind: 'list', items: list.items.filter((i) => i.keys.length === 0) };
}
