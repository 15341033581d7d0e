// The web replica: one space's Yjs document, its record API, its rows and its storage,
// as engine/replica.py's Replica is for Python.
//
// Each record kind has a root map (`contacts`, `companies` …) holding one map per
// record id; a record map holds entries (registers.js) and a note its body as Y.Text
// under `_text`. Every local change is one Y transaction whose update and the re-resolved
// rows of the records it touched go to storage in one `commit` before the call's promise
// resolves; a failed validation writes nothing and applies nothing. Remote updates are
// decoded before any is applied (ProtocolError otherwise, nothing applied or stored).
// Which records a transaction touched is read from its Yjs change set; each of them is
// resolved whole again. Calls that change anything run one at a time, in call order.
//
// The rows of every kind are held in memory (read from storage when the replica opens,
// so a list can be shown at once) and `get`, `list`, `search` and `conflicts` read them.

import * as Y from "yjs";

import { HybridClock, makeStamp } from "./clock.js";
import {
  CorruptStoreError, HandsyncError, ProtocolError, RecordDeletedError, RecordNotFoundError,
  StoreError, ValidationError,
} from "./errors.js";
import { compareText, pyRepr } from "./pyvalue.js";
import { RecordEdits, checkReplicaId } from "./records.js";
import { TEXT_KEY, groupEntries, resolveEntries } from "./registers.js";
import { buildRow, freezeRow, rowOrder, searchNeedle, toRecord } from "./rows.js";
import { KINDS, kindSpec, normalizeValue } from "./schema.js";
import { OFFSET_META, OFFSET_TOLERANCE_MS, RESTAMP_META, offsetChange, ownOutboxKeys, restamp } from "./timing.js";

/** @typedef {import("./storage/types.js").Storage} Storage */
/** @typedef {import("./storage/types.js").Row} Row */
/** @typedef {(rows: readonly Row[], whole: boolean) => void} RowsListener */
/** @typedef {import("./storage/types.js").Loaded} Loaded */

/** The origin of local changes, in the log and in Yjs transactions. */
export const LOCAL = "local";
export const COMPACT_MIN_BYTES = 1 << 20;
/** How long changes must pause before a due compaction runs, and how long it may wait. */
export const COMPACT_QUIET_MS = 500;
export const COMPACT_LATEST_MS = 10_000;
const SETTINGS_ROOT = "settings";
const LOCALE_META = "locale";

/**
 * @typedef {{ clock: () => number, replicaId?: string, clientId?: number,
 *   newId?: () => string }} OpenOptions
 * @typedef {{ updates: number, records: number, missing: boolean, seq: number }} ApplyResult
 */

/** @param {unknown} error @param {string} doing */
function storeError(error, doing) {
  if (error instanceof HandsyncError) return error;
  return new StoreError(`${doing}: ${error instanceof Error ? error.message : String(error)}`);
}

/** @param {unknown} bytes */
const isBytes = (bytes) => bytes instanceof Uint8Array;

/** Can Yjs read `update` whole? @param {Uint8Array} update */
function decodes(update) {
  try {
    Y.decodeUpdate(update);
    return true;
  } catch {
    return false;
  }
}

/** One endpoint's copy of a space. Open it with WebReplica.open. */
export class WebReplica extends RecordEdits {
  /**
   * Open a replica on `storage`: read it, build the document from its snapshot and log.
   * Opening never writes. StoreError when the storage cannot be read,
   * CorruptStoreError when what it holds is not a replica's.
   * @param {Storage} storage @param {OpenOptions} options @returns {Promise<WebReplica>}
   */
  static async open(storage, options) {
    /** @type {Loaded} */
    let loaded;
    try {
      loaded = await storage.load();
    } catch (error) {
      throw storeError(error, "the storage cannot be read");
    }
    const replica = new WebReplica(storage, options, loaded);
    replica._install(replica._build(loaded, options.clientId ?? null));
    await replica._loadRows();
    replica._followLocale();
    return replica;
  }

