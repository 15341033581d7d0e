// The web replica's own behaviour: local edits committed with their rows before the call
// resolves, bad input refused with nothing applied or written, storage failures and
// corrupt stored data, sync between replicas, the outbox, compaction and re-stamping.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as Y from "yjs";

import {
  CorruptStoreError, ProtocolError, RecordDeletedError, RecordExistsError, RecordNotFoundError,
  StoreError, UnknownKindError, ValidationError,
} from "../src/errors.js";
import { decodeStamp } from "../src/clock.js";
import { COMPACT_QUIET_MS, WebReplica } from "../src/replica.js";
import { TestStorage } from "./support/memory_storage.js";

const T0 = 1_800_000_000_000;

/** A replica on a fresh test storage with a clock the test moves. */
async function fresh(name = "a", clientId = 1, options = {}) {
  const time = { now: T0 };
  const storage = new TestStorage();
  const replica = await WebReplica.open(storage,
    { clock: () => time.now, replicaId: name, clientId, ...options });
  return { replica, storage, time };
}

/** Everything a replica holds that an edit could change. @param {WebReplica} r @param {TestStorage} s */
const state = (r, s) => JSON.stringify({
  doc: Array.from(Y.encodeStateAsUpdate(r.doc)), writes: s.writes, log: s.log.length,
  rows: [...s.rowsByKey.entries()], meta: s.meta, contacts: r.rows("contact"), notes: r.rows("note"),
}, (_, value) => (typeof value === "bigint" ? `${value}n` : value));

/** @param {WebReplica} from @param {WebReplica} to */
const sync = (from, to) => to.applyRemote([from.diff(to.stateVector())]);

test("opening never writes; the first commit stores the replica id with the change", async () => {
  const { replica, storage } = await fresh("phone");
  assert.equal(storage.writes, 0);
  assert.equal(replica.replicaId, "phone");
  const id = await replica.create("contact", { first_name: "Ann", email: "Ann@Acme.example" });
  assert.equal(storage.writes, 1);
  assert.equal(storage.meta.replica_id, "phone");
  assert.equal(storage.outboxEntries.length, 1);
  assert.deepEqual(storage.rowsByKey.get(`contact\u0000${id}`)?.data,
    { id, first_name: "Ann", email: "ann@acme.example" });
  const again = await WebReplica.open(storage, { clock: () => T0 });
  assert.equal(again.replicaId, "phone");
  assert.equal(again.get("contact", id).email, "ann@acme.example");
  await assert.rejects(WebReplica.open(storage, { clock: () => T0, replicaId: "other" }),
    (e) => e instanceof StoreError && e.message === "this store belongs to replica 'phone', not 'other'");
});

test("a value that fails validation writes nothing and applies nothing", async () => {
  const { replica, storage } = await fresh();
  await replica.create("contact", { first_name: "Ann" }, { id: "c1" });
  await replica.create("company", { name: "Acme" }, { id: "co1" });
  await replica.create("note", { text: "body" }, { id: "n1" });
  const before = state(replica, storage);
  /** @type {[() => Promise<unknown>, Function, string][]} */
  const cases = [
    [() => replica.create("contact", { email: "not-an-email" }, { id: "c2" }), ValidationError,
      "contact c2 field 'email': is not an e-mail address (value 'not-an-email')"],
    [() => replica.create("company", { phone: "555 0100" }, { id: "co2" }), ValidationError,
      "company co2 field 'name': is required"],
    [() => replica.create("contact", {}, { id: "bad id" }), ValidationError,
      "contact field 'id': not a valid record id (1-128 letters, digits, _ . : { } -) (value 'bad id')"],
    [() => replica.create("contact", {}, { id: "c1" }), RecordExistsError,
      "contact c1: a record with this id already exists"],
    [() => replica.create("spaceship", {}), UnknownKindError,
      "unknown record kind; use one of contact, company, group, note, history, activity, opportunity (value 'spaceship')"],
    [() => replica.update("company", "co1", { name: null }), ValidationError,
      "company co1 field 'name': is required"],
    [() => replica.update("contact", "c1", { first_name: "ok", mobile_phone: "call me" }), ValidationError,
      "contact c1 field 'mobile_phone': is not a phone number (value 'call me')"],
    [() => replica.update("contact", "c1", { last_name: "\ud800" }), ValidationError,
      "contact c1 field 'last_name': is not valid Unicode text (value '\\ud800')"],
    [() => replica.update("contact", "nope", { first_name: "x" }), RecordNotFoundError,
      "contact nope: no such record"],
    [() => replica.resolve("note", "n1", "text", "x"), ValidationError,
      "note n1 field 'text': note text merges character by character; edit it instead"],
    [() => replica.resolve("contact", "c1", "deleted", "yes"), ValidationError,
      "contact c1 field 'deleted': must be true or false (value 'yes')"],
    [() => replica.editNoteText("n1", 5, { insert: "x" }), ValidationError,
      "note n1 field 'text': index or length outside the note text (value 5)"],
    [() => replica.editNoteText("n1", 2, { delete: 3 }), ValidationError,
      "note n1 field 'text': index or length outside the note text (value 2)"],
    [() => replica.addToGroup("g-none", "c1"), RecordNotFoundError, "group g-none: no such record"],
    [() => replica.update("activity", "a1", { recur_spec: { big: "x".repeat(70000) } }),
      RecordNotFoundError, "activity a1: no such record"],
  ];
  for (const [call, kind, message] of cases) {
    await assert.rejects(call(), (error) => {
      assert.ok(error instanceof kind, `${message}: ${error}`);
      assert.equal(/** @type {Error} */ (error).message, message);
      return true;
    });
    assert.equal(state(replica, storage), before, message);
  }
});

