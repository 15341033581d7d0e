// The client side of a sync connection, as a sans-I/O state machine: engine/session.py
// in JavaScript. A SyncSession owns no socket and reads no clock. The I/O layer:
//
// 1. creates it for a new connection and calls `await session.connect()`;
// 2. feeds every received frame to `await session.receiveData(frame)`;
// 3. calls `await session.localChanged()` after local edits;
// 4. after each call sends every frame of `session.dataToSend()`, and reacts to
//    `session.eventsReceived()` (e.g. closes the connection on a Failed event).
//
// The replica's storage is asynchronous in a browser, so the three commands are async.
// They run one at a time in the order they were called, even when a caller does not wait
// for one before making the next, so the messages of frames are handled in order.
//
// Handlers only change state; one decision function, `evaluate`, decides what to send.
// The session speaks the Yjs sync protocol (SyncStep1/2, Update) plus handsync's
// extension (docs/protocol.md): it says Hello with its resume cursor, takes the relay's
// Time (the replica keeps its clock offset and re-stamps edits made on a wrong clock,
// engine/timing.py) before it pushes its outbox as updates, and drops outbox entries only
// when the relay acknowledges them as durable. It also works against a plain Yjs peer,
// which never sends Ack: the outbox then stays until a relay confirms it.

import * as Y from "yjs";

import { CloseCode, PROTOCOL_VERSION, decode, decodeStateVector, encode } from "./codec.js";
import { ProtocolError } from "./errors.js";

export const DEFAULT_BATCH = 256;
export const DEFAULT_WINDOW = 64;
// Outbox entries are merged into one update message up to this size (a single larger
// entry still goes alone). The relay refuses updates over 32 MiB by default.
export const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Called as received updates are applied: `done` of `total` (records or updates).
 * @typedef {(done: number, total: number) => void} Progress
 */

/**
 * What a session needs of the replica it syncs: engine/replica.py's Replica methods that
 * engine/session.py calls, in camelCase. The web replica implements it; so does the test
 * double in test/support/doc_replica.js.
 *
 * @typedef {Object} SessionReplica
 * @property {string} replicaId The local replica's id, said in Hello.
 * @property {() => Uint8Array | Promise<Uint8Array>} stateVector
 *   The document's Yjs state vector (for a SyncStep1).
 * @property {(stateVector: Uint8Array) => Uint8Array | Promise<Uint8Array>} diff
 *   The Yjs update a peer with `stateVector` lacks (the answer to its SyncStep1).
 * @property {(updates: Uint8Array[], options?: { origin?: string, progress?: Progress })
 *   => Promise<{ records: number }>} applyRemote
 *   Apply and store updates from peers, all or none; `records` is how many records changed.
 *   Rejects with ProtocolError (code 4400) for an update that is not a valid Yjs update,
 *   having applied and stored nothing.
 * @property {() => boolean} missing True while received updates wait for earlier ones.
 * @property {(afterSeq: number, limit?: number)
 *   => Promise<[number, Uint8Array][]>} outbox
 *   Local updates after log seq `afterSeq` not yet acknowledged, oldest first, at most
 *   `limit` of them (all when undefined), as (seq, update) pairs.
 * @property {(uptoSeq: number) => Promise<number>} acknowledge
 *   Drop outbox entries up to `uptoSeq`: the relay holds them durably. How many.
 * @property {number} lastSeq The log sequence number of the replica's newest update.
 * @property {(referenceMs: number) => Promise<boolean>} meetTime
 *   Take the relay's time (just received): keep the clock offset and, when it is new or
 *   moved by more than 1 s, durably re-stamp the edits no relay acknowledged (true then).
 * @property {boolean} restamped
 *   True while re-stamped edits wait for the relay: the outbox must go as one update.
 */

/**
 * Remote updates were applied and stored; `records` changed.
 * @typedef {{ type: "Received", updates: number, records: number }} Received
 */
/**
 * The relay holds our updates durably up to outbox `outboxSeq` (relay `seq`).
 * @typedef {{ type: "Acknowledged", outboxSeq: number, seq: number }} Acknowledged
 */
/**
 * We hold the relay log up to `seq`: persist it and resume from it next time.
 * @typedef {{ type: "CursorAdvanced", seq: number }} CursorAdvanced
 */
/**
 * The relay says we are caught up, and nothing of ours waits for an ack.
 * @typedef {{ type: "Synced", seq: number }} Synced
 */
/**
 * Presence data from another peer (opaque; never stored).
 * @typedef {{ type: "AwarenessReceived", payload: Uint8Array }} AwarenessReceived
 */
/**
 * The session cannot go on: close the connection with `code` and show `reason`.
 * @typedef {{ type: "Failed", code: number, reason: string }} Failed
 */
/**
 * @typedef {Received | Acknowledged | CursorAdvanced | Synced | AwarenessReceived
 *   | Failed} SessionEvent
 */

