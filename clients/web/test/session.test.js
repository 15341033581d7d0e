// The sans-I/O sync session (src/session.js), as tests/engine/test_session.py tests
// engine/session.py: frames in, frames out, real Yjs updates between real Y.Docs
// (test/support/doc_replica.js), and a relay double speaking the relay's side of
// docs/protocol.md (test/support/relay_double.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import * as Y from "yjs";

import { CloseCode, PROTOCOL_VERSION, concat, decode, encode } from "../src/codec.js";
import { SyncSession } from "../src/session.js";
import { DocReplica } from "./support/doc_replica.js";
import { RelayDouble } from "./support/relay_double.js";

/** @typedef {import("../src/codec.js").Message} Message */
/** @typedef {import("../src/session.js").SessionEvent} SessionEvent */

const NOW = 1_750_000_000_000;
const YEAR = 365 * 86_400_000;

/** @param {string} name @param {number} clientId @param {() => number} [wall] */
const makeReplica = (name, clientId, wall = () => NOW) =>
  new DocReplica({ replicaId: name, clientId, wall });

/** @param {Message} message */
const frame = (message) => encode(message);
/** @param {Message[]} messages */
const frameOf = (messages) => concat(messages.map(encode));

/** The messages a session wants to send now. @param {SyncSession} session @returns {Message[]} */
const sent = (session) => session.dataToSend().flatMap((f) => decode(f));

/** @param {Message[]} messages @returns {Uint8Array[]} */
const updatesOf = (messages) =>
  messages.flatMap((m) => (m.type === "SyncUpdate" ? [m.update] : []));

/** Connect, and hear the relay's time (the replicas' clocks are right): the outbox goes. */
async function greet(/** @type {SyncSession} */ session) {
  await session.connect();
  await session.receiveData(frame({ type: "Time", nowMs: NOW }));
}

/** Carry frames both ways between two sessions until both are quiet (bounded). */
async function pump(/** @type {SyncSession} */ a, /** @type {SyncSession} */ b) {
  for (let round = 0; round < 20; round++) {
    const outA = a.dataToSend();
    const outB = b.dataToSend();
    if (!outA.length && !outB.length) return;
    for (const f of outA) await b.receiveData(f);
    for (const f of outB) await a.receiveData(f);
  }
  assert.fail("sessions did not go quiet");
}

/** Updates of `source`'s outbox (its local edits), oldest first. @param {DocReplica} source */
async function outboxUpdates(source) {
  return (await source.outbox(0)).map(([, update]) => update);
}

test("connect sends Hello with the cursor and nothing else", async () => {
  const session = new SyncSession(makeReplica("a", 1), { resumeCursor: 42 });
  assert.deepEqual(session.dataToSend(), []); // nothing before the connection is open
  await session.connect();
  assert.deepEqual(sent(session), [
    { type: "Hello", protocolVersion: PROTOCOL_VERSION, replicaId: "a", resumeCursor: 42 }]);
});

test("the first connect also asks for the state", async () => {
  const replica = makeReplica("a", 1);
  const session = new SyncSession(replica);
  await session.connect();
  assert.deepEqual(sent(session), [
    { type: "Hello", protocolVersion: PROTOCOL_VERSION, replicaId: "a", resumeCursor: 0 },
    { type: "SyncStep1", stateVector: replica.stateVector() }]);
});

test("the outbox is sent and dropped only when acknowledged", async () => {
  const replica = makeReplica("a", 1);
  replica.set("c1", "first_name", "Ann");
  replica.set("c2", "first_name", "Bob");
  const session = new SyncSession(replica);
  await greet(session);
  const updates = updatesOf(sent(session));
  assert.equal(updates.length, 1); // both outbox entries merged into one message
  assert.equal((await replica.outbox(0)).length, 2);
  const peer = makeReplica("b", 2);
  await peer.applyRemote(updates);
  assert.deepEqual([peer.get("c1"), peer.get("c2")],
    [{ first_name: "Ann" }, { first_name: "Bob" }]);
  await session.receiveData(frame({ type: "Ack", count: 1, seq: 7 }));
  assert.deepEqual(await replica.outbox(0), []);
  assert.deepEqual(session.eventsReceived().filter((e) => e.type === "Acknowledged"),
    [{ type: "Acknowledged", outboxSeq: replica.lastSeq, seq: 7 }]);
});

