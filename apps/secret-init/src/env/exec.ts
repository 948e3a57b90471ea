/**
 * `secret-init exec -- CMD…` (vaultenv): runs CMD with the resolved SECRET_ variables in its
 * environment — never in its argv, where `ps` would show them — forwards every signal it can
 * catch, and exits as the child did (its code, or 128 + the signal that killed it).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { SecretInitError } from '../errors.js';

/** Signals a process may catch; SIGKILL and SIGSTOP cannot be forwarded by anyone. */
const FORWARDED: NodeJS.Signals[] = [
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
  'SIGCONT',
  'SIGTSTP',
];

/** Login material the child has no business seeing. */
const WITHHELD = ['VAULT_TOKEN', 'VAULT_SECRET_ID', 'VAULT_WRAPPED_SECRET_ID', 'VAULT_ROLE_ID'];

export function childEnvironment(
  base: Record<string, string | undefined>,
  variables: ReadonlyMap<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !WITHHELD.includes(k)) env[k] = v;
  for (const [k, v] of variables) {
    if (v.includes('\0'))
      throw new SecretInitError(`SECRET_${k}: the value contains a NUL byte, which an environment cannot hold`);
    env[k] = v;
  }
  return env;
}

/** Runs the command; resolves with the exit code secret-init should exit with. */
export function execChild(command: readonly string[], env: Record<string, string>): Promise<number> {
  const [file, ...args] = command;
  if (!file) return Promise.reject(new SecretInitError('exec needs a command: secret-init exec -- CMD [ARGS…]'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: 'inherit' });
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const sig of FORWARDED) {
      const h = () => {
        child.kill(sig);
      };
      handlers.set(sig, h);
      process.on(sig, h);
    }
    const cleanup = () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      reject(new SecretInitError(`cannot run ${file}: ${err.code ?? err.message}`));
    });
    child.on('exit', (code, signal) => {
      cleanup();
      if (signal) resolve(128 + (constants.signals[signal] ?? 0));
      else resolve(code ?? 1);
    });
  });
}
