/**
 * PEM handling for `auth/kubernetes/config`, after path_config.go:
 * `hasCerts` (any PEM block at all counts, as in the plugin) and
 * `parsePublicKeyPEM` (the first block, as a PKIX public key or a
 * certificate, RSA or ECDSA only).
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN ([^\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

export const NO_PUBLIC_KEYS = 'data does not contain any valid RSA or ECDSA public keys';

/** encoding/pem.Decode over the whole text: the DER of every well-formed block, in order. */
export function pemBlocks(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const body = (m[2] ?? '')
      .split(/\r?\n/)
      // RFC 1421 headers ("Proc-Type: …") precede a blank line; they are not base64.
      .filter((line) => !line.includes(':'))
      .join('');
    if (BASE64_BODY.test(body)) out.push(Buffer.from(body, 'base64'));
  }
  return out;
}

/** The plugin's hasCerts: true when the bundle holds at least one PEM block. */
export function hasPemBlocks(bundle: string): boolean {
  return pemBlocks(bundle).length > 0;
}

/** parsePublicKeyPEM: throws Go's error text when the first block is no RSA or ECDSA key or certificate. */
export function parsePublicKeyPEM(pem: string): KeyObject {
  const der = pemBlocks(pem)[0];
  if (!der) throw new Error(NO_PUBLIC_KEYS);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    try {
      key = new X509Certificate(der).publicKey;
    } catch {
      throw new Error('x509: malformed certificate');
    }
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') throw new Error(NO_PUBLIC_KEYS);
  return key;
}
