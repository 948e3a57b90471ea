/** Follows `nextCursor` until the API says there is no more, for the list commands that show everything. */
export async function collect<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>,
  maxPages = 1000,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const result = await page(cursor);
    items.push(...result.items);
    if (result.nextCursor === undefined) break;
    cursor = result.nextCursor;
  }
  return items;
}
