// Wire codec of the handsync sync protocol, as engine/codec.py: bytes in, message
// objects out, and back.
//
// The protocol is y-protocols (what stock Yjs clients and y-websocket speak) plus one
// extension message type, 100, that carries handsync's session control (hello, acks,
// errors, relay log sequence numbers, the relay's time). docs/protocol.md describes every
// byte; tests/vectors/wire.json holds this module to the Python one, byte for byte and
// error reason for error reason.
//
// Only framing lives here: a Yjs update or state vector inside a message is kept as
// opaque bytes. Anything that cannot be parsed throws ProtocolError with code 4400
// (CloseCode.BAD_MESSAGE); a peer should close the connection with that code and reason.
//
// Integers on the wire are lib0 varUints capped at 2^53 - 1 (Number.MAX_SAFE_INTEGER),
// so every value decodes exactly into a JavaScript number. The limits are handsync's,
// stricter than lib0's own decoder, which is why reading is done here and not by lib0.

import { ProtocolError } from "./errors.js";

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;
export const MESSAGE_HANDSYNC = 100;

export const SYNC_STEP1 = 0;
export const SYNC_STEP2 = 1;
export const SYNC_UPDATE = 2;

export const AUTH_PERMISSION_DENIED = 0;

export const HANDSYNC_HELLO = 0;
export const HANDSYNC_ACK = 1;
export const HANDSYNC_ERROR = 2;
export const HANDSYNC_RELAYED = 3;
export const HANDSYNC_CAUGHT_UP = 4;
export const HANDSYNC_TIME = 5;

export const PROTOCOL_VERSION = 1;

export const MAX_VAR_UINT = Number.MAX_SAFE_INTEGER; // 2^53 - 1
// 8 groups of 7 bits hold 56 bits, enough for 53; a 9th byte can only be garbage.
const MAX_VAR_UINT_BYTES = 8;

/**
 * WebSocket close codes (and Error message codes) used by handsync; docs/protocol.md
 * says when each one is used. 1000-1009 are RFC 6455's, 4xxx mirror HTTP statuses.
 */
export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  MESSAGE_TOO_BIG: 1009,
  BAD_MESSAGE: 4400,
  UNAUTHORIZED: 4401,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
  TOO_SLOW: 4408,
  PAYLOAD_TOO_LARGE: 4413,
  CLOCK_SKEW: 4425,
  UNSUPPORTED_VERSION: 4426,
  RATE_LIMITED: 4429,
  INTERNAL: 4500,
});

/** @param {string} reason */
const bad = (reason) => new ProtocolError(reason, { code: CloseCode.BAD_MESSAGE });

// -------------------------------------------------------------------------- messages
// One plain object per message, `type` named after engine/codec.py's class and the
// fields after its fields (camelCase).

/**
 * "This is what I have": the receiver answers with a SyncStep2.
 * @typedef {{ type: "SyncStep1", stateVector: Uint8Array }} SyncStep1
 */
/**
 * The update the sender of a SyncStep1 lacks: apply it.
 * @typedef {{ type: "SyncStep2", update: Uint8Array }} SyncStep2
 */
/**
 * An incremental update: apply it (a relay also stores and forwards it).
 * @typedef {{ type: "SyncUpdate", update: Uint8Array }} SyncUpdate
 */
/**
 * A y-protocols awareness update, kept opaque: forward it, never store it.
 * @typedef {{ type: "Awareness", payload: Uint8Array }} Awareness
 */
/**
 * The server refused access: stop syncing and show `reason`.
 * @typedef {{ type: "AuthDenied", reason: string }} AuthDenied
 */
/**
 * Asks the receiver for every awareness state it knows.
 * @typedef {{ type: "QueryAwareness" }} QueryAwareness
 */
/**
 * A client's first message: the relay answers with its log after `resumeCursor` (0 = all).
 * @typedef {{ type: "Hello", protocolVersion: number, replicaId: string,
 *   resumeCursor: number }} Hello
 */
/**
 * The first `count` updates the client sent on this connection are durable; the last of
 * them got relay log sequence number `seq`.
 * @typedef {{ type: "Ack", count: number, seq: number }} Ack
 */
/**
 * An error report; `code` is a CloseCode value, `reason` is for humans.
 * @typedef {{ type: "Error", code: number, reason: string }} ErrorMessage
 */
/**
 * A durable update of the relay log: apply it, then set the resume cursor to `seq`.
 * @typedef {{ type: "Relayed", seq: number, update: Uint8Array }} Relayed
 */
/**
 * The client now holds the whole relay log up to `seq`: the backlog is done.
 * @typedef {{ type: "CaughtUp", seq: number }} CaughtUp
 */
