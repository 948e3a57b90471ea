/** RFC 6902 JSON Patch (`application/json-patch+json`), what client-node's generated patch methods send. */
import { errors, StatusError } from '../api/errors.js';
import { clone, deepEqual, isPlainObject } from '../api/object.js';

const MAX_OPERATIONS = 10_000;

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) {
    throw errors.badRequest(`invalid JSON pointer: ${JSON.stringify(path)}`);
  }
  return path === '' ? [] : path.slice(1).split('/').map(unescape);
}

function failed(message: string): StatusError {
  return new StatusError(422, 'Invalid', message);
}

function parentOf(doc: unknown, tokens: string[]): { parent: unknown; last: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isPlainObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined)
      throw failed(`the server rejected our request due to an error in our request: missing path /${tokens.join('/')}`);
  }
  return { parent: node, last: tokens[tokens.length - 1] as string };
}

function read(doc: unknown, tokens: string[]): unknown {
  let node = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isPlainObject(node)) node = Object.hasOwn(node, token) ? node[token] : undefined;
    else node = undefined;
    if (node === undefined) throw failed(`unable to find path /${tokens.join('/')}`);
  }
  return node;
}

function add(doc: unknown, tokens: string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length)
      throw failed(`add operation index out of range: ${last}`);
    parent.splice(index, 0, value);
  } else if (isPlainObject(parent)) parent[last] = value;
  else throw failed(`cannot add at /${tokens.join('/')}`);
  return doc;
}

function remove(doc: unknown, tokens: string[]): unknown {
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length)
      throw failed(`remove operation index out of range: ${last}`);
    parent.splice(index, 1);
  } else if (isPlainObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
  else throw failed(`unable to remove nonexistent key: ${last}: missing value`);
  return doc;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch))
    throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  if (patch.length > MAX_OPERATIONS)
    throw errors.badRequest(`the allowed maximum operations in a JSON patch is ${MAX_OPERATIONS}, got ${patch.length}`);
  let doc = clone(target);
  for (const op of patch) {
    if (!isPlainObject(op) || typeof op['op'] !== 'string') throw errors.badRequest('invalid JSON patch operation');
    const path = parsePointer(op['path']);
    switch (op['op']) {
      case 'add':
        doc = add(doc, path, clone(op['value']));
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'replace':
        read(doc, path);
        doc = add(remove(doc, path), path, clone(op['value']));
        break;
      case 'move': {
        const from = parsePointer(op['from']);
        const value = read(doc, from);
        doc = add(remove(doc, from), path, value);
        break;
      }
      case 'copy':
        doc = add(doc, path, clone(read(doc, parsePointer(op['from']))));
        break;
      case 'test':
        if (!deepEqual(read(doc, path), op['value']))
          throw failed(`testing value /${path.join('/')} failed: test failed`);
        break;
      default:
        throw errors.badRequest(`Unexpected kind: ${String(op['op'])}`);
    }
  }
  return doc;
}