  /**
   * Use WebReplica.open.
   * @param {Storage} storage @param {OpenOptions} options @param {Loaded} loaded
   */
  constructor(storage, { clock, replicaId, newId }, loaded) {
    super();
    if (typeof clock !== "function") throw new ValidationError("clock must be a function giving ms");
    this.storage = storage;
    this._wall = clock;
    if (newId) this._newId = newId;
    /** @type {Record<string, string>} */
    this._meta = { ...loaded.meta };
    /** Meta values the next commit writes (a new replica's id: opening never writes). @type {Record<string, string>} */
    this._metaDue = {};
    const stored = loaded.meta.replica_id;
    if (replicaId !== undefined && stored !== undefined && replicaId !== stored) {
      throw new StoreError(`this store belongs to replica ${pyRepr(stored)}, not ${pyRepr(replicaId)}`);
    }
    this.replicaId = checkReplicaId(replicaId ?? stored ?? this._newId().replaceAll("-", "").slice(0, 16));
    if (stored === undefined) this._metaDue.replica_id = this.replicaId;
    this.clock = new HybridClock(this._metaStamp("clock"));
    this._offset = this._metaInt(OFFSET_META);
    this._locale = loaded.meta[LOCALE_META] ?? "root";
    this._collator = collatorFor(this._locale);
    this._snapshotBytes = loaded.snapshot?.length ?? 0;
    this._logBytes = loaded.log.reduce((n, e) => n + e.update.length, 0);
    this._lastSeq = loaded.log.length ? loaded.log[loaded.log.length - 1].seq : loaded.snapshotSeq;
    /** @type {Map<string, Map<string, Row>>} */
    this._rowsByKind = new Map(Object.keys(KINDS).map((k) => [k, new Map()]));
    /** Each kind's rows in list order, once a list needed them (kept up to date). @type {Map<string, Row[]>} */
    this._ordered = new Map();
    /** Records touched since rows were last made: kind → ids. @type {Map<string, Set<string>>} */
    this._dirty = new Map();
    /** Who hears of changed rows (onRows). @type {Set<RowsListener>} */
    this._listeners = new Set();
    /** Since when a compaction has been due (null: none is). @type {number | null} */
    this._compactSince = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this._compactTimer = undefined;
    /** @type {Promise<unknown>} */
    this._queue = Promise.resolve();
    /** Why the replica must be opened again, if it must. @type {string | null} */
    this._broken = null;
    /** @type {Y.Doc} */
    this.doc = new Y.Doc();
    /** @type {Record<string, Y.Map<unknown>>} */
    this._rootMaps = {};
    /** @type {Map<Y.AbstractType<any>, string>} */
    this._kindOfRoot = new Map();
  }

  /** @param {string} key */
  _metaInt(key) {
    const text = this._meta[key];
    if (text === undefined) return null;
    if (!/^-?\d+$/.test(text)) throw new CorruptStoreError(`the stored ${key} is not a number: ${pyRepr(text)}`);
    return Number(text);
  }

  /** @param {string} key */
  _metaStamp(key) {
    const text = this._meta[key] ?? "0";
    if (!/^\d+$/.test(text)) throw new CorruptStoreError(`the stored ${key} is not a number: ${pyRepr(text)}`);
    return BigInt(text);
  }

  /**
   * A document built from what the storage holds.
   * @param {Loaded} loaded @param {number | null} clientId @returns {Y.Doc}
   */
  _build(loaded, clientId) {
    const doc = new Y.Doc({ gc: true });
    if (loaded.snapshot && loaded.snapshot.length) {
      if (!isBytes(loaded.snapshot) || !decodes(loaded.snapshot)) {
        throw new CorruptStoreError("the stored snapshot is not a valid Yjs update");
      }
      applyOrCorrupt(doc, loaded.snapshot, "the stored snapshot");
    }
    for (const entry of loaded.log) {
      if (!isBytes(entry.update) || !decodes(entry.update)) {
        throw new CorruptStoreError(`stored update ${entry.seq} is not a valid Yjs update`);
      }
      applyOrCorrupt(doc, entry.update, `stored update ${entry.seq}`);
    }
    // Taken only now: applied before, the replica's own stored updates would look like
    // another replica using its id, and Yjs would pick a new one.
    if (clientId !== null) doc.clientID = clientId;
    return doc;
  }

