// A small in-memory Storage (src/storage/types.js) for the replica's tests: everything
// a commit holds is copied first, so a commit that cannot be copied writes nothing, and
// `failNext` makes the next write fail, to show that a failed write changes nothing.

/** @typedef {import("../../src/storage/types.js").Storage} Storage */
/** @typedef {import("../../src/storage/types.js").LogEntry} LogEntry */
/** @typedef {import("../../src/storage/types.js").Row} Row */
/** @typedef {import("../../src/storage/types.js").Commit} Commit */

/** @implements {Storage} */
export class TestStorage {
  constructor() {
    /** @type {Uint8Array | null} */
    this.snapshot = null;
    this.snapshotSeq = 0;
    /** @type {LogEntry[]} */
    this.log = [];
    /** @type {LogEntry[]} */
    this.outboxEntries = [];
    /** @type {Map<string, Row>} */
    this.rowsByKey = new Map();
    /** @type {Record<string, string>} */
    this.meta = {};
    this.seq = 0;
    this.writes = 0;
    this.failNext = false;
  }

  async load() {
    return { snapshot: this.snapshot && this.snapshot.slice(), snapshotSeq: this.snapshotSeq,
      log: this.log.map((e) => ({ ...e, update: e.update.slice() })), meta: { ...this.meta } };
  }

  /** @param {Commit} commit */
  async commit(commit) {
    this._maybeFail();
    const entries = (commit.updates ?? []).map((u, n) =>
      ({ seq: this.seq + n + 1, update: u.update.slice(), origin: u.origin, atMs: u.atMs }));
    const rows = (commit.rows ?? []).map((row) => structuredClone(row));
    this.log.push(...entries);
    this.outboxEntries.push(...entries.filter((e) => e.origin === "local"));
    this.seq += entries.length;
    for (const row of rows) this.rowsByKey.set(`${row.kind}\u0000${row.id}`, row);
    Object.assign(this.meta, commit.meta ?? {});
    if (commit.snapshot) {
      this.snapshot = commit.snapshot.slice();
      this.snapshotSeq = this.seq;
      this.log = [];
    }
    this.writes++;
    return entries.map((e) => e.seq);
  }

  /** @param {Uint8Array} snapshot @param {number} uptoSeq */
  async compact(snapshot, uptoSeq) {
    this._maybeFail();
    this.snapshot = snapshot.slice();
    this.snapshotSeq = uptoSeq;
    this.log = this.log.filter((e) => e.seq > uptoSeq);
    this.writes++;
  }

  /** @param {string} kind */
  async rows(kind) {
    return [...this.rowsByKey.values()].filter((r) => r.kind === kind).map((r) => structuredClone(r));
  }

  /** @param {string} kind @param {string[]} ids */
  async getRows(kind, ids) {
    const out = new Map();
    for (const id of ids) {
      const row = this.rowsByKey.get(`${kind}\u0000${id}`);
      if (row) out.set(id, structuredClone(row));
    }
    return out;
  }

  /** @param {number} [afterSeq] @param {number} [limit] */
  async outbox(afterSeq = 0, limit) {
    const entries = this.outboxEntries.filter((e) => e.seq > afterSeq);
    return limit === undefined ? entries : entries.slice(0, limit);
  }

  /** @param {number} uptoSeq */
  async ackOutbox(uptoSeq) {
    this._maybeFail();
    const before = this.outboxEntries.length;
    this.outboxEntries = this.outboxEntries.filter((e) => e.seq > uptoSeq);
    return before - this.outboxEntries.length;
  }

  async stats() {
    return { logEntries: this.log.length, logBytes: this.log.reduce((n, e) => n + e.update.length, 0),
      snapshotBytes: this.snapshot?.length ?? 0, outbox: this.outboxEntries.length,
      records: this.rowsByKey.size };
  }

  close() {}

  _maybeFail() {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("disk full");
    }
  }
}
