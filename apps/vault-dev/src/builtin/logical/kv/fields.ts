/**
 * Field conversions the shared framework does not do the way Vault's does for
 * KV: duration fields where a JSON null means "not provided", and the
 * unsigned TypeDurationSecond's refusal of negative values.
 */
import { errorResponse } from '../../../sdk/errors.js';
import type { FieldData } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Response } from '../../../sdk/logical.js';

/**
 * A duration field's value in seconds, or undefined when absent. Vault's
 * FieldData treats a null duration as not provided (getPrimitive returns
 * ok=false for nil), unlike the other primitive types.
 */
export function getDurationOk(data: FieldData, name: string): number | undefined {
  const raw = data.raw[name];
  if (raw === undefined || raw === null) return undefined;
  return data.get<number>(name);
}

/**
 * Vault's FieldData.Validate for a TypeDurationSecond (unsigned) field:
 * a negative value fails validation before the handler runs.
 */
export function validateUnsignedDuration(data: FieldData, name: string): Response | null {
  const value = getDurationOk(data, name);
  if (value === undefined || value >= 0) return null;
  return errorResponse(
    `Field validation failed: error converting input for field ${goQuote(name)}: cannot provide negative value '${value}'`,
  );
}

/** Go's uint32(int) conversion, as Vault applies to max_versions. */
export const toUint32 = (n: number): number => n >>> 0;
