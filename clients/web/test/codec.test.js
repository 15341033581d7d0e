// The web client's wire codec against the vectors engine/codec.py wrote
// (tests/vectors/wire.json): same fields from the same bytes, same bytes from the same
// fields, and every bad frame refused with code 4400 and Python's reason word for word.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  CloseCode,
  MAX_VAR_UINT,
  PROTOCOL_VERSION,
  Reader,
  concat,
  decode,
  decodeOne,
  decodeStateVector,
  encode,
  encodeStateVector,
  writeVarBytes,
  writeVarString,
  writeVarUint,
} from "../src/codec.js";
import { ProtocolError } from "../src/errors.js";

const vectors = JSON.parse(
  readFileSync(new URL("../../../tests/vectors/wire.json", import.meta.url), "utf8"));

/** @param {string} hex */
const fromHex = (hex) => Uint8Array.from(Buffer.from(hex, "hex"));
/** @param {Uint8Array} bytes */
const toHex = (bytes) => Buffer.from(bytes).toString("hex");

/**
 * A vector's message (engine/codec.py's field names, bytes as {hex}) as this codec's
 * message object (camelCase names, Uint8Array).
 * @param {Record<string, unknown>} fields
 * @returns {import("../src/codec.js").Message}
 */
function toMessage(fields) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [name, value] of Object.entries(fields)) {
    const camel = name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    const hex = value !== null && typeof value === "object"
      ? /** @type {{hex: string}} */ (value).hex : null;
    out[camel] = hex === null ? value : fromHex(hex);
  }
  return /** @type {any} */ (out);
}

/**
 * @param {() => unknown} run
 * @param {string} reason
 */