/**
 * The relay's wall clock when it sent this, in ms since the epoch: the time reference.
 * @typedef {{ type: "Time", nowMs: number }} Time
 */

/**
 * @typedef {SyncStep1 | SyncStep2 | SyncUpdate | Awareness | AuthDenied | QueryAwareness
 *   | Hello | Ack | ErrorMessage | Relayed | CaughtUp | Time} Message
 */

// ------------------------------------------------------------------------ primitives

/**
 * A value that cannot be encoded: the caller's bug, not the peer's, so not a
 * ProtocolError (engine/codec.py raises ValidationError with the same text).
 * @param {string} message
 * @param {unknown} value
 */
function unencodable(message, value) {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  return new RangeError(`${message} (value ${shown})`);
}

const utf8Encoder = new TextEncoder();

/** Collects encoded bytes; `bytes()` joins them. */
class Writer {
  constructor() {
    /** @type {Uint8Array[]} */
    this.parts = [];
    /** @type {number[]} small values not yet moved into `parts` */
    this.pending = [];
  }

  /** @param {number} n */
  varUint(n) {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > MAX_VAR_UINT) {
      throw unencodable(`varUint must be an int from 0 to ${MAX_VAR_UINT}`, n);
    }
    // Division, not >>>: bit operators cut a number to 32 bits.
    while (n > 0x7f) {
      this.pending.push(0x80 | (n % 0x80));
      n = Math.floor(n / 0x80);
    }
    this.pending.push(n);
  }

  /** @param {Uint8Array} b */
  varBytes(b) {
    if (!(b instanceof Uint8Array)) throw unencodable("bytes must be a Uint8Array", b);
    this.varUint(b.length);
    this.raw(b);
  }

  /** @param {string} s */
  varString(s) {
    // TextEncoder would write a lone surrogate as U+FFFD without a word; Python refuses.
    if (typeof s !== "string" || /\p{Cs}/u.test(s)) {
      throw unencodable("string cannot be encoded as UTF-8", s);
    }
    this.varBytes(utf8Encoder.encode(s));
  }

  /** @param {Uint8Array} b */
  raw(b) {
    this.flush();
    this.parts.push(b);
  }

  flush() {
    if (this.pending.length) {
      this.parts.push(Uint8Array.from(this.pending));
      this.pending = [];
    }
  }

  /** @returns {Uint8Array} */
  bytes() {
    this.flush();
    return concat(this.parts);
  }
}

/**
 * Join byte arrays into one (e.g. several encoded messages into one frame).
 * @param {Uint8Array[]} parts
 * @returns {Uint8Array}
 */
