/**
 * The embedded stack's list of the processes it started, kept in the data directory
 * (`<DATA_DIR>/embedded-children.json`) while they run. Each child ends itself when the API is gone
 * (parent-watch.ts), but one that cannot (stopped, hung) would keep its port and its own lock in the directory and
 * make every later start fail; this list lets the next start, which holds the data-dir lock and so knows the old
 * API is gone, find such a child and end it — and only it: each entry carries the child's start time and command
 * line, checked before any signal (process-identity.ts).
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isRunning, processIdentity, sameProcess } from './process-identity.js';

export const CHILD_RECORD_FILE = 'embedded-children.json';

const ZIdentity = z.object({ started: z.string(), argv: z.array(z.string()) });
const ZRecordedProcess = z.object({ pid: z.number().int().positive(), identity: ZIdentity });
const ZRecordedChild = ZRecordedProcess.extend({ name: z.string() });
const ZChildRecordFile = z.object({ owner: ZRecordedProcess, children: z.array(ZRecordedChild) });
type RecordedChild = z.infer<typeof ZRecordedChild>;

/** The live list of one running stack. Written synchronously: a few small writes per start, always in order. */
export class ChildRecord {
  private readonly children = new Map<number, RecordedChild>();
  private readonly path: string;
  private readonly owner: z.infer<typeof ZRecordedProcess> | undefined;
  /** Until this stack writes the file, what is there is an earlier stack's, and not ours to remove. */
  private written = false;

  constructor(dataDir: string) {
    this.path = join(dataDir, CHILD_RECORD_FILE);
    const identity = processIdentity(process.pid);
    this.owner = identity && { pid: process.pid, identity };
  }

  /** Records a child just spawned (its exec is done when spawn returns, so its identity is the final one). */
  add(name: string, pid: number | undefined): void {
    if (pid === undefined || this.owner === undefined) return;
    const identity = processIdentity(pid);
    // Unidentifiable (or already gone): it will never be signalled on the strength of this list.
    if (identity === undefined) return;
    this.children.set(pid, { name, pid, identity });
    this.write();
  }

  remove(pid: number | undefined): void {
    if (pid === undefined || !this.children.delete(pid)) return;
    this.write();
  }

  /** Once every child is stopped: nothing is left to find. */
  discard(): void {
    this.children.clear();
    if (!this.written) return;
    try {
      unlinkSync(this.path);
    } catch {
      // Never written, or already gone.
    }
  }

  private write(): void {
    if (this.owner === undefined) return;
    const temp = `${this.path}.${process.pid}.tmp`;
    const content = { owner: this.owner, children: [...this.children.values()] };
    writeFileSync(temp, `${JSON.stringify(content)}\n`, { mode: 0o600 });
    renameSync(temp, this.path);
    this.written = true;
  }
}

export interface StaleChildrenOptions {
  log: (line: string) => void;
  /** How long a stale child gets after SIGTERM, and then after SIGKILL. Default 3 s and 2 s. */
  termGraceMs?: number;
  killGraceMs?: number;
}

export class StaleChildError extends Error {
  override name = 'StaleChildError';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone meanwhile (ESRCH), or not ours to signal (EPERM): the wait below tells which mattered.
  }
}

async function waitGone(children: RecordedChild[], ms: number): Promise<RecordedChild[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = children.filter((c) => sameProcess(c.pid, c.identity));
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(50);
  }
}

/**
 * An ended orphan stays a zombie until whoever adopted it reaps it, and a zombie still counts as alive for a lock
 * that names its pid (vault-dev's does): the next start waits for that a little, then goes on regardless.
 */
async function waitReaped(children: RecordedChild[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (children.some((c) => isRunning(c.pid)) && Date.now() < deadline) await sleep(50);
}

/**
 * Ends the children that an earlier stack on `dataDir` left running: call it holding the data-dir lock. A child is
 * ended only when the API that started it is gone and its pid still names the very process it started; anything
 * else on the list is left alone. Throws StaleChildError when one of them cannot be ended.
 */
export async function stopStaleChildren(dataDir: string, options: StaleChildrenOptions): Promise<void> {
  const path = join(dataDir, CHILD_RECORD_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  let parsed;
  try {
    parsed = ZChildRecordFile.parse(JSON.parse(text));
  } catch {
    // Not ours to interpret: nothing in it is trusted enough to signal.
    options.log(`ignoring ${path}: it is not a list of embedded children this secret-api can read`);
    return;
  }
  const { owner } = parsed;
  // A live owner (this very process included) still runs its children: none of them is stale.
  if (sameProcess(owner.pid, owner.identity)) return;
  const stale = parsed.children.filter((c) => sameProcess(c.pid, c.identity));
  if (stale.length > 0) {
    options.log(
      `stopping ${stale.map((c) => `${c.name} (pid ${c.pid})`).join(', ')}, left running by secret-api ` +
        `(pid ${owner.pid}) which is gone`,
    );
    for (const c of stale) {
      signal(c.pid, 'SIGTERM');
      // A stopped process (Ctrl-Z, a debugger) only acts on SIGTERM once it runs again.
      signal(c.pid, 'SIGCONT');
    }
    let left = await waitGone(stale, options.termGraceMs ?? 3000);
    for (const c of left) signal(c.pid, 'SIGKILL');
    left = await waitGone(left, options.killGraceMs ?? 2000);
    if (left.length > 0) {
      throw new StaleChildError(
        `cannot stop ${left.map((c) => `${c.name} (pid ${c.pid})`).join(', ')}, left running on ${dataDir} by an ` +
          'earlier secret-api: stop it by hand and start again',
      );
    }
    await waitReaped(stale, options.killGraceMs ?? 2000);
  }
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
