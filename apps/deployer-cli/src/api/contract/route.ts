/** How the contract builds a route's path from its params (see README.md here). */
export { UnsafePathSegmentError, buildPath } from '@secret-api/contract';
