/**
 * vault-dev's state on disk, like Vault's `file` storage backend but as two
 * files in the data dir:
 *
 * - `state.json`: every section's entries at one point in time. Only ever
 *   replaced whole: written to `state.json.tmp`, fsync'd, renamed over, and
 *   the directory fsync'd, so it is always either the old or the new file.
 * - `journal.log`: one line per request that changed something, holding only
 *   the entries that changed (put, delete, or a whole section dropped), each
 *   line checksummed and fsync'd before the response is sent.
 *
 * Why a journal: a write touches one or two entries, so appending them stays
 * cheap however big the state grows, where rewriting state.json per write
 * would cost the whole state each time. On start the journal is replayed over
 * state.json and both are compacted into a new state.json (also whenever the
 * journal outgrows the state). Replaying is idempotent (every record carries
 * whole entry values), so a crash between the rename and the journal
 * truncation is harmless.
 *
 * A crash while appending leaves at most a torn last line: it never got its
 * fsync, so it was never acknowledged, and it is dropped. Damage anywhere
 * else stops start-up with one line naming the file and what to do.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DataDirLock } from './lock.js';
import type { JsonValue, Persistable, PersistedEntries } from './persistable.js';

export const STATE_FILE = 'state.json';
export const JOURNAL_FILE = 'journal.log';
const FORMAT = 'vault-dev-state';
const FORMAT_VERSION = 1;
/** The journal is compacted once it is this big and bigger than twice the state. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024;

/** Start-up refused: the message is the one line to show. */
export class DataDirError extends Error {}

/** section → entry name → the entry's JSON text as last written. */
type View = Map<string, Map<string, string>>;

