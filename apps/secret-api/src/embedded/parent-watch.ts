/**
 * Loaded into every child of the embedded stack with `node --import` (own-child.ts), before the child's program:
 * ends the child when the Secret API that started it is gone, however the API ended — also by SIGKILL or an OOM
 * kill, when no code of the API runs to stop it. The API holds one end of a pipe, the child the other; the kernel
 * closes the API's end when the API dies, and the child reads end-of-file.
 *
 * The child then gets SIGTERM from itself, so it stops the way it always does (vault-dev flushes its state and
 * frees its data-dir lock, the controller hands over its Lease) — the programs themselves know nothing of this.
 * It is inert unless the API set the pipe's variable, which it deletes: a process this child starts with the same
 * Node options does not watch a pipe it does not have.
 */
import { Socket } from 'node:net';
import { PARENT_PIPE_FD_VARIABLE } from './parent-pipe.js';

/** A child whose own stop hangs is ended hard after this long, rather than outliving the API after all. */
const STOP_GRACE_MS = 5000;

let parentGone = false;

function onParentGone(): void {
  if (parentGone) return;
  parentGone = true;
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), STOP_GRACE_MS).unref();
}

function watchParent(fd: number): void {
  const pipe = new Socket({ fd, readable: true, writable: false });
  pipe.on('error', onParentGone);
  pipe.once('close', onParentGone);
  // Nothing is ever sent: reading only lets the end of the pipe be noticed.
  pipe.resume();
  // The pipe alone must not keep a child running that has finished everything else.
  pipe.unref();
  // stdout and stderr are pipes into the API too. Once it is gone a write there fails with EPIPE, which would crash
  // the child half-way through its stop (vault-dev reports its shutdown on stdout): that output has no reader left.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || parentGone) return onParentGone();
      throw err;
    });
  }
}

const fd = Number(process.env[PARENT_PIPE_FD_VARIABLE]);
delete process.env[PARENT_PIPE_FD_VARIABLE];
if (Number.isInteger(fd) && fd > 2) watchParent(fd);