test("sizes: a JSON field past 64 KB and a note past 1 MB characters are refused", async () => {
  const { replica, storage } = await fresh();
  await replica.create("activity", { subject: "Demo" }, { id: "a1" });
  const before = state(replica, storage);
  await assert.rejects(replica.update("activity", "a1", { recur_spec: { big: "x".repeat(65530) } }),
    /activity a1 field 'recur_spec': is larger than 65536 bytes of JSON/);
  await assert.rejects(replica.create("note", { text: "x".repeat(1024 * 1024 + 1) }, { id: "n2" }),
    /note n2 field 'text': is longer than 1048576 characters/);
  assert.equal(state(replica, storage), before);
  await replica.update("activity", "a1", { recur_spec: { big: "x".repeat(65000) } });
  await replica.create("note", { text: "😀".repeat(1024 * 1024) }, { id: "n3" }); // characters, not units
  assert.equal(replica.get("note", "n3").text, "😀".repeat(1024 * 1024));
});

test("a deleted record refuses edits until restored; a delete after an unseen edit is a conflict", async () => {
  const a = await fresh("a", 1);
  const b = await fresh("b", 2);
  await a.replica.create("contact", { first_name: "Ann" }, { id: "c1" });
  await sync(a.replica, b.replica);
  a.time.now += 1000;
  b.time.now += 2000;
  await a.replica.delete("contact", "c1");
  await assert.rejects(a.replica.update("contact", "c1", { last_name: "x" }),
    (e) => e instanceof RecordDeletedError && e.message === "contact c1: is deleted; restore it first");
  assert.throws(() => a.replica.get("contact", "c1"), RecordDeletedError);
  await b.replica.update("contact", "c1", { last_name: "Lee" });
  await sync(b.replica, a.replica);
  await sync(a.replica, b.replica);
  for (const r of [a.replica, b.replica]) {
    assert.equal(r.get("contact", "c1").last_name, "Lee");
    assert.deepEqual(r.conflicts().map((c) => [c.field, c.value, c.replica, c.current]),
      [["_deleted", true, "a", false]]);
  }
  await a.replica.resolve("contact", "c1", "deleted", true);
  assert.equal(a.replica.list().length, 0);
  await a.replica.restore("contact", "c1");
  assert.equal(a.replica.get("contact", "c1").last_name, "Lee");
  assert.deepEqual(a.replica.conflicts(), []);
});

test("same-field edits on two replicas converge: the newest wins, the other is kept", async () => {
  const a = await fresh("a", 1);
  const b = await fresh("b", 2);
  await a.replica.create("contact", { first_name: "Bob", email: "bob@x.io" }, { id: "c1" });
  await sync(a.replica, b.replica);
  a.time.now += 1000;
  b.time.now += 1005;
  await a.replica.update("contact", "c1", { email: "bob@office.example" });
  await b.replica.update("contact", "c1", { email: "bob@phone.example" });
  await sync(a.replica, b.replica);
  await sync(b.replica, a.replica);
  for (const r of [a.replica, b.replica]) {
    assert.equal(r.get("contact", "c1").email, "bob@phone.example");
    assert.equal(r.get("contact", "c1").conflicts, 1);
  }
  assert.deepEqual(a.replica.conflicts(), b.replica.conflicts());
  assert.deepEqual(a.replica.rows("contact"), b.replica.rows("contact"));
  await b.replica.resolve("contact", "c1", "email", "bob@marsh.example");
  await sync(b.replica, a.replica);
  assert.equal(a.replica.get("contact", "c1").email, "bob@marsh.example");
  assert.deepEqual(a.replica.conflicts(), []);
});

