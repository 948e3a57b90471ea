/**
 * Real X.509 through @peculiar/x509 over Node's WebCrypto: key pairs, a
 * self-signed root CA and leaf certificates signed by it, and the PEM
 * encodings Vault answers with (PKCS#1 / SEC1 private keys by default).
 */
// @peculiar/x509's dependency injection (tsyringe) needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { KeyType } from './store.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type SigningAlgorithm = webcrypto.Algorithm | webcrypto.EcdsaParams;

const crypto = webcrypto;
x509.cryptoProvider.set(crypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC_CURVES: Record<number, string> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };
const EC_HASH: Record<number, string> = { 256: 'SHA-256', 384: 'SHA-384', 521: 'SHA-512' };

function keyAlgorithm(type: KeyType, bits: number): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  if (type === 'rsa') {
    return {
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-256',
      publicExponent: new Uint8Array([1, 0, 1]),
      modulusLength: bits,
    };
  }
  return { name: 'ECDSA', namedCurve: EC_CURVES[bits] as string };
}

function signingAlgorithm(type: KeyType, bits: number): SigningAlgorithm {
  return type === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5' }
    : ({ name: 'ECDSA', hash: EC_HASH[bits] } as webcrypto.EcdsaParams);
}

/** Vault's default key_bits and accepted sizes (vault-dev's WebCrypto has no P-224). */
export function checkKeyParams(type: string, bits: number): { type: KeyType; bits: number } | string {
  if (type === 'rsa') {
    const b = bits === 0 ? 2048 : bits;
    if (b < 2048) return `RSA keys < 2048 bits are unsafe and not supported: got ${b}`;
    if (![2048, 3072, 4096, 8192].includes(b)) return `unsupported bit length for RSA key: ${b}`;
    return { type, bits: b };
  }
  if (type === 'ec') {
    const b = bits === 0 ? 256 : bits;
    if (!EC_CURVES[b]) return `unsupported bit length for EC key: ${b}`;
    return { type, bits: b };
  }
  return `unknown key type ${type}`;
}

export async function generateKeyPair(type: KeyType, bits: number): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(keyAlgorithm(type, bits), true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** A 159-bit random serial: hex for the generator, colon-joined lower-case bytes for Vault's answers. */
export function randomSerial(): { hex: string; colon: string } {
  const bytes = randomBytes(20);
  bytes[0] = (bytes[0] as number) & 0x7f || 0x01;
  const hex = bytes.toString('hex');
  return { hex, colon: hex.match(/../g)!.join(':') };
}

export interface RootInput {
  commonName: string;
  type: KeyType;
  bits: number;
  notBefore: Date;
  notAfter: Date;
  serialHex: string;
}

export async function createRoot(input: RootInput): Promise<{ certPem: string; keys: CryptoKeyPair }> {
  const keys = await generateKeyPair(input.type, input.bits);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: input.serialHex,
    name: input.commonName === '' ? [] : [{ CN: [input.commonName] }],
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    keys,
    signingAlgorithm: signingAlgorithm(input.type, input.bits),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert), keys };
}

export interface LeafInput {
  caCertPem: string;
  caKeyPem: string;
  caType: KeyType;
  caBits: number;
  commonName: string;
  dnsNames: string[];
  emails: string[];
  ips: string[];
  type: KeyType;
  bits: number;
  notBefore: Date;
  notAfter: Date;
  serialHex: string;
  serverFlag: boolean;
  clientFlag: boolean;
}

export async function issueLeaf(input: LeafInput): Promise<{ certPem: string; keys: CryptoKeyPair }> {
  const ca = new x509.X509Certificate(input.caCertPem);
  const caKey = await importPrivateKey(input.caKeyPem, input.caType, input.caBits);
  const keys = await generateKeyPair(input.type, input.bits);
  const usages: string[] = [];
  if (input.serverFlag) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (input.clientFlag) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const sans: x509.JsonGeneralName[] = [
    ...input.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...input.emails.map((value) => ({ type: 'email' as const, value })),
    ...input.ips.map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca),
  ];
  if (usages.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(usages));
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: input.serialHex,
    subject: input.commonName === '' ? [] : [{ CN: [input.commonName] }],
    issuer: ca.subject,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: signingAlgorithm(input.caType, input.caBits),
    extensions,
  });
  return { certPem: pem(cert), keys };
}

async function importPrivateKey(pemText: string, type: KeyType, bits: number): Promise<CryptoKey> {
  const der = createPrivateKey(pemText).export({ format: 'der', type: 'pkcs8' });
  return crypto.subtle.importKey('pkcs8', der, keyAlgorithm(type, bits), false, ['sign']);
}

/** PKCS#8 PEM, for storage. */
export async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString()
    .trim();
}

/** Vault's default `der` private_key_format: PKCS#1 for RSA, SEC1 for EC. */
export async function vaultKeyPem(key: CryptoKey, type: KeyType): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  const exported = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({
    format: 'pem',
    type: type === 'rsa' ? 'pkcs1' : 'sec1',
  });
  return exported.toString().trim();
}

function pem(cert: x509.X509Certificate): string {
  return cert.toString('pem').trim();
}

export interface CrlInput {
  caCertPem: string;
  caKeyPem: string;
  caType: KeyType;
  caBits: number;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: Array<{ serialHex: string; revocationDate: Date }>;
}

/** A CRL signed by the CA listing the revoked certificates, as DER. */
export async function createCrl(input: CrlInput): Promise<Buffer> {
  const ca = new x509.X509Certificate(input.caCertPem);
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.subject,
    thisUpdate: input.thisUpdate,
    nextUpdate: input.nextUpdate,
    entries: input.revoked.map((r) => ({ serialNumber: r.serialHex, revocationDate: r.revocationDate })),
    signingKey: await importPrivateKey(input.caKeyPem, input.caType, input.caBits),
    signingAlgorithm: signingAlgorithm(input.caType, input.caBits),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca)],
  });
  return Buffer.from(crl.rawData);
}
