// The web engine against the vectors the Python engine wrote (tests/vectors/make_model.py):
// stamps and clocks, normalisation and its error messages, resolution of entries into
// records, conflicts and rows, and whole scenarios of Python replicas' updates applied to
// a WebReplica, which must then show what a Python replica given the same updates shows.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { HybridClock, decodeStamp, encodeStamp, makeStamp, MAX_SKEW_MS } from "../src/clock.js";
import { ValidationError } from "../src/errors.js";
import { conflictDict, groupEntries, resolveEntries } from "../src/registers.js";
import { WebReplica } from "../src/replica.js";
import { buildRow } from "../src/rows.js";
import { KINDS, normalizeFields, normalizeValue } from "../src/schema.js";
import { TestStorage } from "./support/memory_storage.js";

/** @param {string} name @returns {any} */
const vectors = (name) =>
  JSON.parse(readFileSync(new URL(`../../../tests/vectors/${name}`, import.meta.url), "utf8"));

/** A row as the vectors write it: stamps as decimal text (JSON numbers lose them).
 * @param {import("../src/storage/types.js").Row} row */
const comparable = (row) => ({
  ...row, updated: String(row.updated),
  conflicts: row.conflicts.map((c) => ({ ...c, stamp: String(c.stamp) })),
});

/** @param {string} hex */
const bytes = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));

/** What a call gives: its value, or the error's message and field. @param {() => unknown} run */
function outcome(run) {
  try {
    return { ok: run() };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { error: error.message, field: error.field };
  }
}

test("stamps are made, written and read as the Python engine does", () => {
  const { encode, decode, max_skew_ms: skew } = vectors("stamps.json");
  assert.equal(MAX_SKEW_MS, skew);
  assert.ok(encode.length >= 8 && decode.length >= 15);
  for (const c of encode) {
    const stamp = makeStamp(c.wall, c.counter);
    assert.equal(stamp.toString(), c.stamp);
    assert.equal(encodeStamp(stamp), c.text);
    assert.equal(decodeStamp(c.text), stamp);
  }
  for (const c of decode) assert.equal(decodeStamp(c.text)?.toString() ?? null, c.stamp, c.text);
});

test("the hybrid clock ticks, bounds and observes as the Python one", () => {
  for (const run of vectors("stamps.json").clocks) {
    const clock = new HybridClock();
    const after = run.ops.map((/** @type {[string, number | string]} */ [op, arg]) => {
      if (op === "tick") clock.tick(Number(arg));
      else if (op === "bound") clock.bound(Number(arg));
      else clock.observe(BigInt(arg));
      return clock.last.toString();
    });
    assert.deepEqual(after, run.last, JSON.stringify(run.ops));
  }
});

