// The one change a note's box sends for each edit typed (app/text_change.js's
// textChange), counted in characters as the engine's editNoteText counts them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { rebase, textChange } from "../app/text_change.js";

test("an insert, a delete and a replacement are one change at their place", () => {
  assert.equal(textChange("same", "same"), null);
  assert.deepEqual(textChange("Call back", "Call me back"),
    { index: 5, delete: 0, insert: "me ", unitIndex: 5, unitDelta: 3 });
  assert.deepEqual(textChange("Call me back", "Call back"),
    { index: 5, delete: 3, insert: "", unitIndex: 5, unitDelta: -3 });
  assert.deepEqual(textChange("aXb", "aYb"), { index: 1, delete: 1, insert: "Y", unitIndex: 1, unitDelta: 0 });
  assert.deepEqual(textChange("", "new"), { index: 0, delete: 0, insert: "new", unitIndex: 0, unitDelta: 3 });
});

test("characters beyond 16 bits count once and are never split", () => {
  // 😀 is two UTF-16 units: the place after it is character 2, unit 3.
  assert.deepEqual(textChange("a😀b", "a😀Xb"), { index: 2, delete: 0, insert: "X", unitIndex: 3, unitDelta: 1 });
  // Two emoji sharing their high surrogate: the change is the whole character.
  assert.deepEqual(textChange("x😀", "x😁"), { index: 1, delete: 1, insert: "😁", unitIndex: 1, unitDelta: 0 });
  assert.deepEqual(textChange("😀y", "😁y"), { index: 0, delete: 1, insert: "😁", unitIndex: 0, unitDelta: 0 });
});

test("applying the change to the old text gives the new one", () => {
  const texts = ["", "a", "ab", "a😀b", "Jürgen 😀😁 Müller", "aaaa", "abab"];
  for (const before of texts) {
    for (const after of texts) {
      const change = textChange(before, after);
      if (change === null) {
        assert.equal(before, after);
        continue;
      }
      const chars = [...before];
      chars.splice(change.index, change.delete, ...change.insert);
      assert.equal(chars.join(""), after, `${before} → ${after}`);
    }
  }
});

/** Apply a change to a text, counting characters. @param {string} text @param {number} index @param {number} count @param {string} insert */
const splice = (text, index, count, insert) => {
  const chars = [...text];
  chars.splice(index, count, ...insert);
  return chars.join("");
};

test("a change typed on an older body lands where it was typed, past others' edits", () => {
  const base = "Order flour";
  const theirs = "Please: Order flour"; // the PC wrote at the start meanwhile
  const ours = textChange(base, "Order flour by Friday");
  assert.ok(ours);
  const moved = rebase(textChange(base, theirs), ours.index, ours.delete);
  assert.equal(splice(theirs, moved.index, moved.delete, ours.insert), "Please: Order flour by Friday");
  // Theirs after ours: ours stays where it was.
  const later = "Order flour (rye)";
  const front = textChange(base, "Big Order flour");
  assert.ok(front);
  const kept = rebase(textChange(base, later), front.index, front.delete);
  assert.equal(splice(later, kept.index, kept.delete, front.insert), "Big Order flour (rye)");
  // Nothing changed meanwhile: nothing moves.
  assert.deepEqual(rebase(null, 3, 2), { index: 3, delete: 2 });
});

test("where both changed the same letters, nothing is taken out twice and both inserts stay", () => {
  const base = "abcdef";
  const theirs = "abXYef"; // they replaced "cd"
  const moved = rebase(textChange(base, theirs), 1, 4); // we replaced "bcde" …
  assert.equal(splice(theirs, moved.index, moved.delete, "Z"), "abXYZf"); // … by "Z"
});