test("a repeated or old Ack changes nothing", async () => {
  const replica = makeReplica("a", 1);
  replica.set("c1", "first_name", "Ann");
  const session = new SyncSession(replica, { resumeCursor: 3 });
  await greet(session);
  session.dataToSend();
  await session.receiveData(frame({ type: "Ack", count: 1, seq: 9 }));
  session.eventsReceived();
  replica.set("c1", "first_name", "Anna");
  await session.localChanged();
  assert.equal(updatesOf(sent(session)).length, 1);
  await session.receiveData(frame({ type: "Ack", count: 1, seq: 9 }));
  assert.deepEqual(session.eventsReceived(), []);
  assert.equal((await replica.outbox(0)).length, 1);
  assert.equal(session.unacknowledged, 1);
});

test("a local change is pushed at once", async () => {
  const replica = makeReplica("a", 1);
  const session = new SyncSession(replica);
  await greet(session);
  session.dataToSend();
  replica.set("c1", "first_name", "Ann");
  await session.localChanged();
  assert.deepEqual(sent(session).map((m) => m.type), ["SyncUpdate"]);
});

test("the window bounds the messages in flight", async () => {
  const replica = makeReplica("a", 1);
  for (let n = 0; n < 5; n++) replica.set(`c${n}`, "first_name", `N${n}`);
  const session = new SyncSession(replica, { batch: 1, window: 2 });
  await greet(session);
  assert.equal(updatesOf(sent(session)).length, 2);
  await session.receiveData(frame({ type: "Ack", count: 1, seq: 1 }));
  assert.equal(updatesOf(sent(session)).length, 1);
  assert.equal(session.unacknowledged, 2);
  assert.equal((await replica.outbox(0)).length, 4); // only the acknowledged one went
});

test("from a plain Yjs peer, which sends no Time, the outbox goes after its first frame",
  async () => {
    const replica = makeReplica("a", 1);
    replica.set("c1", "first_name", "Ann");
    const session = new SyncSession(replica, { resumeCursor: 2 });
    await session.connect();
    assert.deepEqual(sent(session).map((m) => m.type), ["Hello"]);
    await session.receiveData(frame({ type: "SyncStep2", update: Uint8Array.of(0, 0) }));
    const [update, ...rest] = updatesOf(sent(session));
    assert.equal(rest.length, 0);
    const peer = makeReplica("b", 2);
    await peer.applyRemote([update]);
    assert.deepEqual(peer.get("c1"), { first_name: "Ann" });
    assert.equal(replica.offset, null); // no time heard: the clock is left alone
  });

test("Synced waits until nothing of ours is in flight", async () => {
  const replica = makeReplica("a", 1);
  replica.set("c1", "first_name", "Ann");
  const session = new SyncSession(replica, { resumeCursor: 2 });
  await greet(session);
  await session.receiveData(frame({ type: "CaughtUp", seq: 4 }));
  assert.ok(!session.eventsReceived().some((e) => e.type === "Synced"));
  await session.receiveData(frame({ type: "Ack", count: 1, seq: 5 }));
  assert.deepEqual(session.eventsReceived().slice(-2), [
    { type: "CursorAdvanced", seq: 5 }, { type: "Synced", seq: 5 }]);
});

test("relayed updates apply and advance the cursor, then Synced", async () => {
  const source = makeReplica("src", 2);
  source.set("c1", "first_name", "Ann");
  const replica = makeReplica("a", 1);
  const session = new SyncSession(replica);
  await session.connect();
  session.dataToSend();
  const [update] = await outboxUpdates(source);
  await session.receiveData(frameOf([{ type: "Relayed", seq: 5, update },
    { type: "CaughtUp", seq: 9 }]));
  const events = session.eventsReceived();
  assert.deepEqual(events, [
    { type: "Received", updates: 1, records: 1 },
    { type: "CursorAdvanced", seq: 5 },
    { type: "CursorAdvanced", seq: 9 },
    { type: "Synced", seq: 9 }]);
  assert.equal(session.cursor, 9);
  assert.equal(session.caughtUp, true);
  assert.deepEqual(replica.get("c1"), { first_name: "Ann" });
});

