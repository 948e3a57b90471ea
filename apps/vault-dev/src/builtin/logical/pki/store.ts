/**
 * The PKI engine's state as plain JSON-serialisable data: the issuing CA (its
 * certificate and PKCS#8 key in PEM), the roles, and the issued certificates
 * by serial (Vault's `certs/<serial>` storage; private keys of leaves are
 * never stored). Persisted as entries `ca`, `role/<name>` and `cert/<serial>`.
 */
import {
  ChangeMarks,
  objectEntry,
  type JsonValue,
  type Persistable,
  type PersistedEntries,
} from '../../../persist/persistable.js';

export interface IssuerEntry {
  issuerId: string;
  keyId: string;
  certificatePem: string;
  /** PKCS#8 PEM of the CA key. */
  privateKeyPem: string;
  keyType: KeyType;
  keyBits: number;
  serialNumber: string;
  /** Epoch ms. */
  notAfter: number;
}

export type KeyType = 'rsa' | 'ec';

export interface PkiRole {
  ttl: number;
  maxTTL: number;
  allowedDomains: string[];
  allowSubdomains: boolean;
  allowBareDomains: boolean;
  allowGlobDomains: boolean;
  allowAnyName: boolean;
  allowLocalhost: boolean;
  allowIpSans: boolean;
  allowWildcardCertificates: boolean;
  enforceHostnames: boolean;
  serverFlag: boolean;
  clientFlag: boolean;
  requireCn: boolean;
  keyType: KeyType;
  keyBits: number;
  generateLease: boolean;
  noStore: boolean;
}

export interface StoredCert {
  certificatePem: string;
  /** Unix seconds; 0 = not revoked. */
  revocationTime: number;
}

const CA = 'ca';
const ROLE = 'role/';
const CERT = 'cert/';

export class PkiStore implements Persistable {
  private issuer: IssuerEntry | undefined;
  private roles = new Map<string, PkiRole>();
  /** Serial in the colon form → certificate. */
  private certs = new Map<string, StoredCert>();
  readonly changes = new ChangeMarks();

  ca(): IssuerEntry | undefined {
    return this.issuer;
  }

  setCa(entry: IssuerEntry): void {
    this.issuer = structuredClone(entry);
    this.changes.mark(CA);
  }

  role(name: string): PkiRole | undefined {
    return this.roles.get(name);
  }

  putRole(name: string, role: PkiRole): void {
    this.roles.set(name, structuredClone(role));
    this.changes.mark(ROLE + name);
  }

  deleteRole(name: string): void {
    this.roles.delete(name);
    this.changes.mark(ROLE + name);
  }

  roleNames(): string[] {
    return [...this.roles.keys()].sort();
  }

  cert(serial: string): StoredCert | undefined {
    return this.certs.get(serial);
  }

  putCert(serial: string, cert: StoredCert): void {
    this.certs.set(serial, structuredClone(cert));
    this.changes.mark(CERT + serial);
  }

  serials(): string[] {
    return [...this.certs.keys()].sort();
  }

  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    const keys = [CA, ...[...this.roles.keys()].map((n) => ROLE + n), ...[...this.certs.keys()].map((s) => CERT + s)];
    for (const key of keys) {
      const value = this.entry(key);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  /** The live object: plain JSON already, and serialized at once (Persistable's contract). */
  entry(key: string): JsonValue | undefined {
    const value =
      key === CA
        ? this.issuer
        : key.startsWith(ROLE)
          ? this.roles.get(key.slice(ROLE.length))
          : key.startsWith(CERT)
            ? this.certs.get(key.slice(CERT.length))
            : undefined;
    return value as unknown as JsonValue | undefined;
  }

  restore(entries: PersistedEntries): void {
    this.issuer = undefined;
    this.roles = new Map();
    this.certs = new Map();
    for (const [key, value] of Object.entries(entries)) {
      const entry = objectEntry(value, `pki ${key}`);
      if (key === CA) this.issuer = entry as unknown as IssuerEntry;
      else if (key.startsWith(ROLE)) this.roles.set(key.slice(ROLE.length), entry as unknown as PkiRole);
      else if (key.startsWith(CERT)) this.certs.set(key.slice(CERT.length), entry as unknown as StoredCert);
    }
    this.changes.markAll();
  }
}
