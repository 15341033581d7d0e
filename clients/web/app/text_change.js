// A note's body edited in a box while others edit it too: the one change that turns one
// text into another, and that change moved past what others changed meanwhile.
//
// The box (screens/app.js) sends each change typed at once, with the body it was made on.
// The engine's body may already hold others' edits the box has not shown yet; `rebase`
// moves the change past them, so that it lands where it was typed. Places count
// characters (code points), as the engine's editNoteText does.

/**
 * The one change that turns `before` into `after`: where (in characters), how many
 * characters go and what comes in; null if they are equal. Also where it is in UTF-16
 * units and how much it moves what follows, for a caret.
 * @param {string} before @param {string} after
 */
export function textChange(before, after) {
  if (before === after) return null;
  let head = 0;
  const most = Math.min(before.length, after.length);
  while (head < most && before.charCodeAt(head) === after.charCodeAt(head)) head++;
  if (head > 0 && isHighSurrogate(before.charCodeAt(head - 1))) head--; // whole characters
  let tail = 0;
  while (tail < most - head &&
    before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  if (tail > 0 && isLowSurrogate(before.charCodeAt(before.length - tail))) tail--;
  const removed = before.slice(head, before.length - tail);
  const insert = after.slice(head, after.length - tail);
  return { index: [...before.slice(0, head)].length, delete: [...removed].length, insert,
    unitIndex: head, unitDelta: insert.length - removed.length };
}

/**
 * Where a change made at `index`, deleting `count` characters, lands once `other` (a
 * change made meanwhile on the same body, or null) is in: unmoved when it lies wholly
 * before `other`, moved by what `other` added and took out when it lies after. Where
 * the two overlap (both changed the same letters at once, which one splice cannot
 * express exactly) it goes right after what `other` put in and takes out only what of
 * its own lay beyond `other`: nothing is taken out twice, and nobody's insert is lost.
 * @param {{ index: number, delete: number, insert: string } | null} other
 * @param {number} index @param {number} count
 * @returns {{ index: number, delete: number }}
 */
export function rebase(other, index, count) {
  if (other === null) return { index, delete: count };
  const start = other.index;
  const end = other.index + other.delete;
  const added = [...other.insert].length;
  if (index + count <= start) return { index, delete: count };
  if (index >= end) return { index: index + added - other.delete, delete: count };
  return { index: start + added, delete: Math.max(0, index + count - end) };
}

const isHighSurrogate = (/** @type {number} */ unit) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (/** @type {number} */ unit) => unit >= 0xdc00 && unit <= 0xdfff;