test("the relayed updates of one frame are stored in one commit", async () => {
  const source = makeReplica("src", 2);
  for (let i = 0; i < 3; i++) source.set(`c${i}`, "first_name", `P${i}`);
  const updates = await outboxUpdates(source);
  const replica = makeReplica("a", 1);
  const session = new SyncSession(replica, { resumeCursor: 10 });
  await session.connect();
  session.dataToSend();
  await session.receiveData(frameOf(updates.map((update, i) =>
    ({ type: "Relayed", seq: 11 + i, update }))));
  assert.deepEqual(session.eventsReceived(), [
    { type: "Received", updates: 3, records: 3 }, { type: "CursorAdvanced", seq: 13 }]);
  assert.equal(replica.commits, 1);
  assert.deepEqual([0, 1, 2].map((i) => replica.get(`c${i}`).first_name), ["P0", "P1", "P2"]);
});

test("a bad update among relayed ones leaves the cursor, and applies nothing", async () => {
  const source = makeReplica("src", 2);
  source.set("c1", "first_name", "Ann");
  const [good] = await outboxUpdates(source);
  const replica = makeReplica("a", 1);
  const session = new SyncSession(replica, { resumeCursor: 10 });
  await session.connect();
  session.dataToSend();
  await session.receiveData(frameOf([{ type: "Relayed", seq: 11, update: good },
    { type: "Relayed", seq: 12, update: Uint8Array.of(7, ...Buffer.from("garbage")) }]));
  assert.equal(session.cursor, 10);
  assert.equal(session.failed?.code, CloseCode.BAD_MESSAGE);
  assert.equal(session.failed?.reason, "an update (8 bytes) is not a valid Yjs update");
  assert.deepEqual(replica.get("c1"), {});
  assert.equal(replica.commits, 0);
});

test("a SyncStep1 is answered with what the peer lacks", async () => {
  const replica = makeReplica("a", 1);
  replica.set("c1", "first_name", "Ann");
  const session = new SyncSession(replica);
  await session.connect();
  session.dataToSend();
  const empty = makeReplica("b", 2);
  await session.receiveData(frame({ type: "SyncStep1", stateVector: empty.stateVector() }));
  const [answer, ...rest] = sent(session);
  assert.equal(answer.type, "SyncStep2");
  // the answer holds the outbox too: it is not sent again as an update
  assert.deepEqual(rest, []);
  assert.equal(session.unacknowledged, 1);
  await empty.applyRemote([answer.type === "SyncStep2" ? answer.update : new Uint8Array()]);
  assert.deepEqual(empty.get("c1"), { first_name: "Ann" });
});

test("two plain peers converge with concurrent edits", async () => {
  const a = makeReplica("a", 1);
  const b = makeReplica("b", 2);
  a.set("c1", "first_name", "Ann");
  a.set("c1", "email", "ann@x.com");
  const sa = new SyncSession(a);
  const sb = new SyncSession(b);
  await sa.connect();
  await sb.connect();
  await pump(sa, sb);
  assert.deepEqual(b.get("c1"), { first_name: "Ann", email: "ann@x.com" });
  a.set("c1", "email", "a@x.com");
  b.set("c1", "email", "b@x.com");
  b.set("c1", "job_title", "CEO");
  await sa.localChanged();
  await sb.localChanged();
  await pump(sa, sb);
  assert.deepEqual(a.get("c1"), b.get("c1"));
  assert.equal(a.get("c1").job_title, "CEO");
  assert.deepEqual(Y.encodeStateVector(a.doc), Y.encodeStateVector(b.doc));
  assert.ok(a.keys("c1").includes(b.keys("c1").find((k) => k.startsWith("email|") &&
    k.endsWith("|b")) ?? "none")); // both edits are kept, the newest shown
});

