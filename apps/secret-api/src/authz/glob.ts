/**
 * Deployer subject patterns: `*` matches any run of characters (including `/` and `:`), everything
 * else is literal. Matched by the classic two-pointer algorithm with single backtracking to the
 * last star, which is O(pattern × subject) in the worst case and needs no regular expression: a
 * pattern like `*a*a*a*a*ab` cannot make a request take seconds (a backtracking regex did).
 */

/** The longest pattern and subject we ever compare (the contract caps both at 512). */
export const MAX_GLOB_LENGTH = 512;

export function globMatches(pattern: string, subject: string): boolean {
  if (pattern.length > MAX_GLOB_LENGTH || subject.length > MAX_GLOB_LENGTH) return false;
  if (!pattern.includes('*')) return pattern === subject;
  let p = 0;
  let s = 0;
  let star = -1;
  let resume = 0;
  while (s < subject.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === subject[s]) {
      p++;
      s++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = s;
    } else if (star !== -1) {
      // The last star absorbs one more character; earlier stars never need revisiting.
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
