// The storage conformance suite: one set of tests run against both implementations of
// src/storage/types.js's Storage (memory, and IndexedDB on fake-indexeddb), as
// tests/engine/test_store_conformance.py does for the Python stores; then what only the
// IndexedDB storage has: reopening, opening without writing, versions, values in the
// database that this code did not write, a full quota.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { IDBFactory, IDBObjectStore } from "fake-indexeddb";

import { StorageError } from "../src/storage/errors.js";
import { DATABASE_VERSION, IndexedDbStorage } from "../src/storage/indexeddb.js";
import { MemoryStorage } from "../src/storage/memory.js";

/** @typedef {import("../src/storage/types.js").Storage} Storage */
/** @typedef {import("../src/storage/types.js").Row} Row */

const NAME = "replica-1";
const bytes = (/** @type {string} */ text) => new TextEncoder().encode(text);

/**
 * A storage under test. `putsDuring` counts the IndexedDB put() calls a function makes
 * (null for the memory storage, which writes nothing before a commit is checked and copied).
 * @typedef {{ storage: Storage, putsDuring: ((run: () => Promise<unknown>) => Promise<number>) | null }} Made
 */

/** @type {Record<string, () => Promise<Made>>} */
const IMPLEMENTATIONS = {
  memory: async () => ({ storage: new MemoryStorage(), putsDuring: null }),
  indexeddb: async () => ({
    storage: await IndexedDbStorage.open(NAME, { indexedDB: new IDBFactory() }),
    putsDuring,
  }),
};

/**
 * A row with every column, `fields` replacing some.
 * @param {string} kind
 * @param {string} id
 * @param {Partial<Row>} [fields]
 * @returns {Row}
 */
function row(kind, id, fields = {}) {
  return {
    kind, id, deleted: false, updated: 1n, updated_by: "a", data: { id }, search: "",
    sort_fields: "", sort_tail: "", company_id: null, company: null, links: [], conflicts: [],
    ...fields,
  };
}

/**
 * A conflict as engine/rows.py makes them.
 * @param {string} field
 * @param {unknown} value
 * @param {number} stamp
 * @param {string} [replica]
 */
function conflict(field, value, stamp, replica = "b") {
  return { kind: "contact", record_id: "c1", field, value, replica, stamp, current: "now" };
}

/** @param {Uint8Array} update */
const text = (update) => new TextDecoder().decode(update);

/**
 * Everything a storage shows through its interface, to compare before and after.
 * @param {Storage} storage
 */
async function everything(storage) {
  return {
    loaded: await storage.load(),
    stats: await storage.stats(),
    outbox: await storage.outbox(),
    contacts: await storage.rows("contact"),
    groups: await storage.rows("group"),
  };
}

/**
 * Assert that `promise` rejects with a StorageError of this reason whose message matches.
 * @param {Promise<unknown>} promise
 * @param {string} reason
 * @param {RegExp} message
 */
