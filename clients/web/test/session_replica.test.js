// The sync session on the real web replica (the session's own tests use a Y.Doc double):
// two replicas sync through the in-memory relay, and a bad update from the peer ends the
// session with Failed (4400) and leaves the replica and its storage untouched.
import assert from "node:assert/strict";
import { test } from "node:test";

import { encode } from "../src/codec.js";
import { WebReplica } from "../src/replica.js";
import { SyncSession } from "../src/session.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { RelayDouble } from "./support/relay_double.js";

const T0 = 1_800_000_000_000;

/** @param {string} name @param {number} clientId */
async function replica(name, clientId) {
  let now = T0;
  const storage = new MemoryStorage();
  const opened = await WebReplica.open(storage, { clock: () => ++now, replicaId: name, clientId });
  return { replica: opened, storage };
}

/** Run one session against the relay until it has nothing more to say. @param {SyncSession} session @param {RelayDouble} relay */
async function exchange(session, relay) {
  const peer = relay.connect();
  await session.connect();
  for (let round = 0; round < 20; round++) {
    const out = session.dataToSend();
    for (const frame of out) peer.receive(frame);
    const back = peer.take();
    if (out.length === 0 && back.length === 0) return session.eventsReceived();
    for (const frame of back) await session.receiveData(frame);
  }
  throw new Error("the session did not settle in 20 rounds");
}

test("two web replicas sync through a relay with the real session", async () => {
  const relay = new RelayDouble({ now: () => T0 });
  const a = await replica("a", 1);
  const b = await replica("b", 2);
  const id = await a.replica.create("contact", { first_name: "Jürgen", last_name: "Müller" });
  const sentA = await exchange(new SyncSession(a.replica), relay);
  assert.ok(sentA.some((e) => e.type === "Acknowledged"));
  assert.deepEqual(await a.replica.outbox(0), []);
  await exchange(new SyncSession(b.replica), relay);
  assert.equal(b.replica.get("contact", id).last_name, "Müller");
  assert.equal(b.replica.search("muller", "contact").length, 1);
});

test("a bad update from the peer fails the session: 4400, nothing applied or stored", async () => {
  const { replica: web, storage } = await replica("a", 1);
  await web.create("contact", { first_name: "Ann" });
  const before = JSON.stringify(await storage.stats());
  const rows = web.rows("contact");
  const session = new SyncSession(web);
  await session.connect();
  session.dataToSend();
  await session.receiveData(encode({ type: "SyncUpdate", update: Uint8Array.of(1, 2, 99, 7) }));
  const failed = session.eventsReceived().filter((e) => e.type === "Failed");
  assert.equal(failed.length, 1);
  assert.equal(/** @type {any} */ (failed[0]).code, 4400);
  assert.equal(JSON.stringify(await storage.stats()), before);
  assert.deepEqual(web.rows("contact"), rows);
});