test("out-of-order updates trigger one repair request", async () => {
  const source = makeReplica("src", 2);
  source.set("c1", "first_name", "Ann");
  for (let n = 0; n < 3; n++) source.set("c1", "first_name", `Ann${n}`);
  const updates = await outboxUpdates(source);
  const replica = makeReplica("a", 1);
  await replica.applyRemote([updates[0]]);
  const session = new SyncSession(replica, { resumeCursor: 1 });
  await session.connect();
  session.dataToSend();
  await session.receiveData(frame({ type: "SyncUpdate", update: updates[3] }));
  assert.equal(replica.missing(), true);
  assert.deepEqual(sent(session), [{ type: "SyncStep1", stateVector: replica.stateVector() }]);
  await session.receiveData(frame({ type: "SyncUpdate", update: updates[2] }));
  assert.deepEqual(sent(session), []); // one request at a time
  await session.receiveData(frame({ type: "SyncStep2",
    update: source.diff(replica.stateVector()) }));
  assert.equal(replica.missing(), false);
  assert.equal(replica.get("c1").first_name, "Ann2");
  assert.deepEqual(sent(session), []);
});

/** @type {[string, Uint8Array, string][]} */
const BAD_FRAMES = [
  ["an empty frame", new Uint8Array(), "empty frame"],
  ["an unknown message type", Uint8Array.of(7), "unknown message type 7"],
  ["a length past the end", Uint8Array.of(0, 2, 5, 0x61, 0x62),
    "length 5 at byte 2 exceeds the 2 bytes left"],
  ["an update that is not Yjs", encode({ type: "SyncUpdate",
    update: Uint8Array.of(1, 2, ...Buffer.from("garbage")) }),
  "an update (9 bytes) is not a valid Yjs update"],
  ["an Ack for more than was sent", encode({ type: "Ack", count: 3, seq: 1 }),
    "ack for 3 updates, only 0 sent"],
  ["a state vector listing a client twice",
    encode({ type: "SyncStep1", stateVector: Uint8Array.of(2, 5, 2, 5, 3) }),
    "state vector lists client 5 twice"],
  // engine/session.py lets the document's ValueError out of receive_data for this one
  ["a state vector that is not one",
    encode({ type: "SyncStep1", stateVector: Uint8Array.of(7, ...Buffer.from("garbage")) }),
    "truncated varUint at byte 8"],
];

for (const [name, bad, reason] of BAD_FRAMES) {
  test(`bad input fails the session and stores nothing: ${name}`, async () => {
    const replica = makeReplica("a", 1);
    replica.set("c1", "first_name", "Ann");
    const before = { sv: replica.stateVector(), seq: replica.lastSeq,
      outbox: (await replica.outbox(0)).length };
    const session = new SyncSession(replica);
    await session.connect();
    session.dataToSend();
    await session.receiveData(bad);
    const failures = session.eventsReceived().filter((e) => e.type === "Failed");
    assert.deepEqual(failures, [{ type: "Failed", code: CloseCode.BAD_MESSAGE, reason }]);
    assert.deepEqual(sent(session), [{ type: "Error", code: CloseCode.BAD_MESSAGE, reason }]);
    assert.deepEqual({ sv: replica.stateVector(), seq: replica.lastSeq,
      outbox: (await replica.outbox(0)).length }, before);
    assert.equal(replica.commits, 0);
    await session.receiveData(frame({ type: "CaughtUp", seq: 3 })); // ignored once failed
    assert.deepEqual(session.eventsReceived(), []);
    assert.equal(session.cursor, 0);
    assert.deepEqual(session.dataToSend(), []);
  });
}

