// The groups-source module as the verifier and the config use it.
export { DIRECTORY_GROUP_READONLY_SCOPE, GROUPS_SOURCE_DEFAULTS, ZGroupsSource } from './config.js';
export type { TGroupsSource, TGroupsSourceInput } from './config.js';
export { createGroupsSource, GroupsUnavailableError } from './groups-source.js';
export type { GroupsSource, GroupsSourceDeps, GroupsUser } from './groups-source.js';
export { ServiceAccountKeyError } from './service-account-key.js';
