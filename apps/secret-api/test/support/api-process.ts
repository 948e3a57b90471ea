/** The compiled Secret API as a process of its own, as it runs in production (replicas, crashes, restarts). */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const API_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../bin/secret-api.js');

/**
 * Starts the API with `env` over this process's environment and resolves with its URL once it listens. The child is
 * handed to `track` at once, so a caller can kill it even when the start fails.
 */
export function startApiProcess(
  env: Record<string, string>,
  track: (child: ChildProcess) => void,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [API_BIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'secret-api listening' && entry.url) resolve({ url: entry.url, child });
    });
    child.once('exit', (code) => reject(new Error(`secret-api exited with ${code}: ${stderr}`)));
  });
}
