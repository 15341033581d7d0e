// A relay for session tests, in memory: the part of relay/peer.py's protocol a client
// sees (docs/protocol.md, "Session flow"). It keeps a log of updates with sequence
// numbers and a Y.Doc of them all; answers Hello with Time, then either the log after
// the cursor as Relayed and CaughtUp, or (cursor 0) a SyncStep1 with SyncStep2 and
// CaughtUp; stores each update it receives, acknowledges it cumulatively and forwards it
// to the other connections as Relayed. The messages answering one frame go in one frame.
// No storage, no tokens, no compaction, no clock checks.

import * as Y from "yjs";

import { concat, decode, encode } from "../../src/codec.js";

/** @typedef {import("../../src/codec.js").Message} Message */

export class RelayDouble {
  /** @param {{ now: () => number }} options `now` is the relay's wall clock, ms */
  constructor({ now }) {
    this.now = now;
    /** @type {{ seq: number, update: Uint8Array }[]} */
    this.log = [];
    this.doc = new Y.Doc();
    /** @type {Set<RelayConnection>} */
    this.connections = new Set();
  }

  /** The seq of the newest log entry (0 when empty). */
  head() {
    return this.log.length ? this.log[this.log.length - 1].seq : 0;
  }

  /** A new connection from a client. */
  connect() {
    const connection = new RelayConnection(this);
    this.connections.add(connection);
    return connection;
  }

  /** @param {Uint8Array} update @returns {number} its seq */
  append(update) {
    const seq = this.head() + 1;
    Y.applyUpdate(this.doc, update);
    this.log.push({ seq, update });
    return seq;
  }
}

export class RelayConnection {
  /** @param {RelayDouble} relay */
  constructor(relay) {
    this.relay = relay;
    this.greeted = false;
    this.acked = 0;
    /** @type {Message[]} messages to go in the next frame */
    this.queued = [];
    /** @type {Uint8Array[]} */
    this.frames = [];
  }

  /** The frames for the client, oldest first; they are forgotten. */
  take() {
    const out = this.frames;
    this.frames = [];
    return out;
  }

  close() {
    this.relay.connections.delete(this);
  }

  /** @param {Uint8Array} frame one frame from the client */
  receive(frame) {
    for (const message of decode(frame)) {
      if (message.type === "Hello") {
        this.greeted = true;
        this.queued.push({ type: "Time", nowMs: this.relay.now() });
        if (message.resumeCursor > 0) {
          for (const { seq, update } of this.relay.log) {
            if (seq > message.resumeCursor) this.queued.push({ type: "Relayed", seq, update });
          }
          this.queued.push({ type: "CaughtUp", seq: this.relay.head() });
        }
      } else if (message.type === "SyncStep1") {
        const update = Y.encodeStateAsUpdate(this.relay.doc, message.stateVector);
        this.queued.push({ type: "SyncStep2", update });
        if (this.greeted) this.queued.push({ type: "CaughtUp", seq: this.relay.head() });
      } else if (message.type === "SyncUpdate" || message.type === "SyncStep2") {
        const seq = this.relay.append(message.update);
        this.acked += 1;
        if (this.greeted) this.queued.push({ type: "Ack", count: this.acked, seq });
        for (const other of this.relay.connections) {
          if (other !== this && other.greeted) {
            other.push({ type: "Relayed", seq, update: message.update });
          }
        }
      }
    }
    this.flush();
  }

  /** @param {Message} message sent at once, in a frame of its own */
  push(message) {
    this.queued.push(message);
    this.flush();
  }

  /** @private */
  flush() {
    if (this.queued.length) this.frames.push(concat(this.queued.map(encode)));
    this.queued = [];
  }
}