  /** Use `doc` from now on, watching which records its transactions touch. @param {Y.Doc} doc */
  _install(doc) {
    this.doc.destroy();
    this.doc = doc;
    this._rootMaps = {};
    this._kindOfRoot = new Map();
    for (const [kind, spec] of Object.entries(KINDS)) {
      const root = doc.getMap(spec.root);
      this._rootMaps[kind] = root;
      this._kindOfRoot.set(root, kind);
    }
    doc.on("afterTransaction", (/** @type {Y.Transaction} */ txn) => this._mark(txn));
  }

  /** Note the records a transaction touched. @param {Y.Transaction} txn */
  _mark(txn) {
    for (const [type, keys] of txn.changed) {
      const kind = this._kindOfRoot.get(type);
      if (kind !== undefined) {
        for (const key of keys) if (key !== null) this._touch(kind, key);
        continue;
      }
      // Inside a record: walk up to the record map, whose key in its root is the id.
      /** @type {Y.AbstractType<any> | null} */
      let child = type;
      while (child && child._item) {
        const parent = /** @type {Y.AbstractType<any>} */ (child._item.parent);
        const parentKind = this._kindOfRoot.get(parent);
        if (parentKind !== undefined) {
          if (child._item.parentSub !== null) this._touch(parentKind, child._item.parentSub);
          break;
        }
        child = parent;
      }
    }
  }

  /** @param {string} kind @param {string} id */
  _touch(kind, id) {
    let ids = this._dirty.get(kind);
    if (!ids) this._dirty.set(kind, (ids = new Set()));
    ids.add(id);
  }

  async _loadRows() {
    for (const kind of Object.keys(KINDS)) {
      let rows;
      try {
        rows = await this.storage.rows(kind);
      } catch (error) {
        throw storeError(error, "the stored rows cannot be read");
      }
      const byId = new Map();
      for (const row of rows) {
        if (!row || typeof row.id !== "string" || row.kind !== kind || typeof row.data !== "object") {
          throw new CorruptStoreError(`a stored ${kind} row is not a row`);
        }
        byId.set(row.id, freezeRow(row));
      }
      this._rowsByKind.set(kind, byId);
    }
    this._ordered.clear();
    this._dirty.clear();
  }

  /** @override @returns {Record<string, Y.Map<unknown>>} */
  get _roots() {
    return this._rootMaps;
  }

  _usable() {
    if (this._broken !== null) {
      throw new StoreError(`this replica must be opened again: after a failed write its ` +
        `document could not be rebuilt from the storage (${this._broken})`);
    }
  }

  /**
   * Run `task` after every change before it has finished.
   * @override
   * @template T @param {() => Promise<T> | T} task @returns {Promise<T>}
   */
  _serial(task) {
    const run = this._queue.then(() => {
      this._usable();
      return task();
    });
    this._queue = run.catch(() => undefined);
    return run;
  }

  // ------------------------------------------------------------------ time

  /** The replica's time: its wall clock corrected by its offset to the relay (ms). */
  now() {
    return Math.floor(this._wall()) + (this._offset ?? 0);
  }

  /** The offset to the relay's time last learned (ms), or null if never met. */
  get timeOffset() {
    return this._offset;
  }

  /** True while re-stamped edits wait for the relay: send the outbox as one update. */
  get restamped() {
    return this._meta[RESTAMP_META] === "1";
  }

