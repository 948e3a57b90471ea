import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isSafeEndpoint } from './config.js';

/** Where Google's service-account keys send the JWT-bearer grant (the `token_uri` of every real key file). */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';

/** The parts of a service-account JSON key we use. The private key never leaves this object except to sign. */
export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string | undefined;
  /** The key file's `token_uri` (Google's unless the file names another, e.g. a test stand-in). */
  readonly tokenUri: string;
}

// Messages name fields, never their values: the file holds a private key.
const ZServiceAccountKeyFile = z.object(
  {
    type: z.literal('service_account', { error: '"type" must be "service_account"' }),
    client_email: z.email({ error: '"client_email" must be the service account email address' }),
    private_key: z
      .string({ error: '"private_key" must be a PEM string' })
      .refine((pem) => pem.includes('-----BEGIN PRIVATE KEY-----'), '"private_key" must be a PEM private key'),
    private_key_id: z.string({ error: '"private_key_id" must be a string' }).optional(),
    token_uri: z
      .string({ error: '"token_uri" must be a string' })
      .refine(isSafeEndpoint, '"token_uri" must be an https URL (http only for a loopback address)')
      .default(GOOGLE_TOKEN_URI),
  },
  { error: 'it must be a JSON object' },
);

/** The key file is missing or unusable: a configuration problem, reported at start-up. */
export class ServiceAccountKeyError extends Error {
  override name = 'ServiceAccountKeyError';
}

/**
 * Reads a service-account JSON key (as downloaded from the Cloud console) and checks it can sign. Throws a
 * ServiceAccountKeyError naming the file and the problem, never the key material.
 */
export function readServiceAccountKey(path: string): ServiceAccountKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ServiceAccountKeyError(`service-account key file ${path} cannot be read (${code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ServiceAccountKeyError(`service-account key file ${path} is not valid JSON`);
  }
  const parsed = ZServiceAccountKeyFile.safeParse(json);
  if (!parsed.success) {
    const fields = typeof json === 'object' && json !== null ? json : {};
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      return field !== '' && !Object.hasOwn(fields, field) ? `"${field}" is missing` : issue.message;
    });
    throw new ServiceAccountKeyError(`service-account key file ${path} is not usable: ${problems.join('; ')}`);
  }
  try {
    createPrivateKey(parsed.data.private_key);
  } catch {
    throw new ServiceAccountKeyError(`service-account key file ${path} is not usable: "private_key" cannot be parsed`);
  }
  return {
    clientEmail: parsed.data.client_email,
    privateKey: parsed.data.private_key,
    privateKeyId: parsed.data.private_key_id,
    tokenUri: parsed.data.token_uri,
  };
}