/**
 * @typedef {Object} SessionOptions
 * @property {number} [resumeCursor] The relay log seq the replica holds up to (0: none).
 * @property {number} [batch] Outbox entries merged into one update message at most.
 * @property {number} [window] Update messages sent and not yet acknowledged at most.
 * @property {number} [batchBytes] Bytes merged into one update message at most.
 * @property {Progress} [progress] Passed to `applyRemote`.
 */

/** Client side of one connection to a relay (or to any Yjs sync peer). */
export class SyncSession {
  /**
   * @param {SessionReplica} replica
   * @param {SessionOptions} [options]
   */
  constructor(replica, options = {}) {
    this.replica = replica;
    this.batch = options.batch ?? DEFAULT_BATCH;
    this.window = options.window ?? DEFAULT_WINDOW;
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.progress = options.progress;
    /** The relay log seq we hold up to; persist it when CursorAdvanced says so. */
    this.cursor = options.resumeCursor ?? 0;
    /** True once the relay said CaughtUp. */
    this.caughtUp = false;
    /** @type {Failed | null} why the session stopped, once it has */
    this.failed = null;

    /** @private */ this.connected = false;
    /** @private */ this.greeted = false;
    /** @private @type {Uint8Array[]} */ this.outgoing = [];
    /** @private @type {SessionEvent[]} */ this.events = [];
    /** @private @type {Uint8Array[]} */ this.step1FromPeer = [];
    /** @private @type {number[]} outbox seq each update message in flight covers */
    this.inFlight = [];
    /** @private */ this.sentUpto = 0;
    /** @private */ this.repairRequested = false;
    /** @private */ this.syncedReported = false;
    /** @private */ this.ackedCount = 0;
    /** @private */ this.relayedSeq = 0;
    // The outbox waits for the relay's time (or, from a plain Yjs peer, its first frame).
    /** @private */ this.heard = false;
    // Relay seqs of this session's own updates, known exactly from one-at-a-time acks.
    /** @private @type {Set<number>} */ this.ownSeqs = new Set();
    /** @private @type {Promise<unknown>} the command running now; the next waits for it */
    this.queue = Promise.resolve();
  }

  // ------------------------------------------------------------------- commands

  /** The connection is open: greet the peer and start syncing. */
  connect() {
    return this.serial(async () => {
      this.connected = true;
      await this.evaluate();
    });
  }

  /** Local edits were made: send them. */
  localChanged() {
    return this.serial(() => this.evaluate());
  }

  /**
   * Handle one received frame. Bad peer input does not reject: it ends in a Failed
   * event (and an Error message for the peer). A failure of the replica's own storage
   * does reject.
   * @param {Uint8Array | ArrayBuffer} data
   */
  receiveData(data) {
    return this.serial(async () => {
      if (this.failed !== null) return;
      this.heard = true;
      try {
        const messages = decode(data);
        /** @type {Uint8Array[]} */
        const updates = [];
        for (const message of messages) await this.handle(message, updates);
        await this.apply(updates);
        this.advance(this.relayedSeq);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.fail(error.code, error.reason, true);
      }
      await this.evaluate();
    });
  }

  /** The frames to send now, oldest first; they are forgotten. @returns {Uint8Array[]} */
  dataToSend() {
    const out = this.outgoing;
    this.outgoing = [];
    return out;
  }

  /** What happened since the last call, oldest first. @returns {SessionEvent[]} */
  eventsReceived() {
    const out = this.events;
    this.events = [];
    return out;
  }

  /** How many update messages are sent but not yet acknowledged. */
  get unacknowledged() {
    return this.inFlight.length;
  }

  /**
   * Run `command` after every command called before it.
   * @private
   * @param {() => Promise<void>} command
   * @returns {Promise<void>}
   */
  serial(command) {
    const run = this.queue.then(command);
    this.queue = run.catch(() => undefined); // a failed command does not stop the next
    return run;
  }

  // ------------------------------------------------------------------- handlers

  /**
   * @private
   * @param {import("./codec.js").Message} message
   * @param {Uint8Array[]} updates of this frame, not yet applied
   */
  async handle(message, updates) {
    switch (message.type) {
      case "SyncStep1":
        // engine/session.py hands a malformed state vector to the document, which then
        // throws an error of its own; here it is refused as bad input.
        decodeStateVector(message.stateVector);
        this.step1FromPeer.push(message.stateVector);
        break;
      case "SyncStep2":
        updates.push(message.update);
        this.repairRequested = false;
        break;
      case "SyncUpdate":
        updates.push(message.update);
        break;
      case "Relayed":
        // Relayed updates of one frame are applied together (one durable commit, not one
        // per update); the cursor moves past them only once they are stored.
        updates.push(message.update);
        this.relayedSeq = Math.max(this.relayedSeq, message.seq);
        break;
      case "CaughtUp":
        await this.apply(updates);
        updates.length = 0;
        this.advance(this.relayedSeq);
        this.advance(message.seq);
        this.caughtUp = true;
        break;
      case "Time":
        await this.replica.meetTime(message.nowMs);
        break;
      case "Ack":
        await this.acknowledge(message);
        break;
      case "Error":
        this.fail(message.code, message.reason, false);
        break;
      case "AuthDenied":
        this.fail(CloseCode.UNAUTHORIZED, message.reason, false);
        break;
      case "Awareness":
        this.events.push({ type: "AwarenessReceived", payload: message.payload });
        break;
      case "QueryAwareness":
      case "Hello":
        break; // a client keeps no awareness states and is greeted by nobody
    }
  }