export function concat(parts) {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Encode `n` (0 to 2^53 - 1) as a lib0 varUint. RangeError for anything else.
 * @param {number} n
 * @returns {Uint8Array}
 */
export function writeVarUint(n) {
  const w = new Writer();
  w.varUint(n);
  return w.bytes();
}

/**
 * Encode `b` as a varUint length followed by the bytes themselves.
 * @param {Uint8Array} b
 * @returns {Uint8Array}
 */
export function writeVarBytes(b) {
  const w = new Writer();
  w.varBytes(b);
  return w.bytes();
}

/**
 * Encode `s` as its UTF-8 length (varUint) and UTF-8 bytes. RangeError for a string
 * with a lone surrogate, which has no UTF-8 form.
 * @param {string} s
 * @returns {Uint8Array}
 */
export function writeVarString(s) {
  const w = new Writer();
  w.varString(s);
  return w.bytes();
}

// fatal: invalid UTF-8 throws instead of turning into U+FFFD; ignoreBOM: a leading BOM is
// part of the text, as Python's "utf-8" codec keeps it.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A cursor over received bytes; every read advances it. Each read throws ProtocolError
 * (code 4400) when the bytes are malformed; the reader is then unusable and the caller
 * should drop the whole frame.
 */
export class Reader {
  /** @param {Uint8Array | ArrayBuffer} data */
  constructor(data) {
    /** @private @readonly */
    this.data = data instanceof Uint8Array ? data : new Uint8Array(data);
    /** @private */
    this.pos = 0;
  }

  /** Offset of the next byte to read. */
  get position() {
    return this.pos;
  }

  /** Number of bytes not yet read. */
  get remaining() {
    return this.data.length - this.pos;
  }

  /** True when every byte has been read; check it to reject trailing garbage. */
  get atEnd() {
    return this.pos >= this.data.length;
  }

  /** Read one varUint (at most 8 bytes, at most 2^53 - 1). @returns {number} */
  readVarUint() {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (let index = 0; index < MAX_VAR_UINT_BYTES; index++) {
      if (this.pos >= this.data.length) throw bad(`truncated varUint at byte ${start}`);
      const byte = this.data[this.pos];
      this.pos += 1;
      // Past 2^53 the sum may round, but never below 2^53, so the check below holds.
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
      if (byte < 0x80) {
        if (value > MAX_VAR_UINT) throw bad(`varUint at byte ${start} exceeds 2**53-1`);
        return value;
      }
    }
    throw bad(`varUint at byte ${start} longer than ${MAX_VAR_UINT_BYTES} bytes`);
  }

  /** Read one byte. @returns {number} */
  readByte() {
    if (this.pos >= this.data.length) throw bad(`truncated at byte ${this.pos}`);
    const byte = this.data[this.pos];
    this.pos += 1;
    return byte;
  }

  /**
   * Read exactly `count` bytes (a copy: it outlives the frame's buffer).
   * @param {number} count
   * @returns {Uint8Array}
   */
  readBytes(count) {
    if (count > this.remaining) {
      throw bad(`${count} bytes wanted at byte ${this.pos}, ${this.remaining} left`);
    }
    const chunk = this.data.slice(this.pos, this.pos + count);
    this.pos += count;
    return chunk;
  }

  /** Read a varUint length, then that many bytes. @returns {Uint8Array} */
  readVarBytes() {
    const start = this.pos;
    const length = this.readVarUint();
    if (length > this.remaining) {
      throw bad(`length ${length} at byte ${start} exceeds the ${this.remaining} bytes left`);
    }
    const chunk = this.data.slice(this.pos, this.pos + length);
    this.pos += length;
    return chunk;
  }

  /** Read a varUint length, then that many bytes of UTF-8 text. @returns {string} */
  readVarString() {
    const start = this.pos;
    const raw = this.readVarBytes();
    try {
      return utf8.decode(raw);
    } catch {
      throw bad(`invalid UTF-8 in string at byte ${start}`);
    }
  }
}

// --------------------------------------------------------------------- state vectors

/**
 * Encode a client id → clock map the way Yjs writes a state vector, clients in
 * ascending order so equal maps give equal bytes.
 * @param {Map<number, number>} state
 * @returns {Uint8Array}
 */
export function encodeStateVector(state) {
  const w = new Writer();
  w.varUint(state.size);
  for (const client of [...state.keys()].sort((a, b) => a - b)) {
    w.varUint(client);
    w.varUint(/** @type {number} */ (state.get(client)));
  }
  return w.bytes();
}

/**
 * Decode a Yjs state vector into client id → clock. ProtocolError for garbage, a client
 * listed twice, or trailing bytes.
 * @param {Uint8Array} data
 * @returns {Map<number, number>}
 */
export function decodeStateVector(data) {
  const reader = new Reader(data);
  const count = reader.readVarUint();
  /** @type {Map<number, number>} */
  const state = new Map();
  for (let i = 0; i < count; i++) {
    const client = reader.readVarUint();
    const clock = reader.readVarUint();
    if (state.has(client)) throw bad(`state vector lists client ${client} twice`);
    state.set(client, clock);
  }
  if (!reader.atEnd) throw bad(`${reader.remaining} trailing bytes after state vector`);
  return state;
}

// ------------------------------------------------------------------ encoding messages

/**
 * Encode one message. Send it as a binary frame, alone or joined with others (`concat`).
 * RangeError when a field cannot be encoded (negative or too large integer, a string
 * with a lone surrogate, or not a message at all).
 * @param {Message} msg
 * @returns {Uint8Array}
 */
export function encode(msg) {
  const w = new Writer();
  /** @param {number} type @param {number} [subtype] */
  const head = (type, subtype) => {
    w.varUint(type);
    if (subtype !== undefined) w.varUint(subtype);
  };
  switch (msg?.type) {
    case "SyncStep1":
      head(MESSAGE_SYNC, SYNC_STEP1);
      w.varBytes(msg.stateVector);
      break;
    case "SyncStep2":
      head(MESSAGE_SYNC, SYNC_STEP2);
      w.varBytes(msg.update);
      break;
    case "SyncUpdate":
      head(MESSAGE_SYNC, SYNC_UPDATE);
      w.varBytes(msg.update);
      break;
    case "Awareness":
      head(MESSAGE_AWARENESS);
      w.varBytes(msg.payload);
      break;
    case "AuthDenied":
      head(MESSAGE_AUTH, AUTH_PERMISSION_DENIED);
      w.varString(msg.reason);
      break;
    case "QueryAwareness":
      head(MESSAGE_QUERY_AWARENESS);
      break;
    case "Hello":
      head(MESSAGE_HANDSYNC, HANDSYNC_HELLO);
      w.varUint(msg.protocolVersion);
      w.varString(msg.replicaId);
      w.varUint(msg.resumeCursor);
      break;
    case "Ack":
      head(MESSAGE_HANDSYNC, HANDSYNC_ACK);
      w.varUint(msg.count);
      w.varUint(msg.seq);
      break;
    case "Error":
      head(MESSAGE_HANDSYNC, HANDSYNC_ERROR);
      w.varUint(msg.code);
      w.varString(msg.reason);
      break;
    case "Relayed":
      head(MESSAGE_HANDSYNC, HANDSYNC_RELAYED);
      w.varUint(msg.seq);
      w.varBytes(msg.update);
      break;
    case "CaughtUp":
      head(MESSAGE_HANDSYNC, HANDSYNC_CAUGHT_UP);
      w.varUint(msg.seq);
      break;
    case "Time":
      head(MESSAGE_HANDSYNC, HANDSYNC_TIME);
      w.varUint(msg.nowMs);
      break;
    default:
      throw unencodable("not a message", /** @type {{type?: unknown}} */ (msg)?.type);
  }
  return w.bytes();
}

// ------------------------------------------------------------------ decoding messages

/** @param {Reader} reader @returns {Message} */
function readSync(reader) {
  const subtype = reader.readVarUint();
  if (subtype === SYNC_STEP1) return { type: "SyncStep1", stateVector: reader.readVarBytes() };
  if (subtype === SYNC_STEP2) return { type: "SyncStep2", update: reader.readVarBytes() };
  if (subtype === SYNC_UPDATE) return { type: "SyncUpdate", update: reader.readVarBytes() };
  throw bad(`unknown sync message subtype ${subtype}`);
}

/** @param {Reader} reader @returns {Message} */
function readAuth(reader) {
  const subtype = reader.readVarUint();
  if (subtype === AUTH_PERMISSION_DENIED) {
    return { type: "AuthDenied", reason: reader.readVarString() };
  }
  throw bad(`unknown auth message subtype ${subtype}`);
}

/** @param {Reader} reader @returns {Message} */
function readHandsync(reader) {
  const subtype = reader.readVarUint();
  switch (subtype) {
    case HANDSYNC_HELLO: {
      const protocolVersion = reader.readVarUint();
      const replicaId = reader.readVarString();
      return { type: "Hello", protocolVersion, replicaId, resumeCursor: reader.readVarUint() };
    }
    case HANDSYNC_ACK: {
      const count = reader.readVarUint();
      return { type: "Ack", count, seq: reader.readVarUint() };
    }
    case HANDSYNC_ERROR: {
      const code = reader.readVarUint();
      return { type: "Error", code, reason: reader.readVarString() };
    }
    case HANDSYNC_RELAYED: {
      const seq = reader.readVarUint();
      return { type: "Relayed", seq, update: reader.readVarBytes() };
    }
    case HANDSYNC_CAUGHT_UP:
      return { type: "CaughtUp", seq: reader.readVarUint() };
    case HANDSYNC_TIME:
      return { type: "Time", nowMs: reader.readVarUint() };
    default:
      throw bad(`unknown handsync message subtype ${subtype}`);
  }
}

/**
 * Read the next message from `reader`; ProtocolError if it is malformed.
 * @param {Reader} reader
 * @returns {Message}
 */
export function readMessage(reader) {
  const messageType = reader.readVarUint();
  switch (messageType) {
    case MESSAGE_SYNC:
      return readSync(reader);
    case MESSAGE_AWARENESS:
      return { type: "Awareness", payload: reader.readVarBytes() };
    case MESSAGE_AUTH:
      return readAuth(reader);
    case MESSAGE_QUERY_AWARENESS:
      return { type: "QueryAwareness" };
    case MESSAGE_HANDSYNC:
      return readHandsync(reader);
    default:
      throw bad(`unknown message type ${messageType}`);
  }
}

/**
 * Decode every message of one received frame, in order; handle them in that order.
 * ProtocolError (code 4400) for an empty frame or any malformed message: then no message
 * of the frame should be handled, and the connection should be closed.
 * @param {Uint8Array | ArrayBuffer} data
 * @returns {Message[]}
 */
export function decode(data) {
  const reader = new Reader(data);
  if (reader.atEnd) throw bad("empty frame");
  /** @type {Message[]} */
  const messages = [];
  while (!reader.atEnd) messages.push(readMessage(reader));
  return messages;
}

/**
 * Decode a frame that must hold exactly one message (ProtocolError otherwise).
 * @param {Uint8Array | ArrayBuffer} data
 * @returns {Message}
 */
export function decodeOne(data) {
  const messages = decode(data);
  if (messages.length !== 1) throw bad(`expected one message, frame holds ${messages.length}`);
  return messages[0];
}
