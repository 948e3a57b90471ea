/**
 * A bearer token kept in a file that the kubelet rotates (projected service-account tokens are rewritten well
 * before they expire). Read again whenever the file's mtime or size changes: a stat per request, a read per rotation.
 */
import { readFileSync, statSync } from 'node:fs';

export class TokenFile {
  private token = '';
  private stamp = '';

  constructor(readonly path: string) {}

  /** The current token; throws (naming the file, never its content) when it is missing or empty. */
  read(): string {
    const st = statSync(this.path);
    const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (stamp !== this.stamp) {
      const token = readFileSync(this.path, 'utf8').trim();
      if (!token) throw new Error(`token file ${this.path} is empty`);
      this.token = token;
      this.stamp = stamp;
    }
    return this.token;
  }
}