  /** @private @param {Uint8Array[]} updates */
  async apply(updates) {
    if (updates.length === 0) return;
    const options = this.progress ? { progress: this.progress } : {};
    const result = await this.replica.applyRemote(updates.slice(), options);
    this.events.push({ type: "Received", updates: updates.length, records: result.records });
  }

  /** @private @param {number} seq */
  advance(seq) {
    // Our own updates right after the cursor need not come back: the cursor passes them,
    // so a later session does not ask for (or get) them again.
    while (this.ownSeqs.has(seq + 1)) seq += 1;
    for (const own of this.ownSeqs) if (own <= seq) this.ownSeqs.delete(own);
    if (seq > this.cursor) {
      this.cursor = seq;
      this.events.push({ type: "CursorAdvanced", seq });
    }
  }

  /** @private @param {import("./codec.js").Ack} ack */
  async acknowledge(ack) {
    const count = ack.count - this.ackedCount;
    if (count <= 0) return; // an old or repeated ack
    if (count > this.inFlight.length) {
      throw new ProtocolError(`ack for ${ack.count} updates, only `
        + `${this.ackedCount + this.inFlight.length} sent`, { code: CloseCode.BAD_MESSAGE });
    }
    const done = this.inFlight.splice(0, count);
    this.ackedCount = ack.count;
    const upto = Math.max(...done);
    if (upto) await this.replica.acknowledge(upto);
    this.events.push({ type: "Acknowledged", outboxSeq: upto, seq: ack.seq });
    // ack.seq is the relay log place of the last update it covers (of the others, when it
    // covers several, the places are not known).
    this.ownSeqs.add(ack.seq);
    this.advance(this.cursor);
  }

  /**
   * @private
   * @param {number} code
   * @param {string} reason
   * @param {boolean} tellPeer
   */
  fail(code, reason, tellPeer) {
    if (this.failed !== null) return;
    this.failed = { type: "Failed", code, reason };
    this.events.push(this.failed);
    if (tellPeer) this.outgoing.push(encode({ type: "Error", code, reason }));
  }

  // -------------------------------------------------------------- the decision

  /** Decide what to send, from the current state alone. @private */
  async evaluate() {
    if (!this.connected || this.failed !== null) return;
    if (!this.greeted) {
      this.greeted = true;
      this.send({ type: "Hello", protocolVersion: PROTOCOL_VERSION,
        replicaId: this.replica.replicaId, resumeCursor: this.cursor });
      if (this.cursor === 0) {
        // With a cursor the relay sends exactly the log after it: cheaper than a
        // state-vector diff, which costs as much as the whole space.
        this.send({ type: "SyncStep1", stateVector: await this.replica.stateVector() });
      }
    }
    while (this.step1FromPeer.length > 0) {
      const stateVector = /** @type {Uint8Array} */ (this.step1FromPeer.shift());
      // Our answer holds every local update the peer lacks: its ack covers the outbox.
      const upto = this.replica.lastSeq;
      this.inFlight.push(upto);
      this.send({ type: "SyncStep2", update: await this.replica.diff(stateVector) });
      this.sentUpto = Math.max(this.sentUpto, upto);
    }
    if (this.replica.missing() && !this.repairRequested) {
      this.repairRequested = true;
      this.send({ type: "SyncStep1", stateVector: await this.replica.stateVector() });
    }
    if (this.heard) await this.flushOutbox();
    if (this.caughtUp && this.inFlight.length === 0 && !this.syncedReported) {
      this.syncedReported = true;
      this.events.push({ type: "Synced", seq: this.cursor });
    }
  }

  /** @private */
  async flushOutbox() {
    while (this.inFlight.length < this.window) {
      // Re-stamped edits go in one update with what retired their old stamps.
      const whole = this.replica.restamped;
      let entries = await this.replica.outbox(this.sentUpto, whole ? undefined : this.batch);
      if (entries.length === 0) return;
      let size = 0;
      for (let n = 0; n < entries.length; n++) {
        size += entries[n][1].length;
        if (n > 0 && size > this.batchBytes && !whole) {
          entries = entries.slice(0, n);
          break;
        }
      }
      const updates = entries.map(([, update]) => update);
      const update = updates.length === 1 ? updates[0] : Y.mergeUpdates(updates);
      this.sentUpto = entries[entries.length - 1][0];
      this.inFlight.push(this.sentUpto);
      this.syncedReported = false;
      this.send({ type: "SyncUpdate", update });
    }
  }

  /** @private @param {import("./codec.js").Message} message */
  send(message) {
    this.outgoing.push(encode(message));
  }
}
