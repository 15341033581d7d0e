// The JavaScript folding against the vectors the Python engine wrote (tests/vectors/).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { makeFolder } from "../src/fold.js";

const read = (/** @type {string} */ path) =>
  JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"));
const schema = read("../src/schema.json");
const vectors = read("../../../tests/vectors/fold.json");

test("the vectors are there", () => {
  assert.ok(vectors.cases.length >= 40);
});

test("every text folds as the Python engine folds it", () => {
  const fold = makeFolder(schema.folding);
  const wrong = vectors.cases
    .map((/** @type {{text: string, folded: string, joined: string}} */ c) =>
      ({ ...c, got: fold(c.text) }))
    .filter((/** @type {{text: string, folded: string, joined: string, got: string[]}} */ c) => c.got[0] !== c.folded || c.got[1] !== c.joined);
  assert.deepEqual(wrong, []);
});

test("a change of rule changes the result (the check can fail)", () => {
  const fold = makeFolder({ ...schema.folding, letters: {} });
  assert.notEqual(fold("Øberg")[0], "oberg");
});