test("note bodies merge character by character, also when one side rewrites it whole", async () => {
  const a = await fresh("a", 1);
  const b = await fresh("b", 2);
  await a.replica.create("note", { text: "Met at the fair." }, { id: "n1" });
  await sync(a.replica, b.replica);
  await a.replica.editNoteText("n1", 0, { insert: "Ann: " });
  await b.replica.update("note", "n1", { text: "Met at the fair. Wants a demo." });
  await sync(a.replica, b.replica);
  await sync(b.replica, a.replica);
  assert.equal(a.replica.get("note", "n1").text, "Ann: Met at the fair. Wants a demo.");
  assert.equal(b.replica.get("note", "n1").text, "Ann: Met at the fair. Wants a demo.");
  await a.replica.editNoteText("n1", 0, { insert: "😀", delete: 3 }); // indexes count characters
  assert.equal(a.replica.get("note", "n1").text, "😀: Met at the fair. Wants a demo.");
  await a.replica.editNoteText("n1", 1, { delete: 1 });
  assert.equal(a.replica.get("note", "n1").text, "😀 Met at the fair. Wants a demo.");
});

test("groups: members need a live contact; a list by group shows them", async () => {
  const { replica } = await fresh();
  await replica.create("contact", { last_name: "Zander" }, { id: "c1" });
  await replica.create("contact", { last_name: "Adams" }, { id: "c2" });
  await replica.create("group", { name: "Team" }, { id: "g1" });
  await assert.rejects(replica.addToGroup("g1", "c9"), RecordNotFoundError);
  await replica.addToGroup("g1", "c1");
  await replica.addToGroup("g1", "c2");
  assert.deepEqual(replica.list("contact", { group: "g1" }).map((r) => r.id), ["c2", "c1"]);
  await replica.removeFromGroup("g1", "c2");
  assert.deepEqual(replica.get("group", "g1").members, ["c1"]);
  assert.deepEqual(replica.list("contact", { group: "g1" }).map((r) => r.id), ["c1"]);
  assert.deepEqual(replica.list("contact", { limit: 1, offset: 1 }).map((r) => r.id), ["c1"]);
  assert.throws(() => replica.list("contact", { limit: -1 }),
    (e) => e instanceof ValidationError && e.message === "field 'limit': must be a whole number, 0 or more (value -1)");
  assert.throws(() => replica.search("  "),
    (e) => e instanceof ValidationError && e.message === "field 'text': search text is empty (value '  ')");
});

test("search finds names without accents or punctuation, and phones by their digits", async () => {
  const { replica } = await fresh();
  await replica.create("contact", { full_name: "Ana María O'Neil-Søren", mobile_phone: "+1 (555) 010-0142" },
    { id: "c1" });
  await replica.create("contact", { full_name: "Jürgen Müller" }, { id: "c2" });
  for (const [needle, ids] of [["o neil", ["c1"]], ["oneil", ["c1"]], ["soren", ["c1"]], ["muller", ["c2"]],
    ["555-0100", ["c1"]], ["0100142", ["c1"]], ["zzz", []]]) {
    assert.deepEqual(replica.search(/** @type {string} */ (needle)).map((r) => r.id), ids, String(needle));
  }
});

test("two calls made at once run one after the other, in call order", async () => {
  const { replica, storage } = await fresh();
  await replica.create("contact", { first_name: "A" }, { id: "c1" });
  const calls = [replica.update("contact", "c1", { first_name: "B" }),
    replica.update("contact", "c1", { first_name: "C" }),
    replica.update("contact", "c1", { email: "bad" }),
    replica.update("contact", "c1", { last_name: "D" })];
  const results = await Promise.allSettled(calls);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "rejected", "fulfilled"]);
  assert.equal(replica.get("contact", "c1").first_name, "C");
  assert.equal(replica.get("contact", "c1").last_name, "D");
  assert.equal(storage.log.length, 4);
});