  /**
   * Take the relay's time `referenceMs` (just received); true if edits were re-stamped.
   * The first time, or when the offset moved by more than OFFSET_TOLERANCE_MS, the new
   * offset is kept and the edits no relay acknowledged are re-stamped, durably.
   * @param {number} referenceMs @returns {Promise<boolean>}
   */
  meetTime(referenceMs) {
    return this._serial(async () => {
      const offset = offsetChange(this._offset, referenceMs, Math.floor(this._wall()));
      if (offset === null) return false;
      const delta = offset - (this._offset ?? 0);
      const outbox = await this.storage.outbox(0);
      const wanted = ownOutboxKeys(this.replicaId, outbox.map((e) => e.update));
      const due = { [OFFSET_META]: String(offset) };
      if (Math.abs(delta) <= OFFSET_TOLERANCE_MS || wanted.size === 0) {
        await this._commitMeta(due);
        this._offset = offset;
        return false;
      }
      const before = this._offset;
      this._offset = offset;
      this.clock.bound(this.now());
      Object.assign(this._metaDue, due, { [RESTAMP_META]: "1" });
      try {
        await this._local(() => {
          this.clock.last = restamp(Object.values(this._rootMaps), this.clock.ceiling, wanted, delta);
        }, { stamp: 0n });
      } catch (error) {
        this._offset = before; // nothing was stored
        delete this._metaDue[OFFSET_META];
        delete this._metaDue[RESTAMP_META];
        throw error;
      }
      return true;
    });
  }

  /** @param {Record<string, string>} values */
  async _commitMeta(values) {
    try {
      await this.storage.commit({ meta: { ...this._metaDue, ...values } });
    } catch (error) {
      throw storeError(error, "the storage refused a write");
    }
    Object.assign(this._meta, this._metaDue, values);
    this._metaDue = {};
  }

  // --------------------------------------------------------------- reading

  /** @param {string} kind */
  _kindRows(kind) {
    return /** @type {Map<string, Row>} */ (this._rowsByKind.get(kind));
  }

  /**
   * One record as plain data (with deleted, updated_at, updated_by, conflicts).
   * @param {string} kind @param {string} id @param {{ includeDeleted?: boolean }} [options]
   * @returns {Record<string, unknown>}
   */
  get(kind, id, { includeDeleted = false } = {}) {
    this._usable();
    kindSpec(kind);
    const row = this._kindRows(kind).get(id);
    if (!row) throw new RecordNotFoundError("no such record", { kind, recordId: id });
    if (row.deleted && !includeDeleted) {
      throw new RecordDeletedError("is deleted (restore it, or ask to include deleted records)",
        { kind, recordId: id });
    }
    return toRecord(row);
  }

  /**
   * Records of `kind` matching every filter given, in name order.
   * @param {string} [kind]
   * @param {{ group?: string | null, company?: string | null, linkedTo?: string | null,
   *   editedSince?: number | bigint | string | null, includeDeleted?: boolean,
   *   limit?: number | null, offset?: number }} [options]
   * @returns {Record<string, unknown>[]}
   */
  list(kind = "contact", { group = null, company = null, linkedTo = null, editedSince = null,
    includeDeleted = false, limit = null, offset = 0 } = {}) {
    this._usable();
    kindSpec(kind);
    checkPage(limit, offset);
    const since = editedSince === null ? null : sinceStamp(editedSince);
    let rows = this._inOrder(kind).filter((row) =>
      (includeDeleted || !row.deleted) &&
      (since === null || row.updated >= since) &&
      (company === null || row.company_id === company ||
        (row.company ?? "").toLowerCase() === company.toLowerCase()) &&
      (linkedTo === null || row.links.includes(linkedTo)));
    if (group !== null) {
      const groupRow = this._kindRows("group").get(group);
      const members = new Set(groupRow && !groupRow.deleted ? groupRow.links : []);
      rows = rows.filter((row) => members.has(row.id));
    }
    return page(rows, limit, offset).map(toRecord);
  }

