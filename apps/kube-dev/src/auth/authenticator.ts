/**
 * Bearer-token authentication: the admin token, or a service-account JWT that
 * still names a live ServiceAccount (and bound pod) with the same uid. Every
 * authenticated user may do everything: kube-dev has no RBAC.
 */
import type { KubeObject } from '../api/object.js';
import type { TokenIssuer } from './service-account-tokens.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface Authenticated {
  user: UserInfo;
  audiences: string[];
}

export type ObjectLookup = (
  resource: 'serviceaccounts' | 'pods' | 'secrets',
  namespace: string,
  name: string,
) => KubeObject | undefined;

export class Authenticator {
  constructor(
    private readonly adminToken: string,
    private readonly issuer: TokenIssuer,
    private readonly apiAudiences: string[],
    private readonly lookup: ObjectLookup,
  ) {}

  /** The user behind a token, checked against `audiences` (the API server's when empty). */
  async authenticate(
    token: string,
    audiences: string[] = [],
    now = new Date(),
  ): Promise<Authenticated | { error: string }> {
    const wanted = audiences.length > 0 ? audiences : this.apiAudiences;
    if (token === this.adminToken) {
      return {
        user: { username: 'kube-dev-admin', groups: ['system:masters', 'system:authenticated'] },
        audiences: wanted,
      };
    }
    const verified = await this.issuer.verify(token, now);
    if ('error' in verified) return verified;
    const { claims } = verified;
    const granted = claims.aud.filter((a) => wanted.includes(a));
    if (granted.length === 0)
      return {
        error:
          'token audiences ' +
          JSON.stringify(claims.aud) +
          ' is invalid for the target audiences ' +
          JSON.stringify(wanted),
      };
    const k8s = claims['kubernetes.io'];
    const sa = this.lookup('serviceaccounts', k8s.namespace, k8s.serviceaccount.name);
    if (!sa || sa.metadata.uid !== k8s.serviceaccount.uid) {
      return { error: `service account ${k8s.namespace}/${k8s.serviceaccount.name} has been deleted` };
    }
    const extra: Record<string, string[]> = {};
    if (k8s.pod) {
      const pod = this.lookup('pods', k8s.namespace, k8s.pod.name);
      if (!pod || pod.metadata.uid !== k8s.pod.uid)
        return { error: `pod ${k8s.namespace}/${k8s.pod.name} has been deleted` };
      extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
    }
    if (k8s.secret) {
      const secret = this.lookup('secrets', k8s.namespace, k8s.secret.name);
      if (!secret || secret.metadata.uid !== k8s.secret.uid)
        return { error: `secret ${k8s.namespace}/${k8s.secret.name} has been deleted` };
    }
    if (k8s.node) {
      extra['authentication.kubernetes.io/node-name'] = [k8s.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [k8s.node.uid];
    }
    extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
    return {
      user: {
        username: claims.sub,
        uid: k8s.serviceaccount.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${k8s.namespace}`, 'system:authenticated'],
        extra,
      },
      audiences: granted,
    };
  }
}
