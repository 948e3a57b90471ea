/** problem+json as the contract defines it: what the client needs to read any error (see README.md here). */
export { errorCodeFromType, parseProblem } from '@secret-api/contract';
