// Unit checks of the pieces under the replica where the vectors cannot reach: JSON
// Python reads but vector files cannot hold (NaN), Python's string order and repr,
// lone surrogates, and the text edits of a note body.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as Y from "yjs";

import { HybridClock, decodeStamp, makeStamp } from "../src/clock.js";
import { ValidationError } from "../src/errors.js";
import { compareText, pyEqual, pyRepr, pyStrip, pyTruthy } from "../src/pyvalue.js";
import { groupEntries, parseEntry, resolveEntries } from "../src/registers.js";
import { normalizeFields } from "../src/schema.js";
import { applyTextDiff, textEdits } from "../src/text.js";

test("entry values: Python's NaN and Infinity are read, plain quoted text is taken as it is", () => {
  const nan = parseEntry("x|1|a", "NaN");
  assert.ok(nan && Number.isNaN(nan.value));
  assert.deepEqual(parseEntry("x|1|a", '[Infinity, "NaN", -Infinity, {"a": "Infinity"}]')?.value,
    [Infinity, "NaN", -Infinity, { a: "Infinity" }]);
  assert.equal(parseEntry("x|1|a", '"tab\there"')?.value, "tab\there"); // JSON.parse would refuse it
  assert.equal(parseEntry("x|1|a", '"a"b"'), null);
  assert.equal(parseEntry("x|1|a", "{"), null);
  assert.equal(parseEntry("x|1|a", 5), null);
  assert.equal(parseEntry("x|01|a", "1"), null);
  assert.equal(parseEntry("a|b|1|r", "1")?.field, "a|b");
  // NaN never equals itself: two NaN entries are a conflict, as in Python
  const resolved = resolveEntries("contact", "c1", groupEntries([["x|1|a", "NaN"], ["x|2|b", "NaN"]]));
  assert.equal(resolved.conflicts.length, 1);
});

test("Python's values: == across true and 1, truth, order by code point, repr, strip", () => {
  assert.ok(pyEqual(true, 1) && pyEqual([1, { a: false }], [true, { a: 0 }]) && !pyEqual("1", 1));
  assert.ok(!pyEqual({ a: 1 }, { a: 1, b: 2 }) && !pyEqual(null, 0));
  assert.deepEqual([null, 0, NaN, "", [], {}, false, "0", [0]].map(pyTruthy),
    [false, false, true, false, false, false, false, true, true]);
  assert.ok(compareText("\uffff", "😀") < 0); // JavaScript's < says the opposite
  assert.ok("\uffff" > "😀");
  assert.equal(pyRepr(["it's", 'say "hi"', "a'b\"c", 1.5, 1e-7, null, true, { k: "\n" }]),
    `["it's", 'say "hi"', 'a\\'b"c', 1.5, 1e-07, None, True, {'k': '\\n'}]`);
  assert.equal(pyStrip("\ufeff x \u0085\u001c"), "\ufeff x"); // Python keeps the BOM
});

test("lone surrogates are refused in every kind of text", () => {
  for (const fields of [{ first_name: "a\udc00" }, { Shoe: "\ud800" }, { custom: { ["\ud800"]: 1 } }]) {
    assert.throws(() => normalizeFields("contact", fields, { recordId: "c1" }), ValidationError);
  }
  assert.throws(() => normalizeFields("note", { text: "\ud800" }, { recordId: "n1" }),
    /note n1 field 'text': is not valid Unicode text/);
  assert.throws(() => normalizeFields("activity", { recur_spec: { "\udfff": 1 } }, { recordId: "a1" }),
    /must be plain JSON data/);
  assert.deepEqual(normalizeFields("contact", { first_name: "😀" }), { first_name: "😀" });
});

test("stamps past 2**53 stay exact; the clock borrows the next ms when its counter runs out", () => {
  const stamp = makeStamp(1_800_000_000_123, 65535);
  assert.equal(decodeStamp(stamp.toString(36)), stamp);
  assert.notEqual(Number(stamp) % 65536, 65535); // a Number could not hold it
  const clock = new HybridClock(stamp);
  assert.equal(clock.tick(1_800_000_000_000), makeStamp(1_800_000_000_124, 0));
});

test("a new note body becomes small edits that keep a concurrent edit elsewhere", () => {
  for (const [a, b] of [["kitten", "sitting"], ["", "new"], ["old", ""], ["a😀b", "a😁b"],
    ["The quick brown fox", "The slow brown dog"], ["same", "same"]]) {
    const chars = [...a];
    for (const [start, count, insert] of textEdits([...a], [...b])) chars.splice(start, count, ...insert);
    assert.equal(chars.join(""), b);
  }
  const one = new Y.Doc();
  const text = one.getText("t");
  text.insert(0, "Met at the fair.");
  const two = new Y.Doc();
  Y.applyUpdate(two, Y.encodeStateAsUpdate(one));
  two.getText("t").insert(0, "Ann: ");
  applyTextDiff(text, "Met at the trade fair. Wants a demo.");
  Y.applyUpdate(one, Y.encodeStateAsUpdate(two));
  assert.equal(text.toString(), "Ann: Met at the trade fair. Wants a demo.");
  const emoji = new Y.Doc().getText("t");
  emoji.insert(0, "a😀b😀c");
  applyTextDiff(emoji, "a😀x😀c");
  assert.equal(emoji.toString(), "a😀x😀c");
});
