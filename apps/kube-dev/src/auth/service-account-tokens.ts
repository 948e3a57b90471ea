/**
 * The service-account token issuer (pkg/serviceaccount): RS256 JWTs whose `kid`
 * is the base64url SHA-256 of the PKIX public key, bound to a pod or secret when
 * asked, and the checks the server makes when one is used.
 */
import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { exportJWK, jwtVerify, SignJWT, type JWK } from 'jose';

export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export interface IssueRequest {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  bound?: BoundObject;
  node?: { name: string; uid: string };
  now: Date;
}

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
    secret?: { name: string; uid: string };
    node?: { name: string; uid: string };
  };
}

export class TokenIssuer {
  readonly kid: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(readonly issuer: string) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.kid = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url');
  }

  async issue(req: IssueRequest): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(req.now.getTime() / 1000);
    const exp = iat + req.expirationSeconds;
    const k8s: ServiceAccountClaims['kubernetes.io'] = {
      namespace: req.namespace,
      serviceaccount: { name: req.serviceAccount.name, uid: req.serviceAccount.uid },
    };
    if (req.bound?.kind === 'Pod') {
      k8s.pod = { name: req.bound.name, uid: req.bound.uid };
      if (req.node) k8s.node = req.node;
    }
    if (req.bound?.kind === 'Secret') k8s.secret = { name: req.bound.name, uid: req.bound.uid };
    if (req.bound?.kind === 'Node') k8s.node = { name: req.bound.name, uid: req.bound.uid };
    const token = await new SignJWT({ 'kubernetes.io': k8s })
      .setProtectedHeader({ alg: 'RS256', kid: this.kid })
      .setIssuer(this.issuer)
      .setSubject(`system:serviceaccount:${req.namespace}:${req.serviceAccount.name}`)
      .setAudience(req.audiences)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Verifies signature, issuer and times; returns the claims or a reason. */
  async verify(token: string, now: Date): Promise<{ claims: ServiceAccountClaims } | { error: string }> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        algorithms: ['RS256'],
        currentDate: now,
      });
      const claims = payload as unknown as ServiceAccountClaims;
      if (!claims['kubernetes.io']?.serviceaccount) return { error: 'token lacks the kubernetes.io claim' };
      if (typeof claims.aud === 'string') claims.aud = [claims.aud];
      return { claims };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') return { error: 'service account token has expired' };
      return { error: 'invalid bearer token' };
    }
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const jwk = await exportJWK(this.publicKey);
    return { keys: [{ use: 'sig', kty: 'RSA', kid: this.kid, alg: 'RS256', n: jwk.n as string, e: jwk.e as string }] };
  }
}
