/**
 * `sys/tools` (hash, random), after logical_system.go. (`sys/init` and
 * `sys/leader` are answered by the HTTP layer, as in Vault's http package.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { errorResponse } from '../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../sdk/framework.js';
import type { Response } from '../../sdk/logical.js';

const HASH_ALGORITHMS: Record<string, string> = {
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
};

function encode(buf: Buffer, format: string): string | undefined {
  if (format === 'hex') return buf.toString('hex');
  if (format === 'base64') return buf.toString('base64');
  return undefined;
}

function hash(d: FieldData): Response | null {
  const algorithm = d.get<string>('urlalgorithm') || d.get<string>('algorithm') || 'sha2-256';
  const nodeAlg = HASH_ALGORITHMS[algorithm];
  if (!nodeAlg) return errorResponse(`unsupported algorithm ${algorithm}`);
  const format = d.get<string>('format') || 'hex';
  const input = Buffer.from(d.get<string>('input'), 'base64');
  const out = encode(createHash(nodeAlg).update(input).digest(), format);
  if (out === undefined) return errorResponse(`unsupported encoding format ${format}; must be "hex" or "base64"`);
  return { data: { sum: out } };
}

function random(d: FieldData): Response | null {
  const urlBytes = d.get<string>('urlbytes');
  const bytes = urlBytes ? Number(urlBytes) : d.get<number>('bytes') || 32;
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 128 * 1024) {
    return errorResponse(`the number of bytes must be between 1 and ${128 * 1024}`);
  }
  const format = d.get<string>('format') || 'base64';
  const out = encode(randomBytes(bytes), format);
  if (out === undefined) return errorResponse(`unsupported encoding format ${format}; must be "hex" or "base64"`);
  return { data: { random_bytes: out } };
}

export function miscPaths(): PathSpec[] {
  return [
    {
      pattern: 'tools/hash(/(?<urlalgorithm>.+))?$',
      fields: {
        input: { type: 'string' },
        format: { type: 'string' },
        algorithm: { type: 'string' },
        urlalgorithm: { type: 'string' },
      },
      operations: { update: (_req, d) => hash(d) },
    },
    {
      pattern: 'tools/random(/(?<urlbytes>\\d+))?$',
      fields: { bytes: { type: 'int' }, format: { type: 'string' }, urlbytes: { type: 'string' } },
      operations: { update: (_req, d) => random(d) },
    },
  ];
}