test("a write the storage refuses leaves document, rows and storage as they were", async () => {
  const { replica, storage } = await fresh();
  await replica.create("contact", { first_name: "Ann" }, { id: "c1" });
  const before = state(replica, storage);
  storage.failNext = true;
  await assert.rejects(replica.update("contact", "c1", { last_name: "Lee" }),
    (e) => e instanceof StoreError && e.message === "the storage refused a write: disk full");
  assert.equal(state(replica, storage), before);
  assert.equal(replica.get("contact", "c1").last_name, undefined);
  await replica.update("contact", "c1", { last_name: "Lee" }); // and it goes on working
  const reopened = await WebReplica.open(storage, { clock: () => T0 });
  assert.equal(reopened.get("contact", "c1").last_name, "Lee");
  assert.deepEqual(Y.encodeStateVector(reopened.doc), replica.stateVector());
});

test("undecodable updates are refused whole: nothing applied, nothing written", async () => {
  const a = await fresh("a", 1);
  const b = await fresh("b", 2);
  await a.replica.create("contact", { first_name: "Ann" }, { id: "c1" });
  const good = a.replica.diff();
  const before = state(b.replica, b.storage);
  for (const bad of [new Uint8Array([1, 2, 3]), good.slice(0, good.length - 4), new Uint8Array(0),
    new Uint8Array([255, 255, 255, 255, 255, 255])]) {
    await assert.rejects(b.replica.applyRemote([good, bad]), (e) => {
      assert.ok(e instanceof ProtocolError);
      assert.match(e.message, /^update 2 of 2 \(\d+ bytes\) is not a valid Yjs update \(code 4400\)$/);
      return true;
    });
    assert.equal(state(b.replica, b.storage), before);
  }
  await assert.rejects(b.replica.applyRemote([/** @type {any} */ ("text")]), ProtocolError);
  assert.throws(() => b.replica.diff(new Uint8Array([200])), ProtocolError);
  const result = await b.replica.applyRemote([good, good]);
  assert.deepEqual(result, { updates: 2, records: 1, missing: false, seq: 2 }); // logged one by one
  assert.equal(b.replica.get("contact", "c1").first_name, "Ann");
});

test("a malformed stored snapshot, log entry or clock is a clear error, and nothing is written", async () => {
  const { replica, storage } = await fresh();
  await replica.create("contact", { first_name: "Ann" }, { id: "c1" });
  await replica.compact();
  const snapshot = /** @type {Uint8Array} */ (storage.snapshot);
  /** @type {[(s: TestStorage) => void, RegExp][]} */
  const damages = [
    [(s) => { s.snapshot = snapshot.slice(0, snapshot.length - 3); }, /^the stored snapshot is not a valid Yjs update$/],
    [(s) => { s.log.push({ seq: 9, update: new Uint8Array([7, 7]), origin: "remote", atMs: 0 }); },
      /^stored update 9 is not a valid Yjs update$/],
    [(s) => { s.meta.clock = "soon"; }, /^the stored clock is not a number: 'soon'$/],
  ];
  for (const [damage, message] of damages) {
    const copy = Object.assign(new TestStorage(), structuredClone({ ...storage }));
    damage(copy);
    const writes = copy.writes;
    await assert.rejects(WebReplica.open(copy, { clock: () => T0 }),
      (e) => e instanceof CorruptStoreError && message.test(e.message));
    assert.equal(copy.writes, writes);
  }
  const unreadable = new TestStorage();
  unreadable.load = async () => { throw new Error("blocked"); };
  await assert.rejects(WebReplica.open(unreadable, { clock: () => T0 }),
    (e) => e instanceof StoreError && e.message === "the storage cannot be read: blocked");
});

test("the outbox keeps local updates until acknowledged", async () => {
  const { replica } = await fresh();
  await replica.create("contact", { first_name: "A" }, { id: "c1" });
  await replica.update("contact", "c1", { first_name: "B" });
  const outbox = await replica.outbox();
  assert.deepEqual(outbox.map(([seq]) => seq), [1, 2]);
  assert.deepEqual((await replica.outbox(1)).map(([seq]) => seq), [2]);
  const other = await fresh("b", 2);
  await other.replica.applyRemote(outbox.map(([, update]) => update));
  assert.equal(other.replica.get("contact", "c1").first_name, "B");
  assert.deepEqual(await other.replica.outbox(), []); // remote updates are not sent back
  assert.equal(await replica.acknowledge(1), 1);
  assert.deepEqual((await replica.outbox()).map(([seq]) => seq), [2]);
});

