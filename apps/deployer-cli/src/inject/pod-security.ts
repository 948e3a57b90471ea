/**
 * Who may read what secret-init writes (issue 14). secret-init and secret-refresh run as one fixed non-root user;
 * the app's containers run as whoever the manifest (or their image) says. What joins them is the pod's `fsGroup`:
 * the kubelet makes the in-memory volumes group-owned by it (setgid, so everything secret-init creates there
 * inherits the group) and adds it to the supplemental groups of every container in the pod. secret-init writes
 * the rendered files and the env file group-readable (0640, directories 0750), so any app container reads them
 * whatever its uid, and nobody outside the pod's group does. The lease directory (the Vault token) stays 0700/0600
 * and is mounted only into secret-init and secret-refresh, which share the uid for that reason.
 *
 * A manifest's own choice is kept: an fsGroup it sets is the group the files get, and its runAsUser/runAsGroup
 * apply to its containers only (ours set their own at container level). Only a pod where no group can work is an
 * error.
 */
import { isObject } from './manifests.js';

/**
 * The uid and gid of secret-init and secret-refresh: `node` (1000:1000) in their images (apps/secret-init and
 * apps/secret-refresh Dockerfiles). Numeric, because the kubelet cannot check `runAsNonRoot` against a user name.
 */
export const INJECTED_USER = { runAsUser: 1000, runAsGroup: 1000 } as const;

/** The pod's fsGroup when the manifest sets none: the injected containers' own group. */
export const DEFAULT_FS_GROUP = INJECTED_USER.runAsGroup;

export interface PodSecurity {
  fsGroup: number;
  /** The manifest had set it (kept) rather than injection adding it. */
  kept: boolean;
}

function podSecurityContext(spec: Record<string, unknown>): Record<string, unknown> | undefined {
  return isObject(spec['securityContext']) ? spec['securityContext'] : undefined;
}

/** Why no fsGroup can make the app's containers able to read secret-init's files in this pod spec, if so. */
export function podSecurityProblems(spec: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const os = isObject(spec['os']) ? spec['os']['name'] : undefined;
  if (os === 'windows') {
    problems.push('it is a Windows pod (os.name: windows): secret-init runs on Linux and needs a pod fsGroup');
  }
  const fsGroup = podSecurityContext(spec)?.['fsGroup'];
  if (fsGroup === undefined || fsGroup === null) return problems;
  if (typeof fsGroup !== 'number' || !Number.isInteger(fsGroup) || fsGroup < 0) {
    problems.push(`its pod securityContext.fsGroup ${JSON.stringify(fsGroup)} is not a group id`);
  } else if (fsGroup === 0) {
    problems.push(
      "its pod securityContext.fsGroup is 0: the app's secrets would belong to the root group of every " +
        `container; set a non-zero fsGroup, or none for ${DEFAULT_FS_GROUP}`,
    );
  }
  return problems;
}

/**
 * Gives the pod spec an fsGroup when it has none (call after {@link podSecurityProblems} found nothing), and says
 * which one the pod now has.
 */
export function ensureFsGroup(spec: Record<string, unknown>): PodSecurity {
  const existing = podSecurityContext(spec);
  const fsGroup = existing?.['fsGroup'];
  if (typeof fsGroup === 'number') return { fsGroup, kept: true };
  spec['securityContext'] = { ...existing, fsGroup: DEFAULT_FS_GROUP };
  return { fsGroup: DEFAULT_FS_GROUP, kept: false };
}
