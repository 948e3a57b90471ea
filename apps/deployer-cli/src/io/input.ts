/** Reading a secret or a token that is not typed at a prompt: stdin or a file, never argv. */
import { createReadStream } from 'node:fs';
import { SECRET_VALUE_MAX_BYTES } from '@secret-api/contract';
import { UsageError } from '../errors.js';

// ignoreBOM: a leading byte-order mark is part of the value (the file's exact bytes), not something to strip.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * How much of stdin or a file is read before it is refused as too large: the largest value the API takes, plus one
 * trailing `\r\n` that stdin drops. Reading stops there, so a 3 GB file or an endless pipe costs nothing.
 */
const MAX_INPUT_BYTES = SECRET_VALUE_MAX_BYTES + 2;

function decode(bytes: Buffer, from: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new UsageError(`${from} is not valid UTF-8 text; secret values are UTF-8 strings`);
  }
}

const valueTooLarge = (from: string) =>
  `${from} holds more than ${SECRET_VALUE_MAX_BYTES} bytes; a secret value is at most ${SECRET_VALUE_MAX_BYTES} bytes`;

/** Manifests piped to `deployer inject`: far more than any cluster takes in one apply, far less than memory. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** At most `limit` bytes of `stream`; more is refused as soon as it shows, the rest left unread. */
async function readCapped(stream: NodeJS.ReadableStream & { destroy(): void }, limit: number, tooLarge: string) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > limit) {
      stream.destroy();
      throw new UsageError(tooLarge);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** All of stdin, up to the largest value the API takes (a token is far smaller). */
export function readStdin(): Promise<Buffer> {
  return readCapped(process.stdin, MAX_INPUT_BYTES, valueTooLarge('stdin'));
}

/** Manifests on stdin. */
export function readStdinManifests(): Promise<Buffer> {
  return readCapped(
    process.stdin,
    MAX_MANIFEST_BYTES,
    `stdin holds more than ${MAX_MANIFEST_BYTES} bytes of manifests`,
  );
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
    bytes = await readCapped(createReadStream(path), SECRET_VALUE_MAX_BYTES, valueTooLarge(path));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return decode(bytes, path);
}
