import { z } from 'zod';
import { ZAppClusterParams } from './approle.js';
import { route } from './route.js';

/** Seconds. */
export const ZTtlSeconds = z.number().int().min(0);

export const ZSecretIdTokenResponse = z.object({
  token: z.string(),
  ttl: ZTtlSeconds,
  policies: z.array(z.string()),
});
export type TSecretIdTokenResponse = z.infer<typeof ZSecretIdTokenResponse>;

export const ZCidr = z.union([z.cidrv4(), z.cidrv6()], { error: 'must be an IPv4 or IPv6 CIDR block' });

export const ZSecretIdBody = z.strictObject({
  cidrList: z.array(ZCidr).max(16, 'cidrList must have at most 16 items').optional(),
  metadata: z
    .strictObject({
      /** Kubernetes pod name (DNS subdomain). */
      pod: z
        .string()
        .max(253, 'pod must be at most 253 characters')
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'pod must be a Kubernetes pod name')
        .optional(),
      /** Kubernetes namespace (DNS label). */
      namespace: z
        .string()
        .max(63, 'namespace must be at most 63 characters')
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'namespace must be a Kubernetes namespace name')
        .optional(),
      /** Kubernetes pod uid: tells apart two pods that had the same name. */
      uid: z
        .string()
        .max(64, 'uid must be at most 64 characters')
        .regex(/^[0-9a-f-]+$/, 'uid must be a Kubernetes uid')
        .optional(),
    })
    .optional(),
});
export type TSecretIdBody = z.infer<typeof ZSecretIdBody>;

export const ZSecretIdResponse = z.object({
  wrappingToken: z.string(),
  ttl: ZTtlSeconds,
  creationPath: z.string(),
});
export type TSecretIdResponse = z.infer<typeof ZSecretIdResponse>;

const CONTROLLER = 'the controller of the cluster (a subject listed on it), for an app ensured there; no one else';

export const secretIdTokenRoute = route({
  id: 'createSecretIdToken',
  method: 'POST',
  path: '/v1/apps/:app/clusters/:cluster/secret-id-token',
  summary: "A short-lived, few-use Vault token from the app's token role",
  tag: 'secret-id',
  roles: CONTROLLER,
  auth: true,
  params: ZAppClusterParams,
  responses: { 201: ZSecretIdTokenResponse },
});

export const secretIdRoute = route({
  id: 'createSecretId',
  method: 'POST',
  path: '/v1/apps/:app/clusters/:cluster/secret-id',
  summary: 'A response-wrapped SecretID, optionally CIDR-bound and tagged with pod metadata',
  tag: 'secret-id',
  roles: CONTROLLER,
  auth: true,
  params: ZAppClusterParams,
  body: ZSecretIdBody,
  bodyRequired: false,
  responses: { 201: ZSecretIdResponse },
});

export const secretIdRoutes = [secretIdTokenRoute, secretIdRoute] as const;
