// The app's connection to the relay (app/connection.js) on a real web replica, with a
// WebSocket stand-in the test drives: one socket at a time, a failing write that ends
// the connection instead of the queue, a token refused in mid-session, an old
// connection's late frames, and the back-off.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Connection, retryDelay, spaceUrl } from "../app/connection.js";
import { encode } from "../src/codec.js";
import { WebReplica } from "../src/replica.js";
import { TestStorage } from "./support/memory_storage.js";

const T0 = 1_800_000_000_000;

/** A WebSocket the test opens, feeds and closes by hand. */
class FakeSocket extends EventTarget {
  /** @param {string} url @param {string[]} protocols */
  constructor(url, protocols) {
    super();
    this.url = url;
    this.protocols = protocols;
    this.readyState = 0;
    this.binaryType = "blob";
    /** @type {Uint8Array[]} */
    this.sent = [];
    /** @type {[number, string] | null} */
    this.closedWith = null;
    FakeSocket.made.push(this);
  }

  /** @param {Uint8Array} data */
  send(data) {
    this.sent.push(data);
  }

  close(code = 1000, reason = "") {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.closedWith = [code, reason];
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason }));
  }

  opened() {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }

  /** @param {import("../src/codec.js").Message[]} messages */
  receive(...messages) {
    for (const message of messages) {
      const bytes = encode(message);
      const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      this.dispatchEvent(Object.assign(new Event("message"), { data }));
    }
  }
}
/** @type {FakeSocket[]} */
FakeSocket.made = [];

async function setUp() {
  FakeSocket.made = [];
  const storage = new TestStorage();
  let now = T0;
  const replica = await WebReplica.open(storage, { clock: () => ++now, replicaId: "phone", clientId: 9 });
  /** @type {import("../app/connection.js").SyncStatus[]} */
  const statuses = [];
  let cursor = 0;
  const connection = new Connection({
    replica, url: spaceUrl("https://relay.example.com/base/", "acme"), token: "hs_ab12cd_secret",
    loadCursor: async () => cursor, saveCursor: async (seq) => { cursor = seq; },
    onStatus: (status) => statuses.push(status), onReceived: () => {}, onAcknowledged: async () => {},
    WebSocket: /** @type {any} */ (FakeSocket), random: () => 0.5,
  });
  return { storage, replica, connection, statuses, last: () => statuses[statuses.length - 1] };
}

/** Let queued promise jobs run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** An update holding one contact, as another replica makes it. */
async function contactUpdate() {
  const other = await WebReplica.open(new TestStorage(), { clock: () => T0, replicaId: "pc", clientId: 7 });
  await other.create("contact", { first_name: "Ann" }, { id: "c1" });
  return other.diff();
}

test("Sync now right after opening makes no second connection", async () => {
  const { connection } = await setUp();
  connection.start();
  connection.scheduled();
  connection.syncNow();
  await settle();
  assert.equal(FakeSocket.made.length, 1);
  // The token travels as a subprotocol, never in the address.
  assert.equal(FakeSocket.made[0].url, "wss://relay.example.com/base/v1/spaces/acme");
  assert.deepEqual(FakeSocket.made[0].protocols, ["handsync", "handsync.token.hs_ab12cd_secret"]);
  connection.stop();
});

test("a write the storage refuses ends that connection, not the queue: the next one syncs", async () => {
  const { storage, replica, connection, last } = await setUp();
  const update = await contactUpdate();
  connection.start();
  await settle();
  const first = FakeSocket.made[0];
  first.opened();
  await settle();
  storage.failNext = true;
  first.receive({ type: "Time", nowMs: T0 }, { type: "SyncStep2", update }, { type: "CaughtUp", seq: 1 });
  await settle();
  assert.equal(first.readyState, 3);
  assert.equal(last().state, "offline");
  assert.match(last().error?.message ?? "", /^sync stopped: /);
  assert.deepEqual(replica.rows("contact"), []);

  connection.syncNow(); // what the retry does when its time comes
  await settle();
  assert.equal(FakeSocket.made.length, 2);
  const second = FakeSocket.made[1];
  second.opened();
  await settle();
  assert.ok(second.sent.length > 0, "the new connection says Hello");
  second.receive({ type: "Time", nowMs: T0 }, { type: "SyncStep2", update }, { type: "CaughtUp", seq: 1 });
  await settle();
  assert.equal(last().state, "live");
  assert.equal(replica.get("contact", "c1").first_name, "Ann");
  connection.stop();
});

test("a token refused in mid-session is a refusal: no retry, and the words say what to do", async () => {
  const { connection, last } = await setUp();
  connection.start();
  await settle();
  const socket = FakeSocket.made[0];
  socket.opened();
  await settle();
  socket.receive({ type: "Error", code: 4401, reason: "token revoked or expired" });
  await settle();
  assert.equal(last().state, "refused");
  assert.match(last().error?.message ?? "", /token revoked or expired.*code 4401.*ask for a new link/);
  assert.equal(connection.retryTimer, null);
  connection.syncNow();
  await settle();
  assert.equal(FakeSocket.made.length, 1); // refused stays refused until enrolled again
  connection.stop();
});

test("frames that reach an old connection after a new one opened change nothing", async () => {
  const { connection, last } = await setUp();
  connection.start();
  await settle();
  const old = FakeSocket.made[0];
  old.opened();
  await settle();
  connection.scheduled(); // a fresh round: the old socket is closed, a new one opens
  await settle();
  const fresh = FakeSocket.made[1];
  fresh.opened();
  await settle();
  const before = last();
  old.receive({ type: "Error", code: 4400, reason: "late garbage" });
  await settle();
  assert.equal(fresh.readyState, 1);
  assert.equal(last(), before);
  connection.stop();
});

test("the back-off doubles from 1 s to 5 minutes, a random half to all of it", () => {
  for (let failures = 1; failures <= 14; failures++) {
    const full = Math.min(300_000, 1000 * 2 ** (failures - 1));
    assert.equal(retryDelay(failures, () => 0), full / 2);
    assert.equal(retryDelay(failures, () => 1), full);
  }
  assert.ok(new Set(Array.from({ length: 50 }, (_, n) => retryDelay(3, () => n / 50))).size > 40);
});