  /**
   * Records whose search fields (names, company, e-mail, phones …) contain `text`.
   * @param {string} text @param {string} [kind]
   * @param {{ limit?: number | null, includeDeleted?: boolean }} [options]
   * @returns {Record<string, unknown>[]}
   */
  search(text, kind = "contact", { limit = null, includeDeleted = false } = {}) {
    this._usable();
    kindSpec(kind);
    checkPage(limit, 0);
    if (typeof text !== "string") throw new ValidationError("must be text", { field: "text", value: text });
    const needle = searchNeedle(text);
    if (!needle) throw new ValidationError("search text is empty", { field: "text", value: text });
    const rows = [];
    for (const row of this._inOrder(kind)) {
      if ((includeDeleted || !row.deleted) && row.search.includes(needle)) {
        rows.push(row);
        if (limit !== null && rows.length >= limit) break;
      }
    }
    return rows.map(toRecord);
  }

  /**
   * The rows of `kind` in list order: sorted when first asked for, then kept in order
   * as rows change (a changed row moves by binary search, not by sorting again).
   * @param {string} kind @returns {Row[]}
   */
  _inOrder(kind) {
    let ordered = this._ordered.get(kind);
    if (!ordered) {
      ordered = [...this._kindRows(kind).values()].sort(rowOrder(kind, this._collator));
      this._ordered.set(kind, ordered);
    }
    return ordered;
  }

  /** Put `row` in place of `old` (if any) in its kind's list order. @param {Row | undefined} old @param {Row} row */
  _reorder(old, row) {
    const ordered = this._ordered.get(row.kind);
    if (!ordered) return;
    const order = rowOrder(row.kind, this._collator);
    if (old) {
      const at = lowerBound(ordered, old, order);
      if (ordered[at] === old && old.sort_fields === row.sort_fields &&
          old.sort_tail === row.sort_tail && old.id === row.id) {
        ordered[at] = row; // the same place: most edits change no field the order uses
        return;
      }
      if (ordered[at] === old) ordered.splice(at, 1);
      else this._ordered.delete(row.kind); // not where it should be: sort again when asked
    }
    const fresh = this._ordered.get(row.kind);
    if (fresh) fresh.splice(lowerBound(fresh, row, order), 0, row);
  }

  /**
   * The unresolved conflicts (record, field, value, replica, stamp, current).
   * @param {string | null} [kind] @param {string | null} [id] @returns {Record<string, unknown>[]}
   */
  conflicts(kind = null, id = null) {
    this._usable();
    const out = [];
    for (const k of Object.keys(KINDS).sort(compareText)) {
      if (kind !== null && k !== kind) continue;
      const rows = [...this._kindRows(k).values()].sort((a, b) => compareText(a.id, b.id));
      for (const row of rows) if (id === null || row.id === id) out.push(...structuredClone(row.conflicts));
    }
    return out;
  }

  /**
   * Every row of `kind`, deleted ones too, in list order (read-only objects).
   * @param {string} kind @returns {Row[]}
   */
  rows(kind) {
    this._usable();
    kindSpec(kind);
    return [...this._inOrder(kind)];
  }

  /** The locale names are ordered in: the space's setting once seen, "root" until then. */
  get locale() {
    return this._locale;
  }

  /** A value kept beside the replica. @param {string} key @param {string | null} [fallback] */
  getMeta(key, fallback = null) {
    return Object.hasOwn(this._meta, key) ? this._meta[key] : fallback;
  }

  /**
   * Durably keep small string values beside the replica (`app.` keys are the caller's).
   * @param {Record<string, string>} values @returns {Promise<void>}
   */
  setMeta(values) {
    return this._serial(async () => {
      for (const [key, value] of Object.entries(values)) {
        if (!key.startsWith("app.")) throw new ValidationError("meta keys of callers start with 'app.'", { field: key });
        if (typeof value !== "string") throw new ValidationError("must be text", { field: key, value });
      }
      await this._commitMeta({ ...values });
    });
  }

  /** The sequence number of the newest log entry. */
  get lastSeq() {
    return this._lastSeq;
  }

  // ------------------------------------------------------------------ sync

  /** The document's state vector (for a SyncStep1). */
  stateVector() {
    this._usable();
    return Y.encodeStateVector(this.doc);
  }