test("updates that do not follow on wait (missing), survive compaction and a restart, then apply", async () => {
  const a = await fresh("a", 1);
  await a.replica.create("contact", { first_name: "Ann" }, { id: "c1" });
  a.time.now += 1000;
  await a.replica.update("contact", "c1", { last_name: "Lee" });
  const [[, first], [, second]] = await a.replica.outbox();
  const b = await fresh("b", 2);
  const result = await b.replica.applyRemote([second]);
  assert.equal(result.missing, true);
  assert.equal(b.replica.missing(), true);
  assert.throws(() => b.replica.get("contact", "c1"), RecordNotFoundError);
  await b.replica.compact();
  assert.equal(b.storage.log.length, 0);
  const reopened = await WebReplica.open(b.storage, { clock: () => T0 });
  assert.equal(reopened.missing(), true);
  await reopened.applyRemote([first]);
  assert.equal(reopened.missing(), false);
  assert.equal(reopened.get("contact", "c1").last_name, "Lee");
});

test("the replica's clock follows stamps it sees, no further than the allowed skew", async () => {
  const a = await fresh("a", 1);
  const b = await fresh("b", 2);
  a.time.now = T0 + 60_000; // a's clock a minute ahead
  await a.replica.create("contact", { first_name: "Ann" }, { id: "c1" });
  await sync(a.replica, b.replica);
  await b.replica.update("contact", "c1", { first_name: "Anna" }); // b's edit comes after a's
  await sync(b.replica, a.replica);
  assert.equal(a.replica.get("contact", "c1").first_name, "Anna");
  const c = await fresh("c", 3);
  c.time.now = T0 + 3_600_000; // an hour ahead: others follow it only five minutes
  await c.replica.create("contact", { first_name: "Cy" }, { id: "c2" });
  await sync(c.replica, b.replica);
  assert.equal(b.replica.clock.last >> 16n, BigInt(T0 + 5 * 60_000));
});

test("meeting the relay's time re-stamps the unacknowledged edits of a wrong clock", async () => {
  const a = await fresh("a", 1);
  a.time.now = T0 + 3_600_000; // an hour ahead of the relay
  await a.replica.create("contact", { first_name: "Ann", last_name: "Lee" }, { id: "c1" });
  await a.replica.delete("contact", "c1");
  await a.replica.restore("contact", "c1");
  assert.equal(await a.replica.meetTime(T0), true);
  assert.equal(a.replica.timeOffset, -3_600_000);
  assert.equal(a.replica.restamped, true);
  const record = /** @type {Y.Map<unknown>} */ (a.replica.doc.getMap("contacts").get("c1"));
  for (const key of record.keys()) {
    const stamp = /** @type {bigint} */ (decodeStamp(key.split("|")[1]));
    assert.ok(Number(stamp >> 16n) <= T0 + 10, key);
  }
  assert.equal(a.replica.get("contact", "c1").first_name, "Ann");
  assert.equal(a.storage.meta.clock_offset, "-3600000");
  assert.equal(await a.replica.meetTime(T0 + 500), false); // within the tolerance
  const b = await fresh("b", 2);
  b.time.now = T0 + 1000;
  await sync(a.replica, b.replica);
  await b.replica.update("contact", "c1", { first_name: "Anna" });
  await sync(b.replica, a.replica);
  assert.equal(a.replica.get("contact", "c1").first_name, "Anna"); // a's hour ahead no longer wins
  const outbox = await a.replica.outbox();
  await a.replica.acknowledge(outbox[outbox.length - 1][0]);
  assert.equal(a.replica.restamped, false);
  const reopened = await WebReplica.open(a.storage, { clock: () => T0 + 3_600_000 });
  assert.equal(reopened.timeOffset, -3_600_000);
  assert.equal(reopened.now(), T0);
});

