// Names ordered with Intl.Collator against the order the Python engine's ICU keys give
// (tests/vectors/order.json): the fields joined with U+FFFE, as engine/collation.py does.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const vectors = JSON.parse(readFileSync(
  new URL("../../../tests/vectors/order.json", import.meta.url), "utf8"));

for (const [locale, expected] of Object.entries(vectors.orders)) {
  test(`${locale}: Intl.Collator orders the names as the Python engine does`, () => {
    const collator = new Intl.Collator(locale === "root" ? "und" : locale);
    const key = (/** @type {string[]} */ parts) => parts.join(vectors.separator);
    const got = [...expected].reverse()
      .sort((/** @type {string[]} */ a, /** @type {string[]} */ b) => collator.compare(key(a), key(b)));
    assert.deepEqual(got, expected);
  });
}

test("the locales order differently (the check can fail)", () => {
  assert.notDeepEqual(vectors.orders.root, vectors.orders.sv);
});