  /**
   * The update a peer with `stateVector` lacks (everything without one).
   * ProtocolError if the state vector cannot be read.
   * @param {Uint8Array | null} [stateVector]
   */
  diff(stateVector = null) {
    this._usable();
    if (!stateVector || stateVector.length === 0) return Y.encodeStateAsUpdate(this.doc);
    try {
      Y.decodeStateVector(stateVector);
    } catch {
      throw new ProtocolError("a state vector is not valid", { code: 4400 });
    }
    return Y.encodeStateAsUpdate(this.doc, stateVector);
  }

  /** True while some received updates wait for earlier ones (ask a peer for what lacks). */
  missing() {
    return this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null;
  }

  /**
   * Apply and store updates received from peers, in any order, duplicates included.
   * ProtocolError if one cannot be decoded: nothing is applied or stored then.
   * @param {Uint8Array[]} updates @param {{ origin?: string }} [options]
   * @returns {Promise<ApplyResult>}
   */
  applyRemote(updates, { origin = "remote" } = {}) {
    return this._serial(async () => {
      if (!Array.isArray(updates)) throw new ProtocolError("updates must be a list of byte arrays");
      updates.forEach((update, index) => {
        if (!isBytes(update) || !decodes(update)) {
          throw new ProtocolError(`update ${index + 1} of ${updates.length} ` +
            `(${isBytes(update) ? update.length : 0} bytes) is not a valid Yjs update`, { code: 4400 });
        }
      });
      if (updates.length === 0) {
        return { updates: 0, records: 0, missing: this.missing(), seq: this._lastSeq };
      }
      const now = this.now();
      this.clock.bound(now);
      try {
        // One transaction, marked remote: Yjs then also takes a new client id if another
        // replica's updates use this one's (a copied storage).
        Y.transact(this.doc, () => {
          for (const update of updates) Y.applyUpdate(this.doc, update, origin);
        }, origin, false);
      } catch (error) {
        // Decoded, yet refused while integrating: the document may hold part of it.
        await this._rebuild();
        throw new ProtocolError(`an update could not be applied (${error instanceof Error ? error.message : error})`);
      }
      // Logged as they came, one entry each, as the Python store logs them: merging them
      // first cost more than the rest of a batch of small edits.
      // The locale first, so that it is stored with this commit and those who hear of
      // its rows already see the order it makes.
      this._followLocale();
      const records = await this._commitDirty(updates.map((update) => ({ update, origin, atMs: now })));
      return { updates: updates.length, records, missing: this.missing(), seq: this._lastSeq };
    });
  }

  /** Take the space's locale setting (names are ordered by it) once it arrives. */
  _followLocale() {
    const named = this.doc.getMap(SETTINGS_ROOT).get("locale");
    if (typeof named !== "string" || named === this._locale) return;
    try {
      this._collator = collatorFor(named);
    } catch {
      return; // a locale this engine has no data for: names keep their order
    }
    this._locale = named;
    this._metaDue[LOCALE_META] = named;
    this._ordered.clear(); // ordered by the new collator when next asked
  }

  /**
   * Local updates the relay has not acknowledged yet, as [seq, update].
   * @param {number} [afterSeq] @param {number} [limit] @returns {Promise<[number, Uint8Array][]>}
   */
  async outbox(afterSeq = 0, limit) {
    this._usable();
    let entries;
    try {
      entries = await this.storage.outbox(afterSeq, limit);
    } catch (error) {
      throw storeError(error, "the storage cannot be read");
    }
    return entries.map((e) => [e.seq, e.update]);
  }

  /**
   * Forget outbox entries up to `uptoSeq`: the relay holds them durably. How many.
   * @param {number} uptoSeq @returns {Promise<number>}
   */
  acknowledge(uptoSeq) {
    return this._serial(async () => {
      let dropped;
      try {
        dropped = await this.storage.ackOutbox(uptoSeq);
      } catch (error) {
        throw storeError(error, "the storage refused a write");
      }
      if (this.restamped && (await this.storage.outbox(0, 1)).length === 0) {
        await this._commitMeta({ [RESTAMP_META]: "0" }); // every re-stamped edit is on the relay
      }
      return dropped;
    });
  }