for (const refusal of /** @type {Message[]} */ ([
  { type: "Error", code: CloseCode.FORBIDDEN, reason: "token of another space" },
  { type: "AuthDenied", reason: "revoked" }])) {
  test(`a refusal from the peer is reported, not answered: ${refusal.type}`, async () => {
    const session = new SyncSession(makeReplica("a", 1));
    await session.connect();
    session.dataToSend();
    await session.receiveData(frame(refusal));
    const code = refusal.type === "Error" ? refusal.code : CloseCode.UNAUTHORIZED;
    const reason = refusal.type === "Error" || refusal.type === "AuthDenied" ? refusal.reason : "";
    assert.deepEqual(session.eventsReceived(), [{ type: "Failed", code, reason }]);
    assert.deepEqual(session.dataToSend(), []);
  });
}

test("outbox entries are merged only up to the byte limit", async () => {
  const replica = makeReplica("a", 1);
  for (let n = 0; n < 6; n++) replica.set(`c${n}`, "last_name", `N${n}${"x".repeat(400)}`);
  const sizes = (await replica.outbox(0)).map(([, update]) => update.length);
  const session = new SyncSession(replica, { batchBytes: sizes[0] + sizes[1] });
  await greet(session);
  const updates = updatesOf(sent(session));
  assert.equal(updates.length, 3); // two entries per message: a third would pass the limit
  const peer = makeReplica("b", 2);
  await peer.applyRemote(updates);
  assert.equal(peer.root.size, 6);
  const alone = new SyncSession(makeReplica("c", 3), { batchBytes: 1 });
  /** @type {DocReplica} */ (alone.replica).set("c1", "first_name", "Big");
  await greet(alone);
  assert.equal(updatesOf(sent(alone)).length, 1); // one entry always goes
});

test("the cursor passes own updates only when nothing lies between", async () => {
  const replica = makeReplica("a", 1);
  for (let n = 0; n < 4; n++) replica.set(`c${n}`, "first_name", `N${n}`);
  const session = new SyncSession(replica, { resumeCursor: 10, batch: 1 });
  await greet(session);
  session.dataToSend();
  await session.receiveData(frame({ type: "Ack", count: 1, seq: 11 })); // ours, right after
  assert.equal(session.cursor, 11);
  assert.ok(session.eventsReceived().some((e) => e.type === "CursorAdvanced" && e.seq === 11));
  await session.receiveData(frame({ type: "Ack", count: 3, seq: 14 })); // the last one's is 14
  assert.equal(session.cursor, 11);
  const source = makeReplica("src", 2);
  source.set("x", "first_name", "Other");
  const [other] = await outboxUpdates(source);
  await session.receiveData(frame({ type: "Relayed", seq: 12, update: other }));
  assert.equal(session.cursor, 12); // 13 may be ours or someone else's: not passed
  await session.receiveData(frame({ type: "Ack", count: 4, seq: 16 })); // 15 lies between
  assert.equal(session.cursor, 12);
  await session.receiveData(frame({ type: "Relayed", seq: 13, update: other }));
  assert.equal(session.cursor, 14); // 13 received, 14 ours
  await session.receiveData(frame({ type: "CaughtUp", seq: 15 }));
  assert.equal(session.cursor, 16); // 15 received, 16 ours
});

test("the outbox waits for the relay's time", async () => {
  const replica = makeReplica("a", 1, () => NOW + 40);
  replica.set("c1", "first_name", "Ann");
  const session = new SyncSession(replica, { resumeCursor: 5 });
  await session.connect();
  assert.deepEqual(updatesOf(sent(session)), []);
  await session.receiveData(frame({ type: "Time", nowMs: NOW }));
  assert.equal(updatesOf(sent(session)).length, 1);
  assert.equal(replica.offset, -40);
});