test("every value normalises, or is refused with the same message, as in Python", () => {
  const { values } = vectors("normalize.json");
  assert.ok(values.length > 150);
  const wrong = [];
  for (const c of values) {
    const got = outcome(() => normalizeValue(c.field, KINDS[c.kind].fields[c.field], c.value,
      { kind: c.kind, recordId: "r1" }));
    const want = "ok" in c ? { ok: c.ok } : { error: c.error, field: c.field };
    try {
      assert.deepStrictEqual(got, want);
    } catch {
      wrong.push({ kind: c.kind, field: c.field, value: c.value, want, got });
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(values.some((/** @type {any} */ c) => "error" in c) && values.some((/** @type {any} */ c) => "ok" in c));
});

test("whole field sets normalise as in Python (custom fields, names you cannot set)", () => {
  for (const c of vectors("normalize.json").fields) {
    const got = outcome(() => normalizeFields(c.kind, c.fields, { recordId: c.record_id }));
    assert.deepStrictEqual(got, "ok" in c ? { ok: c.ok } : { error: c.error, field: c.field },
      JSON.stringify(c.fields).slice(0, 200));
  }
});

test("entries resolve to the same record, conflicts and row", () => {
  const { cases } = vectors("resolve.json");
  assert.ok(cases.length > 150);
  for (const c of cases) {
    const grouped = groupEntries(Object.entries(c.entries));
    const resolved = resolveEntries(c.kind, c.id, grouped, c.text);
    const label = `${c.kind} ${c.id}`;
    assert.deepStrictEqual(resolved.data, c.data, label);
    assert.equal(resolved.deleted, c.deleted, label);
    assert.equal(encodeStamp(resolved.updated), c.updated, label);
    assert.equal(resolved.updatedBy, c.updated_by, label);
    assert.deepStrictEqual(resolved.conflicts.map((k) => ({ ...conflictDict(k), stamp: encodeStamp(k.stamp) })),
      c.conflicts, label);
    assert.deepStrictEqual(comparable(buildRow(resolved)), c.row, label);
  }
});

for (const scenario of vectors("scenarios.json").scenarios) {
  test(`scenario: ${scenario.name}`, async () => {
    const replica = await WebReplica.open(new TestStorage(),
      { clock: () => 1_800_000_000_000, replicaId: "observer", clientId: 999 });
    assert.ok(scenario.steps.length >= 5);
    for (const step of scenario.steps) {
      await replica.applyRemote(step.updates.map(bytes));
      assert.equal(replica.missing(), step.missing, `${step.note}: missing`);
      for (const kind of Object.keys(KINDS)) {
        const rows = replica.rows(kind).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        assert.deepStrictEqual(rows.map(comparable), step.rows[kind], `${step.note}: ${kind} rows`);
        /** @type {Record<string, unknown>} */
        const records = {};
        for (const row of rows) records[row.id] = replica.get(kind, row.id, { includeDeleted: true });
        assert.deepStrictEqual(records, step.records[kind], `${step.note}: ${kind} records`);
        assert.deepStrictEqual(replica.list(kind).map((r) => r.id), step.lists[kind],
          `${step.note}: ${kind} list order`);
      }
      assert.deepStrictEqual(replica.conflicts().map((c) => ({ ...c, stamp: String(c.stamp) })),
        step.conflicts, `${step.note}: conflicts`);
    }
  });
}

for (const run of vectors("edits.json").runs) {
  test(`edits write the entries the Python engine writes: ${run.name}`, async () => {
    let now = 1_800_000_000_000;
    const replica = await WebReplica.open(new TestStorage(),
      { clock: () => now, replicaId: "me", clientId: 5 });
    for (const [action, ...args] of run.ops) {
      if (action === "clock") now = args[0];
      else if (action === "apply") await replica.applyRemote([bytes(args[0])]);
      else if (action === "create") await replica.create(args[0], args[1], { id: args[2] });
      else if (action === "update") await replica.update(args[0], args[1], args[2]);
      else if (action === "delete") await replica.delete(args[0], args[1]);
      else if (action === "restore") await replica.restore(args[0], args[1]);
      else if (action === "resolve") await replica.resolve(args[0], args[1], args[2], args[3]);
      else if (action === "add_to_group") await replica.addToGroup(args[0], args[1]);
      else if (action === "remove_from_group") await replica.removeFromGroup(args[0], args[1]);
      else if (action === "edit_note_text") {
        await replica.editNoteText(args[0], args[1], { insert: args[2], delete: args[3] });
      } else if (action === "meet_time") await replica.meetTime(args[0]);
      else if (action === "acknowledge") {
        const outbox = await replica.outbox();
        await replica.acknowledge(outbox[outbox.length - 1][0]);
      } else assert.fail(`unknown op ${action}`);
    }
    /** @type {Record<string, Record<string, Record<string, string>>>} */
    const entries = {};
    /** @type {Record<string, Record<string, unknown>>} */
    const records = {};
    for (const [kind, spec] of Object.entries(KINDS)) {
      entries[kind] = {};
      records[kind] = {};
      for (const [id, record] of replica.doc.getMap(spec.root).entries()) {
        entries[kind][id] = Object.fromEntries([...record.entries()].map(([k, v]) => [k, String(v)]));
        records[kind][id] = replica.get(kind, id, { includeDeleted: true });
      }
    }
    assert.deepStrictEqual(entries, run.entries);
    assert.deepStrictEqual(records, run.records);
    assert.equal(replica.timeOffset, run.offset);
    assert.equal(replica.restamped, run.restamped);
    assert.equal(replica.clock.last.toString(), run.clock);
  });
}