async function rejects(promise, reason, message) {
  await assert.rejects(promise, (/** @type {unknown} */ error) => {
    assert.ok(error instanceof StorageError, `not a StorageError: ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    assert.match(error.message, message);
    return true;
  });
}

for (const [implementation, make] of Object.entries(IMPLEMENTATIONS)) {
  describe(`${implementation} storage`, () => {
    test("a new storage is empty", async () => {
      const { storage } = await make();
      assert.deepEqual(await storage.load(), { snapshot: null, snapshotSeq: 0, log: [], meta: {} });
      assert.deepEqual(await storage.stats(),
        { logEntries: 0, logBytes: 0, snapshotBytes: 0, outbox: 0, records: 0 });
      assert.deepEqual(await storage.outbox(), []);
      assert.deepEqual(await storage.rows("contact"), []);
      assert.deepEqual(await storage.getRows("contact", ["c1"]), new Map());
    });

    test("a commit appends to the log and its local updates to the outbox", async () => {
      const { storage } = await make();
      const seqs = await storage.commit({
        updates: [{ update: bytes("u1"), origin: "local", atMs: 10 },
          { update: bytes("u22"), origin: "remote", atMs: 11 },
          { update: bytes("u3"), origin: "local", atMs: 12 }],
        meta: { replica_id: "a", clock: "5" },
      });
      assert.deepEqual(seqs, [1, 2, 3]);
      const loaded = await storage.load();
      assert.deepEqual(loaded.log, [
        { seq: 1, update: bytes("u1"), origin: "local", atMs: 10 },
        { seq: 2, update: bytes("u22"), origin: "remote", atMs: 11 },
        { seq: 3, update: bytes("u3"), origin: "local", atMs: 12 }]);
      assert.deepEqual(await storage.outbox(), [
        { seq: 1, update: bytes("u1"), origin: "local", atMs: 10 },
        { seq: 3, update: bytes("u3"), origin: "local", atMs: 12 }]);
      assert.deepEqual(await storage.commit({
        updates: [{ update: bytes("u4"), origin: "local", atMs: 13 }], meta: { clock: "6" },
      }), [4]);
      const again = await storage.load();
      assert.deepEqual(again.log.map((e) => e.seq), [1, 2, 3, 4]);
      assert.deepEqual(again.meta, { replica_id: "a", clock: "6" });
      assert.deepEqual(await storage.stats(),
        { logEntries: 4, logBytes: 9, snapshotBytes: 0, outbox: 3, records: 0 });
    });

    test("commits made at once get seqs in the order they were made", async () => {
      const { storage } = await make();
      const made = await Promise.all(["a", "b", "c"].map((name) => storage.commit({
        updates: [{ update: bytes(name), origin: "local", atMs: 1 },
          { update: bytes(name), origin: "remote", atMs: 1 }],
      })));
      assert.deepEqual(made, [[1, 2], [3, 4], [5, 6]]);
      assert.deepEqual((await storage.load()).log.map((e) => `${e.seq}${text(e.update)}`),
        ["1a", "2a", "3b", "4b", "5c", "6c"]);
    });

    test("a commit of nothing writes nothing", async () => {
      const { storage } = await make();
      const before = await everything(storage);
      assert.deepEqual(await storage.commit({}), []);
      assert.deepEqual(await storage.commit({ updates: [], rows: [], meta: {}, snapshot: null }), []);
      assert.deepEqual(await everything(storage), before);
    });

    test("a commit that fails half-way writes nothing", async () => {
      const { storage, putsDuring } = await make();
      await storage.commit({ updates: [{ update: bytes("u1"), origin: "local", atMs: 1 }],
        rows: [row("contact", "c1")], meta: { clock: "1" } });
      const before = { ...await everything(storage),
        rows: await storage.getRows("contact", ["c1", "c2"]) };
      // Every field of this row has the right type, so the commit's checks pass; but its
      // data holds a function, which neither structuredClone nor IndexedDB can store. The
      // IndexedDB storage finds out in put(), after the log, outbox and c1 writes were made.
      const bad = row("contact", "c2", { data: { id: "c2", x: () => 1 } });
      const failing = () => storage.commit({
        updates: [{ update: bytes("u2"), origin: "local", atMs: 2 }],
        rows: [row("contact", "c1", { updated: 9n }), bad], meta: { clock: "2" },
      });
      if (putsDuring === null) {
        await rejects(failing(), "invalid", /commit\.rows\[1\] \(contact "c2"\) cannot be stored/);
      } else {
        const puts = await putsDuring(() => rejects(failing(), "invalid",
          /commit\.rows\[1\] \(contact "c2"\) cannot be stored: DataCloneError/));
        assert.ok(puts >= 4, `only ${puts} writes were made before the failure`);
      }
      assert.deepEqual({ ...await everything(storage),
        rows: await storage.getRows("contact", ["c1", "c2"]) }, before);
      // No seq was used up.
      assert.deepEqual(await storage.commit({
        updates: [{ update: bytes("u3"), origin: "local", atMs: 3 }] }), [2]);
    });

    test("bad input gets a clear error and changes nothing", async () => {
      const { storage } = await make();
      await storage.commit({ updates: [{ update: bytes("u1"), origin: "local", atMs: 1 },
        { update: bytes("u2"), origin: "remote", atMs: 2 }],
      rows: [row("contact", "c1")], meta: { clock: "1" } });
      await storage.compact(bytes("SNAP"), 1);
      const u = { update: bytes("u"), origin: "local", atMs: 3 };
      /** @type {[string, () => Promise<unknown>, RegExp][]} */
      const cases = [
        ["a commit that is not an object", () => storage.commit(/** @type {any} */ (null)),
          /a commit must be a plain object, not null/],
        ["a commit with a misspelt field", () => storage.commit(/** @type {any} */ ({ row: [] })),
          /a commit has no field "row"/],
        ["updates that are not a list", () => storage.commit(/** @type {any} */ ({ updates: u })),
          /commit\.updates must be a list/],
        ["an update that is text", () => storage.commit(/** @type {any} */ (
          { updates: [u, { ...u, update: "u" }] })),
        /commit\.updates\[1\] cannot be stored: its update is "u", not bytes/],
        ["an update without an origin", () => storage.commit(/** @type {any} */ (
          { updates: [{ update: bytes("u"), atMs: 3 }] })),
        /commit\.updates\[0\] cannot be stored: it has no origin/],
        ["an update with an empty origin", () => storage.commit({ updates: [{ ...u, origin: "" }] }),
          /its origin is "", not non-empty text/],
        ["a time that is not whole", () => storage.commit({ updates: [{ ...u, atMs: 1.5 }] }),
          /its atMs is number 1.5, not a whole number of milliseconds/],
        ["a row without a column", () => {
          const { sort_fields: _, ...partial } = row("contact", "c2");
          return storage.commit({ rows: [/** @type {any} */ (partial)] });
        }, /commit\.rows\[0\] \(contact "c2"\) cannot be stored: it has no sort_fields/],
        ["a row with a column of the Python store's", () => storage.commit({
          rows: [/** @type {any} */ ({ ...row("contact", "c2"), sort_key: "x" })] }),
        /it has an unknown field "sort_key"/],
        ["a row whose id is a number", () => storage.commit({
          rows: [/** @type {any} */ (row("contact", /** @type {any} */ (7)))] }),
        /commit\.rows\[0\] \(contact 7\) cannot be stored: its id is number 7, not non-empty text/],
        ["a row whose data is a list", () => storage.commit({
          rows: [row("contact", "c2", { data: /** @type {any} */ ([1]) })] }),
        /its data is a list, not a plain object/],
        ["a row whose links hold a number", () => storage.commit({
          rows: [row("contact", "c2", { links: /** @type {any} */ (["c1", 2]) })] }),
        /its links is a list, not a list of texts/],
        ["a row with deleted as text", () => storage.commit({
          rows: [row("contact", "c2", { deleted: /** @type {any} */ ("no") })] }),
        /its deleted is "no", not true or false/],
        ["a meta value that is a number", () => storage.commit({
          meta: /** @type {any} */ ({ clock: 2 }) }), /commit\.meta\["clock"\] must be text/],
        ["a snapshot that is text", () => storage.commit({
          snapshot: /** @type {any} */ ("SNAP") }), /commit\.snapshot must be bytes/],
        ["a compaction to text", () => storage.compact(/** @type {any} */ ("S"), 2),
          /a snapshot must be bytes/],
        ["a compaction to a negative seq", () => storage.compact(bytes("S"), -1),
          /uptoSeq must be a whole number >= 0, not number -1/],
        ["a compaction beyond the newest seq", () => storage.compact(bytes("S"), 3),
          /cannot compact up to seq 3: the newest update stored has seq 2/],
        ["a compaction behind the snapshot", () => storage.compact(bytes("S"), 0),
          /cannot compact up to seq 0: the stored snapshot already stands for the updates up to 1/],
        ["rows of no kind", () => storage.rows(/** @type {any} */ (undefined)),
          /a kind must be non-empty text, not undefined/],
        ["getRows of one id, not a list", () => storage.getRows("contact", /** @type {any} */ ("c1")),
          /ids must be a list/],
        ["getRows of a number id", () => storage.getRows("contact", /** @type {any} */ (["c1", 1])),
          /ids\[1\] must be non-empty text, not number 1/],
        ["the outbox after a fraction", () => storage.outbox(0.5),
          /afterSeq must be a whole number >= 0/],
        ["the outbox with a negative limit", () => storage.outbox(0, -1),
          /limit must be a whole number >= 0/],
        ["an acknowledgement of text", () => storage.ackOutbox(/** @type {any} */ ("3")),
          /uptoSeq must be a whole number >= 0, not "3"/],
      ];
      const before = await everything(storage);
      for (const [what, run, message] of cases) {
        await rejects(run(), "invalid", message).catch((error) => {
          throw new Error(`${what}: ${error.message}`);
        });
        assert.deepEqual(await everything(storage), before, what);
      }
    });

    test("the log and the outbox page by seq", async () => {
      const { storage } = await make();
      await storage.commit({ updates: [1, 2, 3, 4, 5, 6, 7].map((n) =>
        ({ update: new Uint8Array([n]), origin: n % 2 ? "local" : "remote", atMs: n })) });
      assert.deepEqual((await storage.outbox()).map((e) => e.seq), [1, 3, 5, 7]);
      assert.deepEqual((await storage.outbox(1, 2)).map((e) => e.seq), [3, 5]);
      assert.deepEqual((await storage.outbox(4)).map((e) => e.seq), [5, 7]);
      assert.deepEqual((await storage.outbox(0, 1)).map((e) => e.seq), [1]);
      assert.deepEqual(await storage.outbox(0, 0), []);
      assert.deepEqual(await storage.outbox(7), []);
      assert.ok((await storage.outbox()).every((e) => e.origin === "local"));
      assert.deepEqual((await storage.outbox(2, 1))[0],
        { seq: 3, update: new Uint8Array([3]), origin: "local", atMs: 3 });
    });

    test("an acknowledgement drops the outbox entries up to its seq, not the log's", async () => {
      const { storage } = await make();
      await storage.commit({ updates: ["a", "b", "c", "d"].map((name, n) =>
        ({ update: bytes(name), origin: name === "c" ? "remote" : "local", atMs: n })) });
      assert.equal(await storage.ackOutbox(2), 2);
      assert.deepEqual((await storage.outbox()).map((e) => text(e.update)), ["d"]);
      assert.equal(await storage.ackOutbox(2), 0);
      assert.equal(await storage.ackOutbox(100), 1);
      assert.deepEqual(await storage.outbox(), []);
      assert.equal((await storage.load()).log.length, 4);
    });

    test("a compaction replaces the log up to its seq by the snapshot", async () => {
      const { storage } = await make();
      await storage.commit({ updates: [{ update: bytes("aa"), origin: "local", atMs: 1 },
        { update: bytes("bb"), origin: "remote", atMs: 2 },
        { update: bytes("cc"), origin: "local", atMs: 3 }] });
      await storage.compact(bytes("SNAPSHOT"), 2);
      const loaded = await storage.load();
      assert.deepEqual([loaded.snapshot, loaded.snapshotSeq], [bytes("SNAPSHOT"), 2]);
      assert.deepEqual(loaded.log.map((e) => [e.seq, text(e.update)]), [[3, "cc"]]);
      assert.deepEqual(await storage.stats(),
        { logEntries: 1, logBytes: 2, snapshotBytes: 8, outbox: 2, records: 0 });
      assert.deepEqual((await storage.outbox()).map((e) => text(e.update)), ["aa", "cc"]);
      await storage.compact(bytes("SNAP2"), 3);
      const emptied = await storage.load();
      assert.deepEqual([emptied.log, emptied.snapshot, emptied.snapshotSeq], [[], bytes("SNAP2"), 3]);
      // Seqs are never used twice, even after the log was emptied.
      assert.deepEqual(await storage.commit({
        updates: [{ update: bytes("dd"), origin: "local", atMs: 4 }] }), [4]);
    });

    test("a commit with a snapshot replaces the whole log by it", async () => {
      const { storage } = await make();
      await storage.commit({ updates: [{ update: bytes("aa"), origin: "local", atMs: 1 },
        { update: bytes("bb"), origin: "remote", atMs: 2 }] });
      assert.deepEqual(await storage.commit({
        updates: [{ update: bytes("cc"), origin: "remote", atMs: 3 }],
        rows: [row("contact", "c1")], meta: { k: "v" }, snapshot: bytes("WHOLE") }), [3]);
      const loaded = await storage.load();
      assert.deepEqual([loaded.snapshot, loaded.snapshotSeq, loaded.log], [bytes("WHOLE"), 3, []]);
      assert.equal(loaded.meta.k, "v");
      assert.deepEqual([...(await storage.getRows("contact", ["c1"])).keys()], ["c1"]);
      assert.deepEqual((await storage.outbox()).map((e) => text(e.update)), ["aa"]);
      // A local update in a commit with a snapshot still waits in the outbox.
      assert.deepEqual(await storage.commit({
        updates: [{ update: bytes("ee"), origin: "local", atMs: 4 }], snapshot: bytes("W2") }), [4]);
      assert.deepEqual((await storage.outbox()).map((e) => [e.seq, text(e.update)]),
        [[1, "aa"], [4, "ee"]]);
      assert.deepEqual(await storage.commit({ snapshot: bytes("AGAIN") }), []);
      const again = await storage.load();
      assert.deepEqual([again.snapshot, again.snapshotSeq, again.log], [bytes("AGAIN"), 4, []]);
      assert.deepEqual(await storage.commit({
        updates: [{ update: bytes("dd"), origin: "local", atMs: 5 }] }), [5]);
    });

    test("rows round-trip with every column", async () => {
      const { storage } = await make();
      const data = { id: "c1", first_name: "Zoë", n: 3, x: 2.5, tags: ["a", "b"],
        custom: { nested: { k: null }, big: 2n ** 70n, name: "Zoë 😀" } };
      const c1 = row("contact", "c1", { data, updated: (1_700_000_000_000n << 16n) | 77n, updated_by: "bee", search: "zoë\x1fzz",
        sort_fields: "lee\ufffezoë", sort_tail: "z@x.y", company_id: "co1", company: "Acme",
        links: ["c9", "c2", "c2"], conflicts: [conflict("x", 1, 5), conflict("n", [1], 4),
          conflict("n", "y", 4, "a")] });
      await storage.commit({ rows: [c1] });
      const got = await storage.getRows("contact", ["c1", "missing"]);
      assert.deepEqual([...got.keys()], ["c1"]);
      assert.deepEqual(got.get("c1"), { ...c1, links: ["c2", "c9"], // a set, in order
        conflicts: [conflict("n", "y", 4, "a"), conflict("n", [1], 4), conflict("x", 1, 5)] });
      assert.deepEqual(c1.links, ["c9", "c2", "c2"]); // the caller's row is left as it was
      assert.deepEqual(await storage.rows("contact"), [got.get("c1")]);
      assert.deepEqual(await storage.getRows("company", ["c1"]), new Map());
      assert.equal((await storage.stats()).records, 1);
    });

    test("rows are replaced, not merged", async () => {
      const { storage } = await make();
      await storage.commit({ rows: [row("group", "g1", { links: ["c1", "c2"],
        conflicts: [conflict("name", "x", 1)], data: { id: "g1", name: "VIP" } })] });
      await storage.commit({ rows: [row("group", "g1", { links: ["c3"], deleted: true })] });
      const g1 = (await storage.getRows("group", ["g1"])).get("g1");
      assert.deepEqual([g1?.links, g1?.conflicts, g1?.deleted, g1?.data], [["c3"], [], true, { id: "g1" }]);
      assert.equal((await storage.stats()).records, 1);
    });

    test("rows of a kind are every row of that kind, deleted ones too, by id", async () => {
      const { storage } = await make();
      await storage.commit({ rows: [row("contact", "c3"), row("group", "g1"),
        row("contact", "c1", { deleted: true }), row("note", "c2"), row("contact", "c2"),
        row("contacts", "c0")] });
      assert.deepEqual((await storage.rows("contact")).map((r) => [r.kind, r.id, r.deleted]),
        [["contact", "c1", true], ["contact", "c2", false], ["contact", "c3", false]]);
      assert.deepEqual((await storage.rows("group")).map((r) => r.id), ["g1"]);
      assert.deepEqual(await storage.rows("company"), []);
      assert.deepEqual([...(await storage.getRows("note", ["c2", "c1", "c2"])).keys()], ["c2"]);
      assert.equal((await storage.stats()).records, 6);
    });

    test("getRows finds many ids at once", async () => {
      const { storage } = await make();
      await storage.commit({ rows: Array.from({ length: 1200 }, (_, n) => row("contact", `c${n}`)) });
      const wanted = Array.from({ length: 434 }, (_, n) => `c${n * 3}`);
      const found = await storage.getRows("contact", wanted);
      assert.deepEqual([...found.keys()], wanted.filter((id) => Number(id.slice(1)) < 1200));
      assert.equal(found.get("c3")?.id, "c3");
    });

    test("meta values are set and overwritten, the others kept", async () => {
      const { storage } = await make();
      await storage.commit({ meta: { replica_id: "r1", clock: "1", cursor: "" } });
      // A computed key: a literal `"__proto__": ...` would set the object's prototype instead.
      await storage.commit({ meta: { clock: "2", ["__proto__"]: "odd but a key", "": "empty" } });
      const { meta } = await storage.load();
      assert.deepEqual(Object.entries(meta).sort(), [["", "empty"], ["__proto__", "odd but a key"],
        ["clock", "2"], ["cursor", ""], ["replica_id", "r1"]]);
      assert.equal(Object.getPrototypeOf(meta), Object.prototype);
    });

    test("stored bytes and rows are not shared with the caller", async () => {
      const { storage } = await make();
      const update = bytes("update");
      const buffer = bytes("..SNAPSHOT..");
      const snapshot = buffer.subarray(2, 10);
      const data = { id: "c1", tags: ["a"] };
      const c1 = row("contact", "c1", { data });
      await storage.commit({ updates: [{ update, origin: "local", atMs: 1 }], rows: [c1] });
      await storage.compact(snapshot, 0);
      update.fill(0);
      buffer.fill(0);
      data.tags.push("CHANGED");
      const loaded = await storage.load();
      assert.equal(text(loaded.log[0].update), "update");
      assert.equal(text(/** @type {Uint8Array} */ (loaded.snapshot)), "SNAPSHOT");
      // Only the view's bytes were kept, not the buffer around them.
      assert.equal(loaded.snapshot?.buffer.byteLength, 8);
      loaded.log[0].update.fill(1);
      /** @type {Uint8Array} */ (loaded.snapshot).fill(1);
      (await storage.outbox())[0].update.fill(1);
      const got = (await storage.getRows("contact", ["c1"])).get("c1");
      got?.links.push("CHANGED");
      /** @type {string[]} */ (got?.data.tags).push("CHANGED");
      (await storage.rows("contact"))[0].links.push("CHANGED");
      const again = await storage.load();
      assert.equal(text(again.log[0].update), "update");
      assert.equal(text(/** @type {Uint8Array} */ (again.snapshot)), "SNAPSHOT");
      assert.equal(text((await storage.outbox())[0].update), "update");
      assert.deepEqual((await storage.getRows("contact", ["c1"])).get("c1"),
        row("contact", "c1", { data: { id: "c1", tags: ["a"] } }));
    });

    test("a closed storage refuses to be used", async () => {
      const { storage } = await make();
      await storage.commit({ updates: [{ update: bytes("u"), origin: "local", atMs: 1 }] });
      storage.close();
      storage.close(); // closing twice is harmless
      /** @type {[string, () => Promise<unknown>][]} */
      const uses = [
        ["load", () => storage.load()],
        ["commit", () => storage.commit({ meta: { a: "b" } })],
        ["compact", () => storage.compact(bytes("S"), 1)],
        ["rows", () => storage.rows("contact")],
        ["getRows", () => storage.getRows("contact", ["c1"])],
        ["outbox", () => storage.outbox()],
        ["ackOutbox", () => storage.ackOutbox(1)],
        ["stats", () => storage.stats()],
      ];
      for (const [name, use] of uses) {
        await rejects(use(), "closed", /closed/).catch((error) => {
          throw new Error(`${name}: ${error.message}`);
        });
      }
    });
  });
}

describe("indexeddb storage on its own", () => {
  test("everything is there after closing and opening again, and the seqs go on", async () => {
    const indexedDB = new IDBFactory();
    const first = await IndexedDbStorage.open(NAME, { indexedDB });
    await first.commit({ updates: [{ update: bytes("u1"), origin: "local", atMs: 1 },
      { update: bytes("u2"), origin: "remote", atMs: 2 }, { update: bytes("u3"), origin: "local", atMs: 3 }],
    rows: [row("contact", "c1", { links: ["c2"] }), row("group", "g1")], meta: { replica_id: "r1" } });
    await first.compact(bytes("SNAP"), 1);
    await first.ackOutbox(1);
    const before = await everything(first);
    first.close();
    const second = await IndexedDbStorage.open(NAME, { indexedDB });
    assert.deepEqual(await everything(second), before);
    assert.deepEqual(before.outbox.map((e) => e.seq), [3]);
    assert.deepEqual(before.loaded.log.map((e) => e.seq), [2, 3]);
    assert.deepEqual(await second.commit({
      updates: [{ update: bytes("u4"), origin: "local", atMs: 4 }] }), [4]);
    // A database of another name is another replica.
    const other = await IndexedDbStorage.open("replica-2", { indexedDB });
    assert.deepEqual((await other.load()).log, []);
  });

  test("opening never writes", async () => {
    const indexedDB = new IDBFactory();
    const storage = await IndexedDbStorage.open(NAME, { indexedDB });
    // A new database gets its object stores, and nothing in them.
    const fresh = await contents(indexedDB, NAME);
    assert.equal(fresh.version, DATABASE_VERSION);
    assert.deepEqual(Object.keys(fresh.stores).sort(),
      ["head", "log", "meta", "outbox", "rows", "snapshot"]);
    assert.ok(Object.values(fresh.stores).every((s) => s.keys.length === 0));
    await storage.commit({ updates: [{ update: bytes("u1"), origin: "local", atMs: 1 }],
      rows: [row("contact", "c1")], meta: { clock: "1" } });
    await storage.compact(bytes("SNAP"), 1);
    storage.close();
    const before = await contents(indexedDB, NAME);
    assert.equal(before.stores.rows.keys.length, 1); // the comparison below sees records
    const reopened = await IndexedDbStorage.open(NAME, { indexedDB });
    await reopened.load();
    reopened.close();
    assert.deepEqual(await contents(indexedDB, NAME), before);
  });

  test("opening with a bad name or option is refused", async () => {
    const indexedDB = new IDBFactory();
    await rejects(IndexedDbStorage.open("", { indexedDB }), "invalid",
      /a database name must be non-empty text, not ""/);
    await rejects(IndexedDbStorage.open(/** @type {any} */ (7), { indexedDB }), "invalid",
      /a database name must be non-empty text, not number 7/);
    await rejects(IndexedDbStorage.open(NAME, { indexedDB, durability: /** @type {any} */ ("fast") }),
      "invalid", /durability must be "strict", "relaxed" or "default", not "fast"/);
    assert.deepEqual(await indexedDB.databases(), []); // none of them made a database
    assert.equal(globalThis.indexedDB, undefined); // Node has none of its own
    await rejects(IndexedDbStorage.open(NAME), "unusable", /this browser has no IndexedDB/);
    const relaxed = await IndexedDbStorage.open(NAME, { indexedDB, durability: "relaxed" });
    assert.deepEqual(await relaxed.commit({ updates: [{ update: bytes("u"), origin: "local", atMs: 1 }] }), [1]);
  });

  test("a database of a newer version is refused and left alone", async () => {
    const indexedDB = new IDBFactory();
    const db = await openRaw(indexedDB, DATABASE_VERSION + 1, (made) => made.createObjectStore("future"));
    db.close();
    await rejects(IndexedDbStorage.open(NAME, { indexedDB }), "unusable",
      /written by a newer handsync \(its version is above 1\)/);
    const after = await contents(indexedDB, NAME);
    assert.deepEqual([after.version, Object.keys(after.stores)], [DATABASE_VERSION + 1, ["future"]]);
  });

  test("a database of the same name that is not a replica store is refused", async () => {
    const indexedDB = new IDBFactory();
    const db = await openRaw(indexedDB, DATABASE_VERSION, (made) => made.createObjectStore("log"));
    db.close();
    await rejects(IndexedDbStorage.open(NAME, { indexedDB }), "unusable",
      /not a handsync replica store: it has no object store snapshot, head, outbox, rows, meta/);
    assert.deepEqual(Object.keys((await contents(indexedDB, NAME)).stores), ["log"]);
  });

  test("another page upgrading the database closes this storage", async () => {
    const indexedDB = new IDBFactory();
    const storage = await IndexedDbStorage.open(NAME, { indexedDB });
    const newer = await done(indexedDB.open(NAME, DATABASE_VERSION + 1));
    newer.close();
    await rejects(storage.load(), "closed", /another page opened it with a newer handsync/);
  });

  test("malformed stored values give a StorageError naming them", async () => {
    /** @type {[string, string, unknown, IDBValidKey | undefined, (s: Storage) => Promise<unknown>, RegExp][]} */
    const cases = [
      ["a snapshot of text", "snapshot", { seq: 1, data: "SNAP" }, 1, (s) => s.load(),
        /the snapshot in the database is malformed: its data is "SNAP", not bytes/],
      ["a snapshot without a seq", "snapshot", { data: bytes("S") }, 1, (s) => s.stats(),
        /the snapshot in the database is malformed: it has no seq/],
      ["a log entry without an origin", "log", { seq: 2, update: bytes("u"), atMs: 1 }, undefined,
        (s) => s.load(), /the log entry number 2 in the database is malformed: it has no origin/],
      ["a log entry keyed by text", "log", { seq: "2", update: bytes("u"), origin: "local", atMs: 1 },
        undefined, (s) => s.stats(), /the log entry "2" in the database is malformed: its seq is "2"/],
      ["an outbox entry of numbers", "outbox", { seq: 2, update: [1, 2], atMs: 1 }, undefined,
        (s) => s.outbox(), /the outbox entry number 2 in the database is malformed: its update is a list, not bytes/],
      ["a row with deleted as text", "rows", { ...row("contact", "c7"), deleted: "no" }, undefined,
        (s) => s.rows("contact"), /the row contact "c7" in the database is malformed: its deleted is "no"/],
      ["a row without links", "rows", (({ links: _, ...rest }) => rest)(row("contact", "c7")),
        undefined, (s) => s.getRows("contact", ["c7"]), /the row contact "c7" .* malformed: it has no links/],
      ["a row with another column", "rows", { ...row("contact", "c7"), extra: 1 }, undefined,
        (s) => s.getRows("contact", ["c7"]), /malformed: it has an unknown field "extra"/],
      ["a meta value that is a number", "meta", { key: "clock", value: 5 }, undefined,
        (s) => s.load(), /the meta value "clock" in the database is malformed: its value is number 5/],
      ["a newest seq of text", "head", { seq: "x" }, 1,
        (s) => s.commit({ updates: [{ update: bytes("u"), origin: "local", atMs: 1 }] }),
        /the newest seq in the database is malformed: its seq is "x"/],
      ["a newest seq of text, compacting", "head", { seq: "x" }, 1, (s) => s.compact(bytes("S"), 0),
        /the newest seq in the database is malformed/],
      ["an outbox keyed by text", "outbox", { seq: "k", update: bytes("u"), atMs: 1 }, undefined,
        (s) => s.ackOutbox(5), /the outbox in the database is malformed: it holds the key "k", not a seq/],
    ];
    for (const [what, store, value, key, use, message] of cases) {
      const indexedDB = new IDBFactory();
      const storage = await IndexedDbStorage.open(NAME, { indexedDB });
      await storage.commit({ updates: [{ update: bytes("u1"), origin: "local", atMs: 1 }],
        rows: [row("contact", "c1")], meta: { a: "b" } });
      await write(indexedDB, NAME, store, value, key);
      const before = await contents(indexedDB, NAME);
      await rejects(use(storage), "malformed", message).catch((error) => {
        throw new Error(`${what}: ${error.message}`);
      });
      assert.deepEqual(await contents(indexedDB, NAME), before, what);
      storage.close();
    }
  });

  test("a full quota gets a clear error and nothing is written", async () => {
    const indexedDB = new IDBFactory();
    const storage = await IndexedDbStorage.open(NAME, { indexedDB });
    await storage.commit({ updates: [{ update: bytes("u1"), origin: "local", atMs: 1 },
      { update: bytes("u2"), origin: "remote", atMs: 2 }], rows: [row("contact", "c1")] });
    const before = await contents(indexedDB, NAME);
    const big = new Uint8Array(2000);
    await withQuota(indexedDB, 1000, async () => {
      // The snapshot is written last: the log, outbox, rows and meta writes before it
      // are rolled back with the transaction.
      await rejects(storage.commit({ updates: [{ update: bytes("u3"), origin: "local", atMs: 3 }],
        rows: [row("contact", "c2")], meta: { clock: "3" }, snapshot: big }), "quota",
      /the commit was refused: the browser's storage for this site is full \(QuotaExceededError\); nothing of it was written/);
      await rejects(storage.compact(big, 2), "quota", /the compaction was refused/);
      await rejects(storage.commit({ rows: [row("contact", "c2"), row("contact", "c3",
        { data: { id: "c3", photo: big } })] }), "quota", /the commit was refused/);
      // What fits is still written.
      assert.deepEqual(await storage.commit({
        updates: [{ update: bytes("u4"), origin: "local", atMs: 4 }] }), [3]);
    });
    const after = await contents(indexedDB, NAME);
    assert.deepEqual(after.stores.log.keys, [...before.stores.log.keys, 3]);
    assert.deepEqual({ ...after.stores, log: null, outbox: null, head: null },
      { ...before.stores, log: null, outbox: null, head: null });
  });
});

// ---- IndexedDB as the tests see it, below the storage ------------------------------------

/**
 * Resolve with a raw request's result.
 * @template R
 * @param {IDBRequest<R>} request
 * @returns {Promise<R>}
 */
function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Open the database NAME at `version` without the storage, `upgrade` making its layout.
 * @param {IDBFactory} indexedDB
 * @param {number} version
 * @param {(db: IDBDatabase) => void} upgrade
 */
function openRaw(indexedDB, version, upgrade) {
  const request = indexedDB.open(NAME, version);
  request.onupgradeneeded = () => upgrade(request.result);
  return done(request);
}

/**
 * Every object store of a database with its layout, keys and values, read without the
 * storage (opening with no version, which never upgrades an existing database).
 * @param {IDBFactory} indexedDB
 * @param {string} name
 */
async function contents(indexedDB, name) {
  const names = (await indexedDB.databases()).map((d) => d.name);
  assert.ok(names.includes(name), `there is no database ${name}`);
  const db = await done(indexedDB.open(name));
  /** @type {Record<string, { keyPath: unknown, indexes: string[], keys: IDBValidKey[], values: unknown[] }>} */
  const stores = {};
  const storeNames = [...db.objectStoreNames];
  if (storeNames.length > 0) {
    const tx = db.transaction(storeNames, "readonly");
    await Promise.all(storeNames.map(async (store) => {
      const objectStore = tx.objectStore(store);
      const [keys, values] = [objectStore.getAllKeys(), objectStore.getAll()];
      stores[store] = { keyPath: objectStore.keyPath, indexes: [...objectStore.indexNames],
        keys: await done(keys), values: await done(values) };
    }));
  }
  db.close();
  return { version: db.version, stores };
}

/**
 * Put one value into an object store, as other code of the same origin could.
 * @param {IDBFactory} indexedDB
 * @param {string} name
 * @param {string} store
 * @param {unknown} value
 * @param {IDBValidKey | undefined} key
 */
async function write(indexedDB, name, store, value, key) {
  const db = await done(indexedDB.open(name));
  const tx = db.transaction([store], "readwrite");
  if (key === undefined) tx.objectStore(store).put(value);
  else tx.objectStore(store).put(value, key);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onabort = () => reject(tx.error);
  });
  db.close();
}

/**
 * How many IndexedDB put() calls `run` makes (fake-indexeddb's object stores, counted).
 * @param {() => Promise<unknown>} run
 */
async function putsDuring(run) {
  const put = IDBObjectStore.prototype.put;
  let count = 0;
  IDBObjectStore.prototype.put = function (/** @type {unknown} */ value, /** @type {IDBValidKey | undefined} */ key) {
    count += 1;
    return key === undefined ? put.call(this, value) : put.call(this, value, key);
  };
  try {
    await run();
  } finally {
    IDBObjectStore.prototype.put = put;
  }
  return count;
}

/**
 * Run `run` while the fake IndexedDB refuses, as a browser over its quota does, to store
 * any record holding more than `limit` bytes: the write's request fails with a
 * QuotaExceededError and the browser aborts its transaction. fake-indexeddb has no quota,
 * so its record store (below the IDB API, where a real browser would fail) is wrapped.
 * @param {IDBFactory} indexedDB
 * @param {number} limit
 * @param {() => Promise<void>} run
 */
async function withQuota(indexedDB, limit, run) {
  const db = await done(indexedDB.open(NAME));
  const tx = db.transaction(["log"], "readonly");
  const raw = Object.getPrototypeOf(/** @type {any} */ (tx.objectStore("log"))._rawObjectStore);
  db.close();
  const storeRecord = raw.storeRecord;
  raw.storeRecord = function (/** @type {{ value: unknown }} */ record, /** @type {unknown[]} */ ...rest) {
    if (byteSize(record.value) > limit) {
      throw new DOMException("the quota is exceeded (simulated)", "QuotaExceededError");
    }
    return storeRecord.call(this, record, ...rest);
  };
  try {
    await run();
  } finally {
    raw.storeRecord = storeRecord;
  }
}

/**
 * The bytes of the byte arrays in a value.
 * @param {unknown} value
 * @returns {number}
 */
function byteSize(value) {
  if (value instanceof Uint8Array) return value.byteLength;
  if (value === null || typeof value !== "object") return 0;
  return Object.values(value).reduce((sum, v) => sum + byteSize(v), 0);
}
