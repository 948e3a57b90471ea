/** The error every service throws for an expected failure; the error middleware turns it into problem+json. */
import type { TErrorCode, TProblemFieldError } from '@secret-api/contract';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: TErrorCode,
    /** Shown to the client: must name what is wrong and never carry a secret. */
    readonly detail: string,
    readonly options: { errors?: TProblemFieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
  }
}

export const notFound = (detail: string) => new ApiError('not_found', detail);
export const forbidden = (detail: string) => new ApiError('forbidden', detail);
export const conflict = (detail: string) => new ApiError('conflict', detail);
