// A web replica's storage kept in memory: for tests and throw-away replicas.
//
// It behaves as the IndexedDB storage does (test/storage.test.js runs one suite against
// both): commits are all or nothing, log seqs are never reused, only "local" updates go
// to the outbox. Bytes and rows are copied in and out, so a caller can neither change
// what is stored through an array it handed in nor through one it got back.

import {
  checkCommit, checkIds, checkKind, checkSeq, checkSnapshot, checkUpto, rowName,
} from "./check.js";
import { StorageError } from "./errors.js";

/** @typedef {import("./types.js").Storage} Storage */
/** @typedef {import("./types.js").Commit} Commit */
/** @typedef {import("./types.js").LogEntry} LogEntry */
/** @typedef {import("./types.js").Loaded} Loaded */
/** @typedef {import("./types.js").Row} Row */

const LOCAL = "local";

/** @implements {Storage} */
export class MemoryStorage {
  /** @type {Uint8Array | null} */
  #snapshot = null;
  #snapshotSeq = 0;
  /** The newest seq handed out; compaction never lowers it, so seqs are never reused. */
  #head = 0;
  /** @type {LogEntry[]} */
  #log = [];
  /** @type {LogEntry[]} */
  #outbox = [];
  /** @type {Map<string, Map<string, Row>>} rows by kind, then id */
  #rows = new Map();
  /** @type {Map<string, string>} */
  #meta = new Map();
  #closed = false;

  /** @returns {Promise<Loaded>} */
  async load() {
    this.#checkOpen();
    return {
      snapshot: this.#snapshot === null ? null : new Uint8Array(this.#snapshot),
      snapshotSeq: this.#snapshotSeq,
      log: this.#log.map(copyEntry),
      meta: Object.fromEntries(this.#meta),
    };
  }

  /**
   * @param {Commit} commit
   * @returns {Promise<number[]>}
   */
  async commit(commit) {
    this.#checkOpen();
    const checked = checkCommit(commit);
    // Copy the rows first: one that cannot be copied (as IndexedDB could not store it)
    // fails the commit here, before anything was changed.
    const rows = checked.rows.map((row, n) => {
      try {
        return structuredClone(row);
      } catch (error) {
        throw new StorageError(`commit.rows[${n}] (${rowName(row)}) cannot be stored: `
          + `${error instanceof Error ? error.message : String(error)}`, "invalid", error);
      }
    });
    // From here on nothing can fail.
    const entries = checked.updates.map((u, n) =>
      ({ seq: this.#head + 1 + n, update: u.update, origin: u.origin, atMs: u.atMs }));
    this.#head += entries.length;
    this.#outbox.push(...entries.filter((e) => e.origin === LOCAL));
    this.#log.push(...entries);
    for (const row of rows) {
      let ofKind = this.#rows.get(row.kind);
      if (ofKind === undefined) this.#rows.set(row.kind, ofKind = new Map());
      ofKind.set(row.id, row);
    }
    for (const [key, value] of checked.meta) this.#meta.set(key, value);
    if (checked.snapshot !== null) this.#replaceSnapshot(checked.snapshot, this.#head);
    return entries.map((e) => e.seq);
  }

  /**
   * @param {Uint8Array} snapshot
   * @param {number} uptoSeq
   */
  async compact(snapshot, uptoSeq) {
    this.#checkOpen();
    const bytes = checkSnapshot(snapshot);
    checkUpto(checkSeq(uptoSeq, "uptoSeq"), this.#snapshotSeq, this.#head);
    this.#replaceSnapshot(bytes, uptoSeq);
  }

  /**
   * @param {Uint8Array} snapshot
   * @param {number} uptoSeq
   */
  #replaceSnapshot(snapshot, uptoSeq) {
    this.#snapshot = snapshot;
    this.#snapshotSeq = uptoSeq;
    this.#log = this.#log.filter((e) => e.seq > uptoSeq);
  }

  /**
   * Every stored row of a kind, deleted ones too, ordered by id.
   * @param {string} kind
   * @returns {Promise<Row[]>}
   */
  async rows(kind) {
    this.#checkOpen();
    const ofKind = this.#rows.get(checkKind(kind));
    if (ofKind === undefined) return [];
    // Ordered by id as IndexedDB orders its keys (by UTF-16 code units).
    return [...ofKind.keys()].sort().map((id) => structuredClone(/** @type {Row} */ (ofKind.get(id))));
  }

  /**
   * @param {string} kind
   * @param {string[]} ids
   * @returns {Promise<Map<string, Row>>}
   */
  async getRows(kind, ids) {
    this.#checkOpen();
    const ofKind = this.#rows.get(checkKind(kind));
    /** @type {Map<string, Row>} */
    const found = new Map();
    for (const id of checkIds(ids)) {
      const row = ofKind?.get(id);
      if (row !== undefined) found.set(id, structuredClone(row));
    }
    return found;
  }

  /**
   * @param {number} [afterSeq]
   * @param {number} [limit]
   * @returns {Promise<LogEntry[]>}
   */
  async outbox(afterSeq = 0, limit = undefined) {
    this.#checkOpen();
    checkSeq(afterSeq, "afterSeq");
    const entries = this.#outbox.filter((e) => e.seq > afterSeq);
    const wanted = limit === undefined ? entries : entries.slice(0, checkSeq(limit, "limit"));
    return wanted.map(copyEntry);
  }

  /**
   * @param {number} uptoSeq
   * @returns {Promise<number>}
   */
  async ackOutbox(uptoSeq) {
    this.#checkOpen();
    checkSeq(uptoSeq, "uptoSeq");
    const before = this.#outbox.length;
    this.#outbox = this.#outbox.filter((e) => e.seq > uptoSeq);
    return before - this.#outbox.length;
  }

  async stats() {
    this.#checkOpen();
    let records = 0;
    for (const ofKind of this.#rows.values()) records += ofKind.size;
    return {
      logEntries: this.#log.length,
      logBytes: this.#log.reduce((sum, e) => sum + e.update.length, 0),
      snapshotBytes: this.#snapshot?.length ?? 0,
      outbox: this.#outbox.length,
      records,
    };
  }

  close() {
    this.#closed = true;
  }

  #checkOpen() {
    if (this.#closed) throw new StorageError("the storage was closed", "closed");
  }
}

/**
 * @param {LogEntry} entry
 * @returns {LogEntry}
 */
function copyEntry(entry) {
  return { seq: entry.seq, update: new Uint8Array(entry.update), origin: entry.origin,
    atMs: entry.atMs };
}