  /**
   * Fold the log into a new snapshot. Updates still waiting for earlier ones are kept
   * in it, as Yjs keeps them pending: they integrate when what they wait for arrives.
   * @returns {Promise<void>}
   */
  compact() {
    return this._serial(() => this._compact());
  }

  async _compact() {
    // Yjs writes the pending updates into the state update too (they stay pending when
    // it is applied again).
    const snapshot = Y.encodeStateAsUpdate(this.doc);
    try {
      await this.storage.compact(snapshot, this._lastSeq);
    } catch (error) {
      throw storeError(error, "the storage refused to compact");
    }
    this._snapshotBytes = snapshot.length;
    this._logBytes = 0;
  }

  /** Release the storage. The replica must not be used afterwards. */
  close() {
    clearTimeout(this._compactTimer);
    this.doc.destroy();
    this.storage.close();
  }

  // -------------------------------------------------------------- internals

  /**
   * @override
   * @param {(stamp: bigint) => void} change @param {{ stamp?: bigint }} [options]
   * @returns {Promise<void>}
   */
  async _local(change, { stamp } = {}) {
    let atMs;
    if (stamp === undefined) {
      stamp = this.clock.tick(this.now());
      atMs = Number(stamp >> 16n);
    } else {
      atMs = this.now();
      this.clock.bound(atMs);
      this.clock.observe(stamp); // an outside time: later local edits follow it
    }
    /** @type {Uint8Array[]} */
    const captured = [];
    const onUpdate = (/** @type {Uint8Array} */ update, /** @type {unknown} */ origin) => {
      if (origin === LOCAL) captured.push(update);
    };
    this.doc.on("update", onUpdate);
    try {
      const at = stamp;
      this.doc.transact(() => change(at), LOCAL);
    } catch (error) {
      this.doc.off("update", onUpdate);
      await this._rebuild(); // the change may have stopped half-way
      throw error;
    }
    this.doc.off("update", onUpdate);
    await this._commitDirty(captured.map((update) => ({ update, origin: LOCAL, atMs })));
  }

  /**
   * Commit `updates` with the rows of the records touched since the last commit; how many
   * records. If the storage refuses, the document is built again from what it holds.
   * @param {{ update: Uint8Array, origin: string, atMs: number }[]} updates
   */
  async _commitDirty(updates) {
    const dirty = this._dirty;
    this._dirty = new Map();
    if (updates.length === 0 && dirty.size === 0) return 0;
    /** @type {Row[]} */
    const rows = [];
    for (const [kind, ids] of dirty) {
      for (const id of ids) {
        const row = this._makeRow(kind, id);
        if (row !== null) rows.push(row);
      }
    }
    const meta = { gap: this.missing() ? "1" : "0", clock: this.clock.last.toString(), ...this._metaDue };
    let seqs;
    try {
      seqs = await this.storage.commit({ updates, rows, meta });
    } catch (error) {
      await this._rebuild();
      throw storeError(error, "the storage refused a write");
    }
    Object.assign(this._meta, meta);
    this._metaDue = {};
    for (const row of rows) {
      const byId = this._kindRows(row.kind);
      this._reorder(byId.get(row.id), row);
      byId.set(row.id, row);
    }
    if (seqs.length) this._lastSeq = seqs[seqs.length - 1];
    this._tell(rows, false);
    this._logBytes += updates.reduce((n, u) => n + u.update.length, 0);
    if (this._logBytes > Math.max(COMPACT_MIN_BYTES, this._snapshotBytes / 2)) this._compactSoon();
    return rows.length;
  }

