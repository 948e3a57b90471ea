/**
 * A response-wrapped SecretID for one pod. The API never sees the SecretID itself: Vault wraps it
 * (≤ 60 s, single unwrap), so only the pod that unwraps it can use it, and a second unwrap —
 * someone else got there first — is visible to the pod as a failure and in Vault's audit log.
 */
import type { TSecretIdBody, TSecretIdResponse } from '@secret-api/contract';
import { ApiError } from '../../http/api-error.js';
import { ensuredObjects, withEnsuredObject, type SecretIdDeps } from './ensured-objects.js';

export const SECRET_ID_WRAP_TTL = '60s';

export async function issueSecretId(
  deps: SecretIdDeps,
  app: string,
  cluster: string,
  body: TSecretIdBody,
  requestedBy: string,
): Promise<TSecretIdResponse> {
  const objects = await ensuredObjects(deps, app, cluster);
  // Becomes the metadata of the pod's token: Vault's audit log then ties every request to the pod.
  const metadata: Record<string, string> = { app, cluster, requested_by: requestedBy };
  if (body.metadata?.pod !== undefined) metadata['pod'] = body.metadata.pod;
  if (body.metadata?.namespace !== undefined) metadata['namespace'] = body.metadata.namespace;
  if (body.metadata?.uid !== undefined) metadata['pod_uid'] = body.metadata.uid;
  const result = await withEnsuredObject(deps, objects, 'approle', () =>
    deps.vault.write(
      `${objects.approle.path}/secret-id`,
      { metadata: JSON.stringify(metadata), ...(body.cidrList?.length ? { cidr_list: body.cidrList } : {}) },
      { wrapTTL: SECRET_ID_WRAP_TTL },
    ),
  );
  if (!result.wrapInfo) throw new ApiError('internal', 'Vault did not wrap the SecretID');
  deps.metrics.secretIdsIssued.inc({ kind: 'wrapped', cluster });
  return {
    wrappingToken: result.wrapInfo.token,
    ttl: result.wrapInfo.ttl,
    creationPath: result.wrapInfo.creation_path,
  };
}
