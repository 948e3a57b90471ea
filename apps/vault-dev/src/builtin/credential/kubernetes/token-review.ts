/**
 * TokenReview against the Kubernetes API, after the plugin's token_review.go:
 * `POST {host}/apis/authentication.k8s.io/v1/tokenreviews` with the body Go
 * marshals (no kind/apiVersion), then the checks on the reply — 2xx, no
 * failed Status, authenticated without error, a shared audience when
 * audiences were sent, a service-account user name.
 *
 * Every failure is a `TokenReviewError`; the login turns it into `permission
 * denied` and only the reason is kept (it never contains the JWT).
 */
import { kubeRequest, type KubeRequest } from './kube-client.js';

export const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';

export class TokenReviewError extends Error {}

export interface TokenReviewTarget {
  host: string;
  caCert: string;
  /** The configured reviewer JWT; empty = the login JWT reviews itself. */
  reviewerJwt: string;
}

export interface TokenReviewResult {
  name: string;
  namespace: string;
  uid: string;
}

interface ReviewStatus {
  authenticated: boolean;
  error: string;
  audiences: string[];
  username: string;
  uid: string;
}

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const stringOf = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The reply as Go decodes it: first as a metav1.Status (a reply whose
 * `status` is not an object and not "Success" is a failure), then as a
 * TokenReview; fields of the wrong type read as empty.
 */
function decodeReply(body: unknown): ReviewStatus {
  if (!isObject(body)) throw new TokenReviewError('the TokenReview reply is not a JSON object');
  const status = body['status'];
  if (!isObject(status)) {
    const message = stringOf(body['message']);
    throw new TokenReviewError(message !== '' ? message : `unexpected status ${JSON.stringify(status ?? '')}`);
  }
  const user = isObject(status['user']) ? status['user'] : {};
  const audiences = Array.isArray(status['audiences']) ? status['audiences'].filter((a) => typeof a === 'string') : [];
  return {
    authenticated: status['authenticated'] === true,
    error: stringOf(status['error']),
    audiences,
    username: stringOf(user['username']),
    uid: stringOf(user['uid']),
  };
}

/** The request body as Go marshals an authv1.TokenReview with only the spec set. */
export function tokenReviewBody(jwt: string, audiences: readonly string[]): string {
  return JSON.stringify({
    metadata: { creationTimestamp: null },
    spec: { token: jwt, ...(audiences.length > 0 ? { audiences } : {}) },
    status: { user: {} },
  });
}

export async function reviewToken(
  target: TokenReviewTarget,
  jwt: string,
  audiences: readonly string[],
  send: (req: KubeRequest) => ReturnType<typeof kubeRequest> = kubeRequest,
): Promise<TokenReviewResult> {
  let reply;
  try {
    reply = await send({
      method: 'POST',
      host: target.host,
      path: TOKEN_REVIEW_PATH,
      bearer: target.reviewerJwt !== '' ? target.reviewerJwt : jwt,
      caCert: target.caCert,
      body: tokenReviewBody(jwt, audiences),
    });
  } catch (err) {
    throw new TokenReviewError((err as Error).message);
  }

  if (reply.status === 401) {
    throw new TokenReviewError(
      'lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token',
    );
  }
  if (reply.status < 200 || reply.status > 206) {
    throw new TokenReviewError(`the server responded with the status code ${reply.status}: ${reply.body.trim()}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(reply.body);
  } catch {
    throw new TokenReviewError('the TokenReview reply is not JSON');
  }
  const status = decodeReply(body);

  if (status.error !== '') throw new TokenReviewError(`lookup failed: ${status.error}`);
  if (!status.authenticated) throw new TokenReviewError('lookup failed: service account jwt not valid');
  if (audiences.length > 0) {
    const granted = status.audiences;
    if (!audiences.some((a) => granted.includes(a))) {
      throw new TokenReviewError(
        `lookup failed: service account jwt valid for audience(s) [${granted.join(' ')}], but wanted [${audiences.join(' ')}]`,
      );
    }
  }
  // system:serviceaccount:<namespace>:<name>
  const parts = status.username.split(':');
  if (parts.length !== 4) throw new TokenReviewError('lookup failed: unexpected username format');
  if (parts[0] !== 'system' || parts[1] !== 'serviceaccount') {
    throw new TokenReviewError('lookup failed: username returned is not a service account');
  }
  return { namespace: parts[2] ?? '', name: parts[3] ?? '', uid: status.uid };
}