function assertRefused(run, reason) {
  assert.throws(run, (/** @type {unknown} */ error) => {
    assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${error}`);
    assert.ok(error instanceof Error);
    assert.equal(error.code, 4400);
    assert.equal(error.reason, reason);
    assert.equal(error.message, `${reason} (code 4400)`);
    return true;
  });
}

test("the vectors cover every message type and the limits", () => {
  const types = new Set(vectors.messages.map((/** @type {any} */ v) => v.message.type));
  assert.deepEqual([...types].sort(), [
    "Ack", "AuthDenied", "Awareness", "CaughtUp", "Error", "Hello", "QueryAwareness",
    "Relayed", "SyncStep1", "SyncStep2", "SyncUpdate", "Time"]);
  assert.ok(vectors.bad_frames.length >= 20);
  assert.ok(vectors.frames.length >= 3);
});

test("constants and close codes are Python's", () => {
  assert.equal(PROTOCOL_VERSION, vectors.protocol_version);
  assert.equal(MAX_VAR_UINT, vectors.max_var_uint);
  assert.deepEqual({ ...CloseCode }, vectors.close_codes);
});

test("varUints at their edges", () => {
  for (const { value, hex } of vectors.var_uints) {
    assert.equal(toHex(writeVarUint(value)), hex, `write ${value}`);
    const reader = new Reader(concat([fromHex(hex), Uint8Array.of(0xaa)]));
    assert.equal(reader.readVarUint(), value, `read ${hex}`);
    assert.equal(reader.remaining, 1);
  }
});

test("writing a value that has no varUint form throws and writes nothing", () => {
  for (const value of [-1, MAX_VAR_UINT + 1, 1.5, NaN, Infinity, "1", 1n, null]) {
    assert.throws(() => writeVarUint(/** @type {any} */ (value)), RangeError, String(value));
  }
  assert.throws(() => encode({ type: "Ack", count: -1, seq: 0 }), RangeError);
  assert.throws(() => encode({ type: "Hello", protocolVersion: 1, replicaId: "r",
    resumeCursor: MAX_VAR_UINT + 1 }), RangeError);
  assert.throws(() => encode(/** @type {any} */ ({ type: "Hi" })), RangeError);
  assert.throws(() => encode(/** @type {any} */ ("hello")), RangeError);
});

test("strings count UTF-8 bytes; a lone surrogate has no UTF-8 form", () => {
  assert.equal(toHex(writeVarString("é")), "02c3a9");
  assert.equal(toHex(writeVarString("")), "00");
  assert.equal(toHex(writeVarString("😀")), "04f09f9880");
  assert.throws(() => writeVarString("\ud800"), RangeError);
  assert.throws(() => writeVarString("a\udc00b"), RangeError);
  assert.throws(() => encode({ type: "Error", code: 4400, reason: "\ud83d" }), RangeError);
  assert.equal(toHex(writeVarBytes(Uint8Array.of(0xde, 0xad))), "02dead");
});

test("the reader tracks its position", () => {
  const reader = new Reader(fromHex("80010261 62".replace(" ", "")));
  assert.deepEqual([reader.position, reader.remaining, reader.atEnd], [0, 5, false]);
  assert.equal(reader.readVarUint(), 128);
  assert.equal(reader.position, 2);
  assert.equal(reader.readVarString(), "ab");
  assert.deepEqual([reader.position, reader.remaining, reader.atEnd], [5, 0, true]);
  assertRefused(() => reader.readByte(), "truncated at byte 5");
  assertRefused(() => new Reader(Uint8Array.of(1, 2)).readBytes(3),
    "3 bytes wanted at byte 0, 2 left");
});

test("every message decodes to Python's fields and encodes to Python's bytes", () => {
  for (const { name, hex, message } of vectors.messages) {
    const expected = toMessage(message);
    assert.deepEqual(decode(fromHex(hex)), [expected], name);
    assert.deepEqual(decodeOne(fromHex(hex).buffer), expected, name);
    assert.equal(toHex(encode(expected)), hex, name);
  }
});

test("frames of several messages decode in order and encode back", () => {
  for (const { name, hex, messages } of vectors.frames) {
    const expected = messages.map(toMessage);
    assert.deepEqual(decode(fromHex(hex)), expected, name);
    assert.equal(toHex(concat(expected.map(encode))), hex, name);
    if (expected.length > 1) {
      assertRefused(() => decodeOne(fromHex(hex)),
        `expected one message, frame holds ${expected.length}`);
    }
  }
});

test("non-minimal varUints are accepted, as lib0 does, and written minimal", () => {
  for (const { name, hex, messages, canonical_hex } of vectors.decode_only) {
    const expected = messages.map(toMessage);
    assert.deepEqual(decode(fromHex(hex)), expected, name);
    assert.equal(toHex(concat(expected.map(encode))), canonical_hex, name);
  }
});

test("every bad frame is refused with code 4400 and Python's reason", () => {
  for (const { name, hex, reason } of vectors.bad_frames) {
    assertRefused(() => decode(fromHex(hex)), reason);
    void name;
  }
});

test("state vectors decode to Python's maps and encode to its bytes", () => {
  for (const { hex, state } of vectors.state_vectors) {
    const expected = new Map(state);
    assert.deepEqual(decodeStateVector(fromHex(hex)), expected, hex);
    assert.equal(toHex(encodeStateVector(expected)), hex);
  }
});

test("bad state vectors are refused with Python's reason", () => {
  for (const { hex, reason } of vectors.bad_state_vectors) {
    assertRefused(() => decodeStateVector(fromHex(hex)), reason);
  }
});

test("decoded bytes are copies, not views of the frame", () => {
  const frame = fromHex(vectors.messages.find((/** @type {any} */ v) =>
    v.message.type === "Relayed").hex);
  const [relayed] = decode(frame);
  assert.equal(relayed.type, "Relayed");
  const before = toHex(relayed.update);
  frame.fill(0);
  assert.equal(toHex(relayed.update), before);
});

test("a byte order mark at the start of a string is kept, as Python keeps it", () => {
  const [hello] = decode(encode({ type: "Hello", protocolVersion: 1, replicaId: "\ufeffx",
    resumeCursor: 0 }));
  assert.equal(hello.type === "Hello" && hello.replicaId, "\ufeffx");
});

test("random messages round trip (seeded)", () => {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const uint = () =>
    [0, 1, 127, 128, next(), next() * 4096 + (next() % 4096), MAX_VAR_UINT][next() % 7];
  const bytes = () => Uint8Array.from({ length: next() % 40 }, () => next() % 256);
  const text = () => String.fromCodePoint(...Array.from({ length: next() % 12 },
    () => [0x41 + (next() % 26), 0xe9, 0x1f600, 0x4e2d, 0][next() % 5]));
  /** @type {(() => import("../src/codec.js").Message)[]} */
  const makers = [
    () => ({ type: "SyncStep1", stateVector: bytes() }),
    () => ({ type: "SyncStep2", update: bytes() }),
    () => ({ type: "SyncUpdate", update: bytes() }),
    () => ({ type: "Awareness", payload: bytes() }),
    () => ({ type: "AuthDenied", reason: text() }),
    () => ({ type: "QueryAwareness" }),
    () => ({ type: "Hello", protocolVersion: uint(), replicaId: text(), resumeCursor: uint() }),
    () => ({ type: "Ack", count: uint(), seq: uint() }),
    () => ({ type: "Error", code: uint(), reason: text() }),
    () => ({ type: "Relayed", seq: uint(), update: bytes() }),
    () => ({ type: "CaughtUp", seq: uint() }),
    () => ({ type: "Time", nowMs: uint() }),
  ];
  for (let run = 0; run < 300; run++) {
    const batch = Array.from({ length: 1 + (next() % 5) }, () => makers[next() % makers.length]());
    assert.deepEqual(decode(concat(batch.map(encode))), batch);
  }
});
