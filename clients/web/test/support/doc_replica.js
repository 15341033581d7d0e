// A small replica for session tests: a real Y.Doc, a log sequence, an in-memory outbox and
// a clock offset, implementing the SessionReplica interface of src/session.js. Records are
// Y.Maps of entries keyed `<field>|<stamp>|<replica>` (the layout of engine/registers.py,
// with plain millisecond stamps), the newest stamp of a field winning; that is enough for
// the sessions under test to exchange real Yjs updates and for re-stamping to move real
// entries. It is not the web replica: no validation, no rows, no conflicts kept.

import * as Y from "yjs";

import { ProtocolError } from "../../src/errors.js";

const REMOTE = "remote";
const LOCAL = "local";
const LOADED = "loaded";
const OFFSET_TOLERANCE_MS = 1000; // engine/timing.py's

/** @typedef {import("../../src/session.js").SessionReplica} SessionReplica */

/** @implements {SessionReplica} */
export class DocReplica {
  /**
   * @param {{ replicaId: string, clientId: number, wall?: () => number }} options
   *   `wall` is the device's wall clock in ms (a test sets it wrong on purpose).
   */
  constructor({ replicaId, clientId, wall = () => Date.now() }) {
    this.replicaId = replicaId;
    this.wall = wall;
    this.doc = new Y.Doc();
    this.doc.clientID = clientId;
    this.root = this.doc.getMap("contacts"); // the Python replica's root of contacts
    /** @type {number | null} offset to the relay's time, ms */
    this.offset = null;
    this.seq = 0;
    this.lastStamp = 0;
    /** @type {{ seq: number, update: Uint8Array, keys: string[] }[]} */
    this.pending = [];
    /** @type {string[]} entry keys written by the local transaction under way */
    this.writing = [];
    this.isRestamped = false;
    /** how many times applyRemote stored something (a durable commit each) */
    this.commits = 0;
    this.doc.on("update", (/** @type {Uint8Array} */ update, /** @type {unknown} */ origin) => {
      if (origin !== LOCAL) return;
      this.seq += 1;
      this.pending.push({ seq: this.seq, update, keys: this.writing });
      this.writing = [];
    });
  }

  /**
   * Take `update` (made elsewhere, e.g. by a Python replica in a vector) as a local edit
   * of this replica: applied, logged and put in the outbox with its bytes unchanged.
   * Its entries are not re-stamped by `meetTime`.
   * @param {Uint8Array} update
   */
  loadLocal(update) {
    Y.applyUpdate(this.doc, update, LOADED);
    this.seq += 1;
    this.pending.push({ seq: this.seq, update, keys: [] });
  }

  /** The replica's time: the wall clock corrected by the offset to the relay. */
  now() {
    return this.wall() + (this.offset ?? 0);
  }

  /**
   * Write `field` of record `id` as a local edit, stamped now.
   * @param {string} id
   * @param {string} field
   * @param {unknown} value
   */
  set(id, field, value) {
    const stamp = Math.max(this.now(), this.lastStamp + 1);
    this.lastStamp = stamp;
    this.doc.transact(() => {
      let record = /** @type {Y.Map<unknown> | undefined} */ (this.root.get(id));
      if (record === undefined) {
        record = new Y.Map();
        this.root.set(id, record);
      }
      const key = `${field}|${stamp}|${this.replicaId}`;
      record.set(key, value);
      this.writing.push(key);
    }, LOCAL);
  }

  /**
   * The record's fields, each the value of its newest entry.
   * @param {string} id
   * @returns {Record<string, unknown>}
   */
  get(id) {
    /** @type {Record<string, [number, string, unknown]>} */
    const newest = {};
    const record = /** @type {Y.Map<unknown> | undefined} */ (this.root.get(id));
    for (const [key, value] of record ?? []) {
      const [field, stamp, writer] = key.split("|");
      const at = Number(stamp);
      const held = newest[field];
      if (!held || at > held[0] || (at === held[0] && writer > held[1])) {
        newest[field] = [at, writer, value];
      }
    }
    return Object.fromEntries(Object.entries(newest).map(([f, [, , v]]) => [f, v]));
  }

