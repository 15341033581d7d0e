// A whole new note body → the smallest character edits of the collaborative text
// (engine/text.py). Writing only what changed, rather than replacing the body, lets
// concurrent edits elsewhere in the same note survive the merge.

/** @typedef {import("yjs").Text} YText */

// Above this many cells the common subsequence of the changed middle is not searched:
// the middle is replaced whole (a body rewritten through and through anyway).
const MAX_CELLS = 4_000_000;

/**
 * The edits that turn `old` into `next`, as [start, deleteCount, insertText] in code
 * points of `old`, last first (so that applying them in order keeps offsets valid).
 * @param {string[]} old @param {string[]} next @returns {[number, number, string][]}
 */
export function textEdits(old, next) {
  let prefix = 0;
  const limit = Math.min(old.length, next.length);
  while (prefix < limit && old[prefix] === next[prefix]) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && old[old.length - 1 - suffix] === next[next.length - 1 - suffix]) suffix++;
  const a = old.slice(prefix, old.length - suffix);
  const b = next.slice(prefix, next.length - suffix);
  if (a.length === 0 && b.length === 0) return [];
  /** @type {[number, number, string][]} */
  const ops = [];
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_CELLS) {
    ops.push([prefix, a.length, b.join("")]);
    return ops;
  }
  // Longest common subsequence by dynamic programming, lengths of suffixes.
  const n = a.length;
  const m = b.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] = a[i] === b[j] ? table[(i + 1) * (m + 1) + j + 1] + 1
        : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  /** @type {[number, number, string][]} */
  const forward = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { i++; j++; continue; }
    const start = i;
    let inserted = "";
    while ((i < n || j < m) && !(i < n && j < m && a[i] === b[j])) {
      if (j >= m || (i < n && table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1])) i++;
      else inserted += b[j++];
    }
    forward.push([prefix + start, i - start, inserted]);
  }
  return forward.reverse();
}

/**
 * Edit `target` (inside a transaction) so that it reads `next`.
 * @param {YText} target @param {string} next
 */
export function applyTextDiff(target, next) {
  const oldText = target.toString();
  if (oldText === next) return;
  const old = [...oldText];
  // Y.Text counts UTF-16 units; the edits count code points.
  const units = new Uint32Array(old.length + 1);
  for (let k = 0; k < old.length; k++) units[k + 1] = units[k] + old[k].length;
  for (const [start, count, insert] of textEdits(old, [...next])) {
    const at = units[start];
    if (count > 0) target.delete(at, units[start + count] - at);
    if (insert) target.insert(at, insert);
  }
}