test("edits made on a clock a year ahead leave re-stamped, in one update", async () => {
  const replica = makeReplica("a", 1, () => NOW + YEAR);
  replica.set("c1", "first_name", "Ann");
  for (const title of ["Rep", "Buyer", "CFO"]) replica.set("c1", "job_title", title);
  // batch and batchBytes alone would send one entry per message…
  const session = new SyncSession(replica, { resumeCursor: 5, batch: 1, batchBytes: 1 });
  await session.connect();
  await session.receiveData(frame({ type: "Time", nowMs: NOW }));
  const updates = updatesOf(sent(session));
  assert.equal(updates.length, 1); // …but the re-stamped outbox goes whole, retirements included
  const other = makeReplica("b", 2);
  await other.applyRemote(updates);
  assert.deepEqual(other.get("c1"), { first_name: "Ann", job_title: "CFO" });
  const stamps = other.keys("c1").map((k) => Number(k.split("|")[1]));
  assert.equal(stamps.length, 4); // the old keys are deleted by the same update
  for (const stamp of stamps) assert.ok(Math.abs(stamp - NOW) < 1000, String(stamp));
  await session.receiveData(frame({ type: "Ack", count: 1, seq: 6 }));
  assert.equal(replica.restamped, false);
  assert.deepEqual(await replica.outbox(0), []);
});

test("a refusal of our stamps corrects the offset and re-stamps", async () => {
  let wall = NOW;
  const replica = makeReplica("a", 1, () => wall);
  const session = new SyncSession(replica, { resumeCursor: 5 });
  await greet(session);
  wall += YEAR; // the clock jumps a year during the session
  replica.set("c1", "first_name", "Ann");
  await session.localChanged();
  const [pushed] = updatesOf(sent(session));
  const peer = makeReplica("p", 3);
  await peer.applyRemote([pushed]);
  assert.ok(Number(peer.keys("c1")[0].split("|")[1]) > NOW + YEAR - 1000);
  await session.receiveData(frameOf([{ type: "Time", nowMs: NOW + 10 },
    { type: "Error", code: CloseCode.CLOCK_SKEW, reason: "ahead" }]));
  assert.deepEqual(session.eventsReceived().at(-1),
    { type: "Failed", code: CloseCode.CLOCK_SKEW, reason: "ahead" });
  assert.equal(replica.restamped, true);
  const again = new SyncSession(replica, { resumeCursor: 5 });
  await greet(again);
  const [resent, ...more] = updatesOf(sent(again));
  assert.equal(more.length, 0);
  const fresh = makeReplica("f", 4);
  await fresh.applyRemote([resent]);
  const [key, ...others] = fresh.keys("c1");
  assert.equal(others.length, 0);
  assert.ok(Math.abs(Number(key.split("|")[1]) - NOW) < 1000, key);
});

test("commands run in the order they were called, even when not awaited", async () => {
  const source = makeReplica("src", 2);
  source.set("c1", "first_name", "Ann");
  source.set("c1", "first_name", "Anna");
  const [first, second] = await outboxUpdates(source);
  const replica = makeReplica("a", 1);
  const session = new SyncSession(replica, { resumeCursor: 4 });
  const connected = session.connect();
  const one = session.receiveData(frame({ type: "Relayed", seq: 5, update: first }));
  const two = session.receiveData(frame({ type: "Relayed", seq: 6, update: second }));
  const three = session.receiveData(frame({ type: "CaughtUp", seq: 6 }));
  await Promise.all([connected, one, two, three]);
  assert.deepEqual(session.eventsReceived(), [
    { type: "Received", updates: 1, records: 1 }, { type: "CursorAdvanced", seq: 5 },
    { type: "Received", updates: 1, records: 1 }, { type: "CursorAdvanced", seq: 6 },
    { type: "Synced", seq: 6 }]);
  assert.equal(replica.missing(), false);
  assert.equal(replica.get("c1").first_name, "Anna");
});

test("a failing replica rejects that command only; the next still runs", async () => {
  const replica = makeReplica("a", 1);
  const session = new SyncSession(replica, { resumeCursor: 2 });
  await session.connect();
  session.dataToSend();
  const broken = new Error("storage is full");
  replica.meetTime = async () => { throw broken; };
  await assert.rejects(session.receiveData(frame({ type: "Time", nowMs: NOW })), broken);
  await session.receiveData(frame({ type: "CaughtUp", seq: 3 }));
  assert.equal(session.cursor, 3);
  assert.equal(session.failed, null);
});

