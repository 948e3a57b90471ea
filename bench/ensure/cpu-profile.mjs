// Preloaded into each child with NODE_OPTIONS=--import (Node 20 refuses --cpu-prof there): profiles the process
// and writes CPU.<pid>.cpuprofile into BENCH_CPU_PROF_DIR when it exits. With BENCH_CPU_PROF_ON_SIGNAL=1 the
// profile starts at the first SIGUSR2 instead, so one pass can be profiled alone. Same-thread inspector sessions
// answer synchronously, so stopping the profiler inside 'exit' works.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    session.post('Profiler.start');
  };
  if (process.env.BENCH_CPU_PROF_ON_SIGNAL === '1') process.on('SIGUSR2', start);
  else start();
  process.on('exit', () => {
    if (!started) return;
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
