// The web client's sync session replayed through the exchanges engine/session.py had
// with a Python replica (tests/vectors/session.json): the same frames received, the same
// local updates made, and after each step the same messages sent, the same events, the
// same cursor and the same number of updates in flight.
//
// Messages are compared field by field. A state vector is compared as a map and an update
// by what it builds (Yjs and pycrdt may order the same content differently); an update
// the session passes on unchanged (one outbox entry) is also compared byte for byte.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as Y from "yjs";

import { decode, decodeStateVector } from "../src/codec.js";
import { SyncSession } from "../src/session.js";
import { DocReplica } from "./support/doc_replica.js";

const vectors = JSON.parse(
  readFileSync(new URL("../../../tests/vectors/session.json", import.meta.url), "utf8"));

/** @param {string} hex */
const fromHex = (hex) => Uint8Array.from(Buffer.from(hex, "hex"));
/** @param {string} name */
const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/**
 * A vector's event (engine/session.py's field names, bytes as {hex}) as the web
 * session's event object.
 * @param {Record<string, unknown>} fields
 */
function toEvent(fields) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [name, value] of Object.entries(fields)) {
    const hex = value !== null && typeof value === "object"
      ? /** @type {{hex: string}} */ (value).hex : null;
    out[camel(name)] = hex === null ? value : fromHex(hex);
  }
  return out;
}

/** What an update builds: the document's snapshot and content. @param {Uint8Array} update */
function built(update) {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  const content = Object.fromEntries([...doc.share.keys()].sort()
    .map((name) => [name, doc.getMap(name).toJSON()]));
  return { doc, content };
}

/**
 * @param {import("../src/codec.js").Message} got
 * @param {import("../src/codec.js").Message} want
 * @param {string} where
 */
function assertSameMessage(got, want, where) {
  assert.equal(got.type, want.type, where);
  if (got.type === "SyncStep1" && want.type === "SyncStep1") {
    assert.deepEqual(decodeStateVector(got.stateVector), decodeStateVector(want.stateVector),
      where);
  } else if ((got.type === "SyncStep2" && want.type === "SyncStep2")
      || (got.type === "SyncUpdate" && want.type === "SyncUpdate")) {
    const a = built(got.update);
    const b = built(want.update);
    assert.deepEqual(a.content, b.content, where);
    assert.ok(Y.equalSnapshots(Y.snapshot(a.doc), Y.snapshot(b.doc)), `${where}: snapshots`);
  } else {
    assert.deepEqual(got, want, where);
  }
}

test("the vectors hold scenarios with every kind of step and event", () => {
  const steps = vectors.scenarios.flatMap((/** @type {any} */ s) => s.steps);
  assert.deepEqual(new Set(steps.map((/** @type {any} */ s) => s.do)),
    new Set(["connect", "receive", "local"]));
  const events = new Set(steps.flatMap((/** @type {any} */ s) =>
    s.events.map((/** @type {any} */ e) => e.type)));
  assert.deepEqual([...events].sort(), ["Acknowledged", "AwarenessReceived", "CursorAdvanced",
    "Failed", "Received", "Synced"]);
});

for (const scenario of vectors.scenarios) {
  test(`replayed as Python played it: ${scenario.name}`, async () => {
    const replica = new DocReplica({ replicaId: scenario.replica_id, clientId: 1,
      wall: () => vectors.now_ms });
    for (const hex of scenario.outbox) replica.loadLocal(fromHex(hex));
    /** @type {Set<string>} the local updates, as hex */
    const local = new Set([...scenario.outbox,
      ...scenario.steps.flatMap((/** @type {any} */ s) => s.updates ?? [])]);
    let passedOn = 0;
    const options = Object.fromEntries(Object.entries(scenario.options)
      .map(([name, value]) => [camel(name), value]));
    const session = new SyncSession(replica, options);
    for (const [index, step] of scenario.steps.entries()) {
      const where = `${scenario.name}, step ${index + 1} (${step.do})`;
      if (step.do === "connect") {
        await session.connect();
      } else if (step.do === "receive") {
        await session.receiveData(fromHex(step.frame));
      } else {
        for (const hex of step.updates) replica.loadLocal(fromHex(hex));
        await session.localChanged();
      }
      const frames = session.dataToSend();
      assert.equal(frames.length, step.out.length, `${where}: frames`);
      frames.forEach((frame, n) => {
        const got = decode(frame);
        const want = decode(fromHex(step.out[n]));
        assert.equal(got.length, want.length, where);
        got.forEach((message, m) => {
          const expected = want[m];
          assertSameMessage(message, expected, `${where}, message ${m}`);
          if (message.type === "SyncUpdate" && expected.type === "SyncUpdate"
              && local.has(Buffer.from(expected.update).toString("hex"))) {
            assert.deepEqual(message.update, expected.update, `${where}: passed on unchanged`);
            passedOn += 1;
          }
        });
      });
      assert.deepEqual(session.eventsReceived(), step.events.map(toEvent), `${where}: events`);
      assert.equal(session.cursor, step.cursor, `${where}: cursor`);
      assert.equal(session.unacknowledged, step.unacknowledged, `${where}: in flight`);
      assert.equal(replica.missing(), step.missing, `${where}: missing`);
    }
    const sentAlone = scenario.steps.flatMap((/** @type {any} */ s) => s.out)
      .flatMap((/** @type {string} */ hex) => decode(fromHex(hex)))
      .filter((/** @type {any} */ m) => m.type === "SyncUpdate"
        && local.has(Buffer.from(m.update).toString("hex"))).length;
    assert.equal(passedOn, sentAlone);
  });
}