  /** @param {string} id @returns {string[]} the record's entry keys, sorted */
  keys(id) {
    const record = /** @type {Y.Map<unknown> | undefined} */ (this.root.get(id));
    return [...(record?.keys() ?? [])].sort();
  }

  // ------------------------------------------------------------ SessionReplica

  stateVector() {
    return Y.encodeStateVector(this.doc);
  }

  /** @param {Uint8Array} stateVector */
  diff(stateVector) {
    return Y.encodeStateAsUpdate(this.doc, stateVector);
  }

  /**
   * @param {Uint8Array[]} updates
   * @param {{ origin?: string }} [options]
   */
  async applyRemote(updates, options = {}) {
    // Decode every update before applying any: all or nothing, as the Python replica.
    for (const update of updates) {
      try {
        Y.decodeUpdate(update);
      } catch {
        throw new ProtocolError(`an update (${update.length} bytes) is not a valid Yjs update`);
      }
    }
    /** @type {Set<string>} */
    const changed = new Set();
    const observe = (/** @type {Y.YEvent<any>[]} */ events) => {
      for (const event of events) {
        if (event.path.length > 0) changed.add(String(event.path[0]));
        else {
          const mapEvent = /** @type {Y.YMapEvent<any>} */ (event);
          for (const key of mapEvent.keysChanged) changed.add(key);
        }
      }
    };
    const waited = this.missing();
    this.root.observeDeep(observe);
    try {
      Y.applyUpdate(this.doc, Y.mergeUpdates(updates), options.origin ?? REMOTE);
    } finally {
      this.root.unobserveDeep(observe);
    }
    // Logged as one entry, or one per update when some wait for others (as the Python
    // replica logs them, so that log seqs, and the acks that name them, agree).
    this.seq += waited || this.missing() ? updates.length : 1;
    this.commits += 1;
    return { records: changed.size };
  }

  missing() {
    return this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null;
  }

  /**
   * @param {number} afterSeq
   * @param {number} [limit]
   */
  async outbox(afterSeq, limit) {
    const after = this.pending.filter((entry) => entry.seq > afterSeq);
    return after.slice(0, limit ?? after.length)
      .map(({ seq, update }) => /** @type {[number, Uint8Array]} */ ([seq, update]));
  }

  /** @param {number} uptoSeq */
  async acknowledge(uptoSeq) {
    const before = this.pending.length;
    this.pending = this.pending.filter((entry) => entry.seq > uptoSeq);
    if (this.pending.length === 0) this.isRestamped = false;
    return before - this.pending.length;
  }

  get lastSeq() {
    return this.seq;
  }

  get restamped() {
    return this.isRestamped;
  }

  /**
   * engine/timing.py's meet_time: keep the offset; when it is new or moved by more than
   * the tolerance, move the unacknowledged own entries by the change, in one transaction.
   * @param {number} referenceMs
   */
  async meetTime(referenceMs) {
    const offset = referenceMs - this.wall();
    if (this.offset !== null && Math.abs(offset - this.offset) <= OFFSET_TOLERANCE_MS) {
      return false;
    }
    const delta = offset - (this.offset ?? 0);
    const wanted = new Set(this.pending.flatMap((entry) => entry.keys));
    this.offset = offset;
    if (Math.abs(delta) <= OFFSET_TOLERANCE_MS || wanted.size === 0) return false;
    this.doc.transact(() => {
      for (const record of this.root.values()) {
        const entries = /** @type {Y.Map<unknown>} */ (record);
        for (const key of [...entries.keys()].filter((k) => wanted.has(k))) {
          const [field, stamp, writer] = key.split("|");
          const moved = `${field}|${Number(stamp) + delta}|${writer}`;
          entries.set(moved, entries.get(key));
          entries.delete(key);
          this.writing.push(moved);
        }
      }
    }, LOCAL);
    this.lastStamp = this.now();
    this.isRestamped = true;
    return true;
  }
}
