/**
 * `bound_service_account_namespace_selector`, after the plugin's
 * namespace_validator.go: a metav1.LabelSelector with `matchLabels` only
 * (match expressions are refused, as in the plugin), checked at login against
 * the labels of `GET {host}/api/v1/namespaces/<ns>` read with the reviewer
 * JWT.
 *
 * Difference from Vault: the selector must be JSON; the plugin also takes
 * the YAML form.
 */
import { kubeRequest, type KubeRequest } from './kube-client.js';

export type LabelSelector = Record<string, string>;

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) return false;
  }
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

function validLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}

/**
 * makeNsLabelSelector + LabelSelectorAsSelector: the selector's matchLabels,
 * or an Error with the reason it is unusable.
 */
export function parseNamespaceSelector(text: string): LabelSelector {
  if (text === '') throw new Error('namespace selector is empty');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('the namespace selector is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('the namespace selector is not a label selector object');
  }
  const selector = raw as Record<string, unknown>;
  if (selector['matchExpressions'] !== undefined && selector['matchExpressions'] !== null) {
    throw new Error('label selector match expressions are not supported');
  }
  const labels = selector['matchLabels'] ?? {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new Error('matchLabels is not an object');
  }
  const out: LabelSelector = {};
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string') throw new Error(`matchLabels ${JSON.stringify(key)} is not a string`);
    if (!validLabelKey(key)) throw new Error(`invalid label key ${JSON.stringify(key)}`);
    if (!validLabelValue(value)) throw new Error(`invalid label value ${JSON.stringify(value)}`);
    out[key] = value;
  }
  return out;
}

export interface NamespaceLookup {
  host: string;
  caCert: string;
  reviewerJwt: string;
}

/** validateLabels: whether the namespace's labels match; throws with the plugin's reason when it cannot tell. */
export async function namespaceMatches(
  target: NamespaceLookup,
  namespace: string,
  selectorText: string,
  send: (req: KubeRequest) => ReturnType<typeof kubeRequest> = kubeRequest,
): Promise<boolean> {
  const selector = parseNamespaceSelector(selectorText);
  if (target.reviewerJwt === '') {
    throw new Error('namespace lookup failed: TokenReviewer JWT needs to be configured to use namespace selectors');
  }
  const reply = await send({
    method: 'GET',
    host: target.host,
    // The name comes from a JWT not yet reviewed: escaped so it stays one path segment.
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
    bearer: target.reviewerJwt,
    caCert: target.caCert,
  });
  let body: unknown;
  try {
    body = JSON.parse(reply.body);
  } catch {
    if (reply.status !== 200) {
      throw new Error('failed to parse error status on namespace retrieval failure err=the reply is not JSON');
    }
    throw new Error('the namespace reply is not JSON');
  }
  const object = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (reply.status !== 200 && object['status'] !== 'Success') {
    const message = typeof object['message'] === 'string' ? object['message'] : '';
    throw new Error(`failed to get namespace (code ${reply.status} status ${message})`);
  }
  const metadata = object['metadata'];
  const labels =
    typeof metadata === 'object' && metadata !== null
      ? ((metadata as Record<string, unknown>)['labels'] as Record<string, unknown> | undefined)
      : undefined;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}
