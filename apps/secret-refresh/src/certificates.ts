/**
 * PKI certificates the pod's files hold. No lease keeps them: a certificate lasts until its end and cannot be
 * renewed in place (secret-init rendered it into the app's files once). So the pod must be replaced before it
 * ends: at two thirds of its life (cert-manager's default renewal point), the sidecar reports the certificate as
 * lost — exit 2, as for a token or lease it cannot keep — and the controller replaces the pod, whose secret-init
 * gets a fresh certificate. Pods started together have certificates of the same age: their restarts are spread by
 * up to a twentieth of the certificate's life, and the controller rate-limits them.
 */
import { CredentialLostError } from './errors.js';
import type { LeaseDirCertificate } from './lease-dir.js';

/** When a pod holding `certificate` should be replaced (ms since the epoch). `random` in [0, 1). */
export function replaceAt(certificate: Pick<LeaseDirCertificate, 'issuedAt' | 'expiresAt'>, random: number): number {
  const issued = certificate.issuedAt.getTime();
  const life = certificate.expiresAt.getTime() - issued;
  return Math.round(issued + life * (2 / 3 - random / 20));
}

export class CertificateWatch {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly certificates: readonly LeaseDirCertificate[],
    private readonly onLost: (err: CredentialLostError) => void,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    for (const certificate of this.certificates) {
      const delay = Math.max(0, replaceAt(certificate, this.random()) - this.now());
      // Timers hold at most ~24.8 days: a longer wait is taken again in steps.
      const arm = (ms: number): void => {
        const step = Math.min(ms, 2 ** 31 - 1);
        this.timers.push(setTimeout(() => (ms > step ? arm(ms - step) : this.lost(certificate)), step));
      };
      arm(delay);
    }
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
  }

  private lost(certificate: LeaseDirCertificate): void {
    this.onLost(
      new CredentialLostError(
        `cannot keep the certificate from ${certificate.path} (serial ${certificate.serial}) alive: it expires at ` +
          `${certificate.expiresAt.toISOString()} and cannot be renewed in place, so the pod must restart for a new one`,
      ),
    );
  }
}
