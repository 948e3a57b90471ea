/** Reading a secret or a token that is not typed at a prompt: stdin or a file, never argv. */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Buffer, from: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new UsageError(`${from} is not valid UTF-8 text; secret values are UTF-8 strings`);
  }
}

/** All of stdin. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * stdin as text without ONE trailing newline (`\n` or `\r\n`), so `echo value | deployer ...` stores `value`;
 * a value that really ends in a newline is given with --from-file.
 */
export async function readStdinValue(): Promise<string> {
  const text = decode(await readStdin(), 'stdin');
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

/** The exact bytes of a file, as text. */
export async function readFileValue(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return decode(bytes, path);
}