export class DataDir {
  private journalFd: number;
  private journalBytes = 0;
  private stateBytes = 0;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly lock: DataDirLock,
    private readonly view: View,
  ) {
    this.journalFd = openSync(join(dir, JOURNAL_FILE), 'a', 0o600);
  }

  /** Locks the dir, loads state.json plus the journal, and compacts them. Throws DataDirError / DataDirLockedError. */
  static open(dir: string): DataDir {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lock = DataDirLock.acquire(dir);
    try {
      rmSync(join(dir, `${STATE_FILE}.tmp`), { force: true });
      const view = readState(dir);
      replayJournal(dir, view);
      const dataDir = new DataDir(dir, lock, view);
      dataDir.compact();
      return dataDir;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** Whether the dir held any saved state when it was opened (or has since). */
  hasState(): boolean {
    return this.view.size > 0;
  }

  /** The saved sections, parsed. */
  sections(): Map<string, PersistedEntries> {
    const out = new Map<string, PersistedEntries>();
    for (const [name, entries] of this.view) {
      const parsed: PersistedEntries = {};
      for (const [key, text] of entries) parsed[key] = JSON.parse(text) as JsonValue;
      out.set(name, parsed);
    }
    return out;
  }

  /**
   * Journals what changed since the last commit: entries of `sources` whose
   * JSON differs, entries gone from them, and sections neither in `sources`
   * nor in `keep` (saved state no store has claimed yet). A source that
   * tracks its changes is asked only for the entries it marked; any other is
   * compared whole. Synchronous: when it returns, the change is on disk.
   */
  commit(sources: ReadonlyMap<string, Persistable>, keep: ReadonlySet<string>): void {
    if (this.closed) return;
    const ops: string[] = [];
    const apply: Array<() => void> = [];
    const put = (name: string, key: string, text: string): void => {
      ops.push(`["put",${JSON.stringify(name)},${JSON.stringify(key)},${text}]`);
      apply.push(() => sectionOf(this.view, name).set(key, text));
    };
    const del = (name: string, key: string): void => {
      ops.push(`["del",${JSON.stringify(name)},${JSON.stringify(key)}]`);
      apply.push(() => this.view.get(name)?.delete(key));
    };
    try {
      for (const [name, source] of sources) {
        const saved = this.view.get(name);
        const marked = source.changes && source.entry ? source.changes.take() : 'all';
        if (marked !== 'all') {
          for (const key of marked) {
            const value = source.entry?.(key);
            if (value === undefined) {
              if (saved?.has(key)) del(name, key);
              continue;
            }
            const text = JSON.stringify(value);
            if (saved?.get(key) !== text) put(name, key, text);
          }
          continue;
        }
        const entries = source.snapshot();
        const seen = new Set<string>();
        for (const key of Object.keys(entries)) {
          seen.add(key);
          const text = JSON.stringify(entries[key] ?? null);
          if (saved?.get(key) !== text) put(name, key, text);
        }
        for (const key of saved?.keys() ?? []) if (!seen.has(key)) del(name, key);
      }
      for (const name of this.view.keys()) {
        if (sources.has(name) || keep.has(name)) continue;
        ops.push(`["drop",${JSON.stringify(name)}]`);
        apply.push(() => this.view.delete(name));
      }
      if (ops.length === 0) return;
      const body = `[${ops.join(',')}]`;
      const line = `${checksum(body)} ${body}\n`;
      writeAll(this.journalFd, line);
      fdatasyncSync(this.journalFd);
      this.journalBytes += Buffer.byteLength(line);
    } catch (err) {
      // The marks taken above are not on disk: the next commit compares every store whole.
      for (const source of sources.values()) source.changes?.markAll();
      try {
        // A line cut short would run into the next one: cut it off.
        ftruncateSync(this.journalFd, this.journalBytes);
      } catch {
        // The disk is failing; start-up drops a torn last line anyway.
      }
      throw err;
    }
    for (const step of apply) step();
    if (this.journalBytes > Math.max(COMPACT_MIN_BYTES, 2 * this.stateBytes)) this.compact();
  }

  /** Writes the whole view as the new state.json and empties the journal. */
  compact(): void {
    const parts: string[] = [];
    for (const [name, entries] of this.view) {
      const fields: string[] = [];
      for (const [key, text] of entries) fields.push(`${JSON.stringify(key)}:${text}`);
      parts.push(`${JSON.stringify(name)}:{${fields.join(',')}}`);
    }
    const text = `{"format":"${FORMAT}","version":${FORMAT_VERSION},"sections":{${parts.join(',')}}}\n`;
    const tmp = join(this.dir, `${STATE_FILE}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeAll(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, STATE_FILE));
    fsyncDir(this.dir);
    ftruncateSync(this.journalFd, 0);
    fsyncSync(this.journalFd);
    this.journalBytes = 0;
    this.stateBytes = Buffer.byteLength(text);
  }

  /** Stops writing and releases the lock (state is already on disk). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.journalFd);
    this.lock.release();
  }
}

function sectionOf(view: View, name: string): Map<string, string> {
  let section = view.get(name);
  if (!section) view.set(name, (section = new Map()));
  return section;
}

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function refuse(file: string, problem: string): DataDirError {
  return new DataDirError(
    `vault-dev: cannot start from ${file}: ${problem}. Restore the data dir from a backup, or move it aside to start empty (its secrets are then lost).`,
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readState(dir: string): View {
  const file = join(dir, STATE_FILE);
  const view: View = new Map();
  if (!existsSync(file)) return view;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw refuse(file, 'it is not valid JSON (damaged, or not written by vault-dev)');
  }
  if (!isObject(doc) || doc['format'] !== FORMAT || !isObject(doc['sections'])) {
    throw refuse(file, 'it is not a vault-dev state file');
  }
  if (doc['version'] !== FORMAT_VERSION) {
    throw refuse(
      file,
      `it has format version ${JSON.stringify(doc['version'])}, this vault-dev reads ${FORMAT_VERSION}`,
    );
  }
  for (const [name, entries] of Object.entries(doc['sections'])) {
    if (!isObject(entries)) throw refuse(file, `section ${JSON.stringify(name)} is not an object`);
    const section = new Map<string, string>();
    for (const [key, value] of Object.entries(entries)) section.set(key, JSON.stringify(value));
    view.set(name, section);
  }
  return view;
}

function replayJournal(dir: string, view: View): void {
  const file = join(dir, JOURNAL_FILE);
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  // Text after the last newline is a write that never completed.
  lines.pop();
  for (const [i, line] of lines.entries()) {
    const ops = parseJournalLine(line);
    if (ops === undefined) {
      // Only the final line can be torn by a crash; it was never acknowledged.
      if (i === lines.length - 1) return;
      throw refuse(file, `line ${i + 1} of ${lines.length} is damaged`);
    }
    for (const op of ops) applyOp(view, op, file, i + 1);
  }
}

function parseJournalLine(line: string): unknown[] | undefined {
  const space = line.indexOf(' ');
  if (space !== 16) return undefined;
  const body = line.slice(space + 1);
  if (checksum(body) !== line.slice(0, space)) return undefined;
  try {
    const ops = JSON.parse(body) as unknown;
    return Array.isArray(ops) ? ops : undefined;
  } catch {
    return undefined;
  }
}

function applyOp(view: View, op: unknown, file: string, line: number): void {
  if (!Array.isArray(op) || typeof op[1] !== 'string') throw refuse(file, `line ${line} has an unknown record`);
  const [kind, name, key] = op as [unknown, string, unknown];
  if (kind === 'put' && typeof key === 'string' && op.length === 4) {
    sectionOf(view, name).set(key, JSON.stringify(op[3]));
  } else if (kind === 'del' && typeof key === 'string') {
    view.get(name)?.delete(key);
  } else if (kind === 'drop') {
    view.delete(name);
  } else {
    throw refuse(file, `line ${line} has an unknown record`);
  }
}
