/**
 * String-collection helpers with Vault's semantics (sdk/helper/strutil) and
 * Go's orderings.
 */

/** Go's string order (sort.Strings compares UTF-8 bytes); differs from UTF-16 order only above the BMP. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** strutil.RemoveDuplicates(items, lowercase=true): trimmed, lower-cased, empties dropped, de-duplicated, sorted. */
export function removeDuplicatesLower(items: readonly string[]): string[] {
  const set = new Set<string>();
  for (const raw of items) {
    const item = raw.trim().toLowerCase();
    if (item !== '') set.add(item);
  }
  return [...set].sort();
}

/** A copy with keys in sorted order, as Go's encoding/json writes a map. */
export function sortedRecord<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k] as T;
  return out;
}
