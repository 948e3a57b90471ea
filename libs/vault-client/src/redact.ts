/** Scrubs secrets out of any text that might end up in an error message or a log line. */

/** Vault token shapes: hvs./hvb./hvr. (>=1.10) and legacy s./b. 24-char tokens. */
const TOKEN_PATTERN = /\b(?:hv[sbr]\.[A-Za-z0-9_-]{10,}|[sb]\.[A-Za-z0-9]{24})\b/g;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a secret (token, SecretID, wrapping token) so it is scrubbed from later texts. */
  add(secret: string | undefined | null): void {
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  forget(secret: string | undefined | null): void {
    if (secret) this.secrets.delete(secret);
  }

  /** `extra`: per-request secrets (a SecretID being used, a wrapping token) not worth remembering. */
  redact(text: string, extra: readonly string[] = []): string {
    let out = text;
    for (const s of [...this.secrets, ...extra]) if (s.length >= 4) out = out.split(s).join('[redacted]');
    return out.replace(TOKEN_PATTERN, '[redacted]');
  }
}
