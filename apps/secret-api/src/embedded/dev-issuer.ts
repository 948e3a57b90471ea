/** The embedded stack's dev JWT issuer: who it is, and the admin it mints a token for at every start. */
export const DEV_ISSUER = 'http://127.0.0.1/secret-api-dev-issuer';
export const DEV_AUDIENCE = 'secret-api';
export const DEV_ADMIN_SUBJECT = 'dev-admin@localhost';
export const DEV_ADMIN_GROUP = 'secret-api-admins';
/** Long enough for a working day with the pasted exports, short enough that a leaked one soon stops mattering. */
export const DEV_ADMIN_TOKEN_TTL_SECONDS = 12 * 3600;
