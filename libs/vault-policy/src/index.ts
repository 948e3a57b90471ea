/**
 * @secret-api/vault-policy: the Vault objects of each app in each cluster
 * (product.md §3) as pure, deterministic functions, and plans of desired vs actual.
 */
export { CAPABILITIES, canonicalCapabilities, isCapability, type Capability } from './capabilities.js';
export { parseDurationSeconds } from './duration.js';
export {
  DYNAMIC_ROLE_KIND,
  attachmentProblems,
  pendingDynamicWrites,
  planDynamicRoles,
  renderDynamicRoles,
  validateNamespace,
  type ActualDynamicRoles,
  type AwsRoleBody,
  type DatabaseRoleBody,
  type DynamicAttachment,
  type DynamicRoleKind,
  type DynamicRoleSlot,
  type DynamicRoles,
  type DynamicWrite,
  type PkiRoleBody,
} from './dynamic.js';
export {
  InvalidNameError,
  ProfileAttachmentError,
  TemplateError,
  VaultPolicyError,
  type NameField,
  type NameProblem,
  type TemplateIssue,
} from './errors.js';
export { normalizeRules, renderPolicyHcl, type PolicyRule } from './hcl.js';
export { validateMountPath } from './mount-path.js';
export {
  NAME_MAX_LENGTH,
  RESERVED_APP_NAMES,
  objectNames,
  parseClusterName,
  roleName,
  validateAppName,
  validateCloudName,
  validateEnvName,
  type ClusterName,
  type ObjectNames,
} from './names.js';
export { MOUNT_PLACEHOLDERS, NAME_PLACEHOLDERS } from './placeholders.js';
export {
  isUpToDate,
  pendingWrites,
  planChanges,
  type ActualPolicy,
  type ActualVaultObjects,
  type ChangeAction,
  type ObjectKind,
  type PendingWrite,
  type Plan,
  type PlannedChange,
} from './plan.js';
export {
  DYNAMIC_ENGINES,
  PROFILE_NAME,
  domainPatternProblem,
  type AwsProfile,
  type DatabaseProfile,
  type DynamicEngine,
  type PkiProfile,
  type Profiles,
} from './profiles.js';
export {
  APPROLE_DEFAULTS,
  TOKEN_ROLE_DEFAULTS,
  renderVaultObjects,
  type AppRoleBody,
  type RenderOptions,
  type RenderedPolicy,
  type RenderedRole,
  type TokenRoleBody,
  type VaultObjects,
} from './render.js';
export {
  DEFAULT_TEMPLATE,
  PolicyTemplateSchema,
  parseTemplate,
  type PolicyTemplate,
  type PolicyTemplateInput,
  type RuleTemplate,
  type RuleTemplateInput,
} from './template.js';
export { loadTemplateFile } from './template-file.js';
