// What a process costs, read from /proc (Linux): resident memory, and CPU time so far — so "which process is the
// storm waiting on" is a number per process rather than a guess.
import { readFileSync } from 'node:fs';
import { clearInterval, setInterval } from 'node:timers';

// USER_HZ: 100 on every Linux the benchmarks run on (getconf CLK_TCK).
const TICKS_PER_SECOND = 100;

/** Resident set size in MiB; 0 once the process is gone. */
export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds the process has used; 0 once it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** `uptime`'s load averages, "1.23 0.98 0.70". */
export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Samples a process's RSS every `ms` until stopped; `peak()` is the highest seen since the last `reset()`. */
export function rssSampler(pid, ms = 50) {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), ms);
  timer.unref();
  return {
    peak: () => Math.max(peak, rssMiB(pid)),
    reset: () => (peak = rssMiB(pid)),
    stop: () => clearInterval(timer),
  };
}