test("awareness is reported, query-awareness and Hello ignored", async () => {
  const session = new SyncSession(makeReplica("a", 1), { resumeCursor: 1 });
  await session.connect();
  session.dataToSend();
  const payload = Uint8Array.of(1, 7, 1, 4, ...Buffer.from("null"));
  await session.receiveData(frameOf([{ type: "Awareness", payload }, { type: "QueryAwareness" },
    { type: "Hello", protocolVersion: 1, replicaId: "x", resumeCursor: 0 }]));
  assert.deepEqual(session.eventsReceived(), [{ type: "AwarenessReceived", payload }]);
  assert.deepEqual(session.dataToSend(), []);
  assert.equal(session.failed, null);
});

// ------------------------------------------------------------- through a relay

/**
 * Carry frames between sessions and their relay connections until all are quiet.
 * @param {[SyncSession, import("./support/relay_double.js").RelayConnection][]} pairs
 */
async function exchange(pairs) {
  for (let round = 0; round < 30; round++) {
    let moved = false;
    for (const [session, connection] of pairs) {
      for (const f of session.dataToSend()) {
        moved = true;
        connection.receive(f);
      }
      for (const f of connection.take()) {
        moved = true;
        await session.receiveData(f);
      }
    }
    if (!moved) return;
  }
  assert.fail("the exchange did not go quiet");
}

test("two devices sync through a relay: acks empty the outboxes, cursors follow the log",
  async () => {
    const relay = new RelayDouble({ now: () => NOW });
    const a = makeReplica("a", 1);
    const b = makeReplica("b", 2);
    a.set("c1", "first_name", "Ann"); // made offline, before any connection
    const sa = new SyncSession(a);
    const sb = new SyncSession(b);
    const ca = relay.connect();
    const cb = relay.connect();
    await sa.connect();
    await sb.connect();
    await exchange([[sa, ca], [sb, cb]]);
    assert.deepEqual(b.get("c1"), { first_name: "Ann" });
    assert.deepEqual(await a.outbox(0), []);
    assert.equal(relay.head(), 1);
    assert.equal(sa.cursor, 1); // its own update, right after its cursor
    assert.equal(sb.cursor, 1);
    const eventsA = sa.eventsReceived();
    assert.ok(eventsA.some((e) => e.type === "Acknowledged" && e.seq === 1));
    assert.ok(eventsA.some((e) => e.type === "Synced"));

    b.set("c1", "job_title", "CEO");
    a.set("c2", "first_name", "Bob");
    await sb.localChanged();
    await sa.localChanged();
    await exchange([[sa, ca], [sb, cb]]);
    assert.deepEqual(a.get("c1"), { first_name: "Ann", job_title: "CEO" });
    assert.deepEqual(b.get("c2"), { first_name: "Bob" });
    assert.deepEqual(Y.encodeStateVector(a.doc), Y.encodeStateVector(relay.doc));
    assert.deepEqual(Y.encodeStateVector(b.doc), Y.encodeStateVector(relay.doc));
    assert.equal(relay.head(), 3);
    assert.deepEqual([sa.cursor, sb.cursor], [3, 3]);
    assert.deepEqual([await a.outbox(0), await b.outbox(0)], [[], []]);

    // b goes away; a edits; b comes back with its cursor and gets exactly what it missed.
    cb.close();
    a.set("c1", "email", "ann@x.com");
    await sa.localChanged();
    await exchange([[sa, ca]]);
    const resumed = new SyncSession(b, { resumeCursor: sb.cursor });
    const cb2 = relay.connect();
    await resumed.connect();
    assert.deepEqual(sent(resumed).map((m) => m.type), ["Hello"]);
    cb2.receive(frame({ type: "Hello", protocolVersion: 1, replicaId: "b", resumeCursor: 3 }));
    const [catchUp] = cb2.take();
    assert.deepEqual(decode(catchUp).map((m) => m.type), ["Time", "Relayed", "CaughtUp"]);
    await resumed.receiveData(catchUp);
    assert.deepEqual(resumed.eventsReceived(), [
      { type: "Received", updates: 1, records: 1 },
      { type: "CursorAdvanced", seq: 4 },
      { type: "Synced", seq: 4 }]);
    assert.equal(b.get("c1").email, "ann@x.com");
  });
