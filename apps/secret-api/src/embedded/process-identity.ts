/**
 * Who a pid is, beyond the number: pids are reused, so before the embedded stack signals a process it left behind
 * it checks that the pid still names the process it started — same start time, same command line. Linux reads
 * /proc; elsewhere `ps` answers the same two questions (with a start time to the second).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  /** When the process started, in a form only compared for equality (/proc starttime ticks, or ps's lstart). */
  started: string;
  /** Its argv, as the kernel reports it. */
  argv: string[];
}

/** Whether `pid` is a running process on this host (EPERM: it runs, as another user). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The identity of a live process, or undefined when `pid` runs nothing (or only a zombie) or cannot be read. */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const proc = fromProc(pid);
  return proc === null ? fromPs(pid) : proc;
}

/** null: no /proc on this system (rather than: no such process). */
function fromProc(pid: number): ProcessIdentity | undefined | null {
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    try {
      readFileSync('/proc/self/stat');
      return undefined;
    } catch {
      return null;
    }
  }
  // The fields after the command name (which may hold spaces and parentheses): state is the 1st, starttime the 20th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const started = fields[19];
  if (state === 'Z' || state === 'X' || started === undefined) return undefined;
  return { started, argv: cmdline.split('\0').slice(0, -1) };
}

function fromPs(pid: number): ProcessIdentity | undefined {
  try {
    const started = execFileSync('ps', ['-p', String(pid), '-o', 'lstart='], { encoding: 'utf8' }).trim();
    const command = execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' }).trim();
    if (started === '' || command === '') return undefined;
    // ps joins argv with spaces; the comparison in sameProcess joins the recorded argv the same way.
    return { started, argv: [command] };
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still the process that `recorded` described when it was started. */
export function sameProcess(pid: number, recorded: ProcessIdentity): boolean {
  const now = processIdentity(pid);
  if (now === undefined || now.started !== recorded.started) return false;
  return now.argv.join(' ') === recorded.argv.join(' ');
}