test("the space's locale orders names; a locale no collator knows is ignored", async () => {
  const { replica } = await fresh();
  for (const [id, name] of [["c1", "Öst"], ["c2", "Ost"], ["c3", "Zander"]]) {
    await replica.create("contact", { last_name: name }, { id });
  }
  assert.deepEqual(replica.list().map((r) => r.id), ["c2", "c1", "c3"]);
  const settings = new Y.Doc();
  settings.clientID = 7;
  settings.getMap("settings").set("locale", "sv");
  await replica.applyRemote([Y.encodeStateAsUpdate(settings)]);
  assert.equal(replica.locale, "sv");
  assert.deepEqual(replica.list().map((r) => r.id), ["c2", "c3", "c1"]);
  settings.getMap("settings").set("locale", "not a locale!");
  await replica.applyRemote([Y.encodeStateAsUpdate(settings)]);
  assert.equal(replica.locale, "sv");
});

test("lists stay in order as rows change, equal to sorting them afresh", async () => {
  const { replica, time } = await fresh();
  const names = ["Öst", "Ost", "Zander", "Ärlig", "Arlig", "Müller", "Muller", "Mueller", "smith", "Smith"];
  let seed = 7;
  const pick = () => names[(seed = (seed * 48271) % 2147483647) % names.length];
  for (let i = 0; i < 40; i++) await replica.create("contact", { last_name: pick(), first_name: pick() }, { id: `c${i}` });
  const collator = new Intl.Collator("und");
  /** @param {Record<string, unknown>[]} records */
  const sorted = (records) => [...records].sort((a, b) =>
    collator.compare(`${a.last_name}\ufffe${a.first_name}\ufffe\ufffe`, `${b.last_name}\ufffe${b.first_name}\ufffe\ufffe`) ||
    (String(a.id) < String(b.id) ? -1 : 1)).map((r) => r.id);
  assert.deepEqual(replica.list().map((r) => r.id), sorted(replica.list()));
  for (let i = 0; i < 60; i++) {
    time.now += 10;
    const id = `c${(seed = (seed * 48271) % 2147483647) % 40}`;
    if (i % 7 === 0) await replica.delete("contact", id).then(() => replica.restore("contact", id));
    else await replica.update("contact", id, { last_name: pick() });
    const listed = replica.list();
    assert.equal(listed.length, 40);
    assert.deepEqual(listed.map((r) => r.id), sorted(listed));
  }
});

test("new ids are random UUIDs; a replica id is made from one when none is given or stored", async () => {
  const { replica } = await fresh(undefined, undefined, { replicaId: undefined });
  assert.match(replica.replicaId, /^[0-9a-f]{16}$/);
  const id = await replica.create("contact", { first_name: "A" });
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await assert.rejects(replica.update("contact", id, /** @type {any} */ (null)),
    (e) => e instanceof ValidationError && e.message === "contact " + id + ": fields must be a mapping of name to value");
});

test("onRows tells of the rows each stored change wrote, local or remote, until stopped", async () => {
  const a = await fresh("a", 1);
  const b = await fresh("b", 2);
  /** @type {[string[], boolean][]} */
  const heard = [];
  const stop = b.replica.onRows((rows, whole) => heard.push([rows.map((r) => r.id), whole]));
  const id = await a.replica.create("contact", { first_name: "Ann" });
  await sync(a.replica, b.replica);
  await b.replica.update("contact", id, { job_title: "Buyer" });
  await Promise.resolve(); // listeners run in a microtask after the change
  assert.deepEqual(heard, [[[id], false], [[id], false]]);
  stop();
  await b.replica.update("contact", id, { job_title: "Head buyer" });
  await Promise.resolve();
  assert.equal(heard.length, 2);
});

test("a log past its limit is compacted after the change, not during it", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const a = await fresh("a", 1);
  const b = await fresh("b", 2);
  for (let n = 0; n < 20; n++) {
    await a.replica.create("contact", { first_name: `P${n}`, "custom.notes": "x".repeat(60_000) });
  }
  const result = await b.replica.applyRemote([a.replica.diff()]);
  assert.equal(result.records, 20);
  // The change is stored and answered before the compaction runs …
  assert.equal(b.storage.log.length, 1);
  // … which runs once changes pause, behind whatever was queued then (acknowledge is
  // queued too). The test's clock is Node's timers, moved by the test runner's mock.
  t.mock.timers.tick(COMPACT_QUIET_MS);
  await b.replica.acknowledge(0);
  assert.equal(b.storage.log.length, 0);
  assert.ok(b.storage.snapshot && b.storage.snapshot.length > 1_000_000);
  assert.equal(b.replica.get("contact", a.replica.rows("contact")[0].id).first_name, "P0");
});