  /**
   * Compact once changes pause: the change is stored already, and compacting (the whole
   * document written again) would hold up a sync's next batch. Each commit postpones it
   * by COMPACT_QUIET_MS, for at most COMPACT_LATEST_MS in all; one that fails is tried
   * again after a later commit and never fails a change.
   */
  _compactSoon() {
    const now = Date.now();
    this._compactSince ??= now;
    clearTimeout(this._compactTimer);
    const wait = now - this._compactSince >= COMPACT_LATEST_MS ? 0 : COMPACT_QUIET_MS;
    this._compactTimer = setTimeout(() => {
      this._compactSince = null;
      this._serial(() => this._compact()).catch(() => undefined);
    }, wait);
    // In Node (tests, tools) a compaction still due must not keep the process alive.
    /** @type {{ unref?: () => void }} */ (/** @type {unknown} */ (this._compactTimer)).unref?.();
  }

  /**
   * Hear of every change of rows from now on: `listener(rows, whole)` gets the rows a
   * stored change wrote (a local edit, or updates from peers), once they are stored; with
   * `whole` true they are every row there is (the replica was built again from its
   * storage). Listeners are called after the change, outside it: one that throws does
   * not undo it. Returns a function that stops the listening.
   * @param {RowsListener} listener @returns {() => void}
   */
  onRows(listener) {
    this._listeners.add(listener);
    return () => { this._listeners.delete(listener); };
  }

  /** @param {Row[]} rows @param {boolean} whole */
  _tell(rows, whole) {
    if (rows.length === 0 && !whole) return;
    for (const listener of this._listeners) queueMicrotask(() => listener(rows, whole));
  }

  /** The row of one record as the document holds it now; null if it holds no record map there. @param {string} kind @param {string} id */
  _makeRow(kind, id) {
    const record = this._rootMaps[kind].get(id);
    if (!(record instanceof Y.Map)) return null; // not a record this engine wrote: no row
    const grouped = groupEntries(record.entries());
    let text = null;
    if (kind === "note" && record.has(TEXT_KEY)) {
      const body = record.get(TEXT_KEY);
      text = body instanceof Y.Text ? body.toString() : null;
    }
    const resolved = resolveEntries(kind, id, grouped, text);
    this.clock.observe(resolved.updated);
    return freezeRow(buildRow(resolved, this._kindRows(kind).get(id)));
  }

  /** Build the document and rows again from the storage (after a failed write). */
  async _rebuild() {
    const clientId = this.doc.clientID;
    try {
      const loaded = await this.storage.load();
      this._install(this._build(loaded, clientId));
      await this._loadRows();
      this._tell(Object.keys(KINDS).flatMap((kind) => this.rows(kind)), true);
    } catch (error) {
      this._broken = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
}

/** @param {Y.Doc} doc @param {Uint8Array} update @param {string} what */
function applyOrCorrupt(doc, update, what) {
  try {
    Y.applyUpdate(doc, update);
  } catch {
    throw new CorruptStoreError(`${what} is not a valid Yjs update`);
  }
}

/** @param {string} locale */
function collatorFor(locale) {
  return new Intl.Collator(locale === "root" ? "und" : locale);
}

/**
 * The first index at which `row` could go in `ordered` keeping its order.
 * @param {Row[]} ordered @param {Row} row @param {(a: Row, b: Row) => number} order
 */
function lowerBound(ordered, row, order) {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (order(ordered[middle], row) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** @param {Row[]} rows @param {number | null} limit @param {number} offset */
const page = (rows, limit, offset) => rows.slice(offset, limit === null ? undefined : offset + limit);

/** @param {unknown} limit @param {unknown} offset */
function checkPage(limit, offset) {
  if (limit !== null && limit !== undefined && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0)) {
    throw new ValidationError("must be a whole number, 0 or more", { field: "limit", value: limit });
  }
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw new ValidationError("must be a whole number, 0 or more", { field: "offset", value: offset });
  }
}

/** A stamp, or an ISO-8601 time as the stamp of its ms. @param {number | bigint | string} value */
function sinceStamp(value) {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  const iso = /** @type {string} */ (normalizeValue("edited", KINDS.contact.fields.edited, value,
    { kind: "contact", recordId: null }));
  return makeStamp(Date.parse(iso));
}
