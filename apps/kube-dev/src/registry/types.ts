/** What the server knows about each resource it serves: discovery, URLs, selectors and write rules. */
import type { KubeObject } from '../api/object.js';

export interface FieldCause {
  field: string;
  type: string;
  detail: string;
}

export interface SubresourceDef {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface WriteContext {
  /** Read access to the rest of the store, for admission checks (pods need their ServiceAccount). */
  lookup(resource: string, group: string, namespace: string | undefined, name: string): KubeObject | undefined;
  now: Date;
}

export interface ResourceDef {
  group: string;
  version: string;
  /** Plural, lowercase: `pods`. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  subresources: SubresourceDef[];
  nameRule: 'label' | 'subdomain';
  /** Field selector keys beyond metadata.name/metadata.namespace. */
  fields?: Record<string, (obj: KubeObject) => string | undefined>;
  /** Writes to the main resource keep the stored status; only `/status` changes it. */
  hasStatus?: boolean;
  /** metadata.generation is 1 at create and +1 for each spec change. */
  tracksGeneration?: boolean;
  /** Lease: a PUT may create the object, and a PUT without resourceVersion is invalid. */
  leaseLikeUpdate?: boolean;
  /** Pods answer DELETE with the object; most resources with a Status. */
  returnDeletedObject?: boolean;
  /** Defaults and server-owned fields for a new object (status reset...). */
  prepareForCreate?(obj: KubeObject, ctx: WriteContext): void;
  /** Field problems of the object about to be stored (old is set for updates). */
  validate?(obj: KubeObject, old: KubeObject | undefined): FieldCause[];
  /** Admission: cross-object checks that throw a StatusError (403/404). */
  admit?(obj: KubeObject, ctx: WriteContext): void;
}

export function apiVersionOf(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** The key the store and watchers use for a resource: `apps/deployments`, `/pods`. */
export function groupResource(def: Pick<ResourceDef, 'group' | 'resource'>): string {
  return `${def.group}/${def.resource}`;
}

export const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
