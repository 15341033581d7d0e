// A web replica's storage in the browser's IndexedDB: one database per replica.
//
// Object stores (database version 1):
// - `snapshot`: one record under key 1, { seq, data }: the merged document and the seq of
//   the newest update it stands for;
// - `head`: one record under key 1, { seq }: the newest seq ever handed out, kept apart
//   from the log so that a seq is never used twice, even after compaction emptied the log;
// - `log`: { seq, update, origin, atMs } by seq: the updates after the snapshot;
// - `outbox`: { seq, update, atMs } by seq: local updates the relay has not acknowledged;
// - `rows`: the list rows (types.js's Row) by [kind, id], with an index `kind`;
// - `meta`: { key, value } by key: replica id, clock, resume cursor, settings.
//
// Every method is one IndexedDB transaction, so each is all or nothing: `commit` writes
// the log, outbox, rows, meta and snapshot it touches in one readwrite transaction, and
// `compact` replaces the snapshot and drops the log entries it stands for in another. A
// transaction that fails anywhere (a value that cannot be stored, a full quota, a closed
// database) is aborted, the browser rolls all of it back, and only then does the promise
// reject, with a StorageError. Rows are written by as many put() calls as there are rows,
// all issued at once inside one transaction, never one transaction per row.
//
// Opening never writes. IndexedDB itself creates the object stores when the database is
// new (its upgrade transaction, from version 0 to DATABASE_VERSION). A later layout raises
// DATABASE_VERSION and adds a step `if (oldVersion < N)` to `upgrade`, so that a database
// of any older version walks each step in the one upgrade transaction; a database of a
// newer version than this code knows is refused ("unusable"), never changed.
//
// Every value read back is checked (check.js's STORED): the database outlives this code,
// and other code of the same origin can write it.

import {
  checkCommit, checkIds, checkKind, checkSeq, checkSnapshot, checkUpto, describe, rowName, stored,
} from "./check.js";
import { StorageError } from "./errors.js";

/** @typedef {import("./types.js").Storage} Storage */
/** @typedef {import("./types.js").Commit} Commit */
/** @typedef {import("./types.js").LogEntry} LogEntry */
/** @typedef {import("./types.js").Loaded} Loaded */
/** @typedef {import("./types.js").Row} Row */

/** The layout described above; see `upgrade` for how a later one is reached. */
export const DATABASE_VERSION = 1;

const SNAPSHOT = "snapshot";
const HEAD = "head";
const LOG = "log";
const OUTBOX = "outbox";
const ROWS = "rows";
const META = "meta";
const BY_KIND = "kind";
/** The key of the one record in `snapshot` and in `head`. */
const ONLY = 1;
const LOCAL = "local";

/** What each object store's records are keyed by (null: keys given apart, i.e. ONLY). */
const KEY_PATHS = /** @type {const} */ ({
  [SNAPSHOT]: null, [HEAD]: null, [LOG]: "seq", [OUTBOX]: "seq", [ROWS]: ["kind", "id"],
  [META]: "key",
});

/**
 * Create or bring up the object stores; runs inside IndexedDB's upgrade transaction.
 * @param {IDBDatabase} db
 * @param {number} oldVersion 0 for a new database
 */
function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore(SNAPSHOT);
    db.createObjectStore(HEAD);
    db.createObjectStore(LOG, { keyPath: "seq" });
    db.createObjectStore(OUTBOX, { keyPath: "seq" });
    db.createObjectStore(ROWS, { keyPath: ["kind", "id"] }).createIndex(BY_KIND, "kind");
    db.createObjectStore(META, { keyPath: "key" });
  }
}

/**
 * @typedef {{ indexedDB?: IDBFactory, durability?: IDBTransactionDurability }} OpenOptions
 * `indexedDB`: the factory (the browser's `globalThis.indexedDB` by default; tests pass
 * fake-indexeddb's). `durability`: that of the write transactions; "strict" (the default)
 * has the browser flush them to disk before their promise resolves, as the Python
 * replica's SQLite store does, "relaxed" is faster and may lose the newest commits on a
 * power loss (never half of one).
 */

/**
 * The `step` a transaction body uses: run `then` with a request's result, inside the
 * transaction; whatever `then` throws aborts the transaction and rejects its promise.
 * @typedef {<R>(request: IDBRequest<R>, then: (result: R) => void) => void} Step
 */

const CONSTRUCTING = Symbol("IndexedDbStorage.open");

/** @implements {Storage} */
export class IndexedDbStorage {
  /** @type {IDBDatabase} */
  #db;
  /** @type {IDBTransactionDurability} */
  #durability;
  /** @type {string | null} why the storage cannot be used any more, once it cannot */
  #closed = null;

  /**
   * Use `IndexedDbStorage.open`.
   * @param {symbol} token
   * @param {IDBDatabase} db
   * @param {IDBTransactionDurability} durability
   */
  constructor(token, db, durability) {
    if (token !== CONSTRUCTING) throw new TypeError("use IndexedDbStorage.open(name)");
    this.#db = db;
    this.#durability = durability;
    // Another tab wants to bring the database to a newer version: let it, and refuse
    // further use here (that page runs older code and must reload).
    db.onversionchange = () => {
      this.#closed = "the storage was closed: another page opened it with a newer handsync";
      db.close();
    };
    // The browser closed the connection itself (the site's data was cleared, say).
    db.onclose = () => {
      this.#closed = "the storage was closed by the browser (was the site's data cleared?)";
    };
  }

  /**
   * Open (creating it if it does not exist) the replica database `name`. Never writes to
   * an existing database.
   * @param {string} name
   * @param {OpenOptions} [options]
   * @returns {Promise<IndexedDbStorage>}
   */
  static async open(name, options = {}) {
    if (typeof name !== "string" || name === "") {
      throw new StorageError(`a database name must be non-empty text, not ${describe(name)}`,
        "invalid");
    }
    const factory = options.indexedDB ?? globalThis.indexedDB;
    if (factory === undefined) {
      throw new StorageError("this browser has no IndexedDB (is it a private window?)",
        "unusable");
    }
    const durability = options.durability ?? "strict";
    if (!["strict", "relaxed", "default"].includes(durability)) {
      throw new StorageError(`durability must be "strict", "relaxed" or "default", not `
        + describe(durability), "invalid");
    }
    /** @type {IDBDatabase} */
    const db = await new Promise((resolve, reject) => {
      /** @type {IDBOpenDBRequest} */
      let request;
      try {
        request = factory.open(name, DATABASE_VERSION);
      } catch (error) {
        reject(new StorageError(`cannot open the database ${JSON.stringify(name)}: `
          + `${errorText(error)}`, "unusable", error));
        return;
      }
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(openError(name, request.error));
      // No onblocked: when an older page still holds the database open during an upgrade,
      // the request waits until that page closes it, which its onversionchange does.
    });
    try {
      checkLayout(db, name);
    } catch (error) {
      db.close();
      throw error;
    }
    return new IndexedDbStorage(CONSTRUCTING, db, durability);
  }

  /** @returns {Promise<Loaded>} */
  async load() {
    return this.#run([SNAPSHOT, LOG, META], "readonly", "loading the storage", (tx, step) => {
      /** @type {unknown} */
      let snapshot;
      /** @type {unknown[]} */
      let log = [];
      /** @type {unknown[]} */
      let meta = [];
      step(tx.objectStore(SNAPSHOT).get(ONLY), (value) => { snapshot = value; });
      step(tx.objectStore(LOG).getAll(), (values) => { log = values; });
      step(tx.objectStore(META).getAll(), (values) => { meta = values; });
      return () => {
        const snap = readSnapshot(snapshot);
        const snapshotSeq = snap?.seq ?? 0;
        return {
          snapshot: snap?.data ?? null,
          snapshotSeq,
          log: log.map(readLogEntry).filter((e) => e.seq > snapshotSeq),
          meta: Object.fromEntries(meta.map((value) => {
            const { key, value: text } = /** @type {{ key: string, value: string }} */ (
              stored(value, META, `the meta value ${describeKey(value, "key")}`));
            return [key, text];
          })),
        };
      };
    });
  }

  /**
   * @param {Commit} commit
   * @returns {Promise<number[]>}
   */
  async commit(commit) {
    this.#checkOpen();
    const { updates, rows, meta, snapshot } = checkCommit(commit);
    const sequenced = updates.length > 0 || snapshot !== null;
    const names = [
      ...(sequenced ? [HEAD, LOG] : []),
      ...(updates.some((u) => u.origin === LOCAL) ? [OUTBOX] : []),
      ...(rows.length > 0 ? [ROWS] : []),
      ...(meta.length > 0 ? [META] : []),
      ...(snapshot !== null ? [SNAPSHOT] : []),
    ];
    if (names.length === 0) return [];
    return this.#run(names, "readwrite", "the commit", (tx, step) => {
      /** @type {number[]} */
      let seqs = [];
      /** @param {number} head */
      const write = (head) => {
        seqs = updates.map((_, n) => head + 1 + n);
        const newHead = head + updates.length;
        if (updates.length > 0) tx.objectStore(HEAD).put({ seq: newHead }, ONLY);
        const log = sequenced ? tx.objectStore(LOG) : null;
        const outbox = names.includes(OUTBOX) ? tx.objectStore(OUTBOX) : null;
        updates.forEach(({ update, origin, atMs }, n) => {
          const seq = seqs[n];
          // A snapshot in the same commit stands for these updates: they need no log entry.
          if (snapshot === null) log?.put({ seq, update, origin, atMs });
          if (origin === LOCAL) outbox?.put({ seq, update, atMs });
        });
        if (rows.length > 0) {
          const store = tx.objectStore(ROWS);
          rows.forEach((row, n) => {
            try {
              store.put(row);
            } catch (error) {
              // DataCloneError: the row holds something IndexedDB cannot store (a function,
              // say). The puts already made are rolled back with the transaction.
              throw new StorageError(`commit.rows[${n}] (${rowName(row)}) cannot be stored: `
                + errorText(error), "invalid", error);
            }
          });
        }
        if (meta.length > 0) {
          const store = tx.objectStore(META);
          for (const [key, value] of meta) store.put({ key, value });
        }
        if (snapshot !== null) {
          log?.clear();
          tx.objectStore(SNAPSHOT).put({ seq: newHead, data: snapshot }, ONLY);
        }
      };
      if (sequenced) {
        step(tx.objectStore(HEAD).get(ONLY), (value) => write(readHead(value)));
      } else {
        write(0);
      }
      return () => seqs;
    });
  }

  /**
   * @param {Uint8Array} snapshot
   * @param {number} uptoSeq
   */
  async compact(snapshot, uptoSeq) {
    this.#checkOpen();
    const data = checkSnapshot(snapshot);
    checkSeq(uptoSeq, "uptoSeq");
    return this.#run([SNAPSHOT, HEAD, LOG], "readwrite", "the compaction", (tx, step) => {
      /** @type {number} */
      let head = 0;
      step(tx.objectStore(HEAD).get(ONLY), (value) => { head = readHead(value); });
      step(tx.objectStore(SNAPSHOT).get(ONLY), (value) => {
        checkUpto(uptoSeq, readSnapshot(value)?.seq ?? 0, head);
        tx.objectStore(SNAPSHOT).put({ seq: uptoSeq, data }, ONLY);
        const log = tx.objectStore(LOG);
        step(log.getAllKeys(), (keys) => {
          for (const key of keys) if (readKey(key, LOG) <= uptoSeq) log.delete(key);
        });
      });
      return () => undefined;
    });
  }

  /**
   * Every stored row of a kind, deleted ones too, ordered by id.
   * @param {string} kind
   * @returns {Promise<Row[]>}
   */
  async rows(kind) {
    this.#checkOpen();
    checkKind(kind);
    return this.#run([ROWS], "readonly", `reading the ${kind} rows`, (tx, step) => {
      /** @type {unknown[]} */
      let values = [];
      step(tx.objectStore(ROWS).index(BY_KIND).getAll(kind), (found) => { values = found; });
      return () => values.map(readRow);
    });
  }

  /**
   * @param {string} kind
   * @param {string[]} ids
   * @returns {Promise<Map<string, Row>>}
   */
  async getRows(kind, ids) {
    this.#checkOpen();
    checkKind(kind);
    const wanted = [...new Set(checkIds(ids))];
    return this.#run([ROWS], "readonly", `reading ${kind} rows`, (tx, step) => {
      const store = tx.objectStore(ROWS);
      /** @type {Map<string, unknown>} */
      const found = new Map();
      for (const id of wanted) {
        step(store.get([kind, id]), (value) => { if (value !== undefined) found.set(id, value); });
      }
      return () => new Map([...found].map(([id, value]) => [id, readRow(value)]));
    });
  }

  /**
   * @param {number} [afterSeq]
   * @param {number} [limit]
   * @returns {Promise<LogEntry[]>}
   */
  async outbox(afterSeq = 0, limit = undefined) {
    this.#checkOpen();
    checkSeq(afterSeq, "afterSeq");
    const most = limit === undefined ? Infinity : checkSeq(limit, "limit");
    if (most === 0) return [];
    return this.#run([OUTBOX], "readonly", "reading the outbox", (tx, step) => {
      /** @type {LogEntry[]} */
      const entries = [];
      // A cursor, not getAll: a replica offline for long may hold many entries, and a
      // session reads them a page at a time from `afterSeq` on. Its onsuccess runs once
      // per record the cursor reaches.
      step(tx.objectStore(OUTBOX).openCursor(), (cursor) => {
        if (cursor === null) return;
        const entry = readOutboxEntry(cursor.value);
        if (entry.seq <= afterSeq) {
          cursor.continue(afterSeq + 1); // seqs are whole numbers: the first one after
        } else {
          entries.push(entry);
          if (entries.length < most) cursor.continue();
        }
      });
      return () => entries;
    });
  }

  /**
   * @param {number} uptoSeq
   * @returns {Promise<number>}
   */
  async ackOutbox(uptoSeq) {
    this.#checkOpen();
    checkSeq(uptoSeq, "uptoSeq");
    return this.#run([OUTBOX], "readwrite", "acknowledging the outbox", (tx, step) => {
      let dropped = 0;
      const outbox = tx.objectStore(OUTBOX);
      step(outbox.getAllKeys(), (keys) => {
        for (const key of keys) {
          if (readKey(key, OUTBOX) <= uptoSeq) {
            outbox.delete(key);
            dropped += 1;
          }
        }
      });
      return () => dropped;
    });
  }

  async stats() {
    return this.#run([SNAPSHOT, LOG, OUTBOX, ROWS], "readonly", "reading the storage's sizes",
      (tx, step) => {
        /** @type {unknown} */
        let snapshot;
        /** @type {unknown[]} */
        let log = [];
        let outbox = 0;
        let records = 0;
        step(tx.objectStore(SNAPSHOT).get(ONLY), (value) => { snapshot = value; });
        step(tx.objectStore(LOG).getAll(), (values) => { log = values; });
        step(tx.objectStore(OUTBOX).count(), (count) => { outbox = count; });
        step(tx.objectStore(ROWS).count(), (count) => { records = count; });
        return () => {
          const entries = log.map(readLogEntry);
          return {
            logEntries: entries.length,
            logBytes: entries.reduce((sum, e) => sum + e.update.length, 0),
            snapshotBytes: readSnapshot(snapshot)?.data.length ?? 0,
            outbox,
            records,
          };
        };
      });
  }

  close() {
    if (this.#closed === null) this.#closed = "the storage was closed";
    this.#db.close();
  }

  #checkOpen() {
    if (this.#closed !== null) throw new StorageError(this.#closed, "closed");
  }

  /**
   * Run one transaction. `body` issues its requests (through `step` for those whose result
   * it needs) and returns a function that makes the result once the transaction has
   * committed. Resolves after the commit; rejects after the abort (the browser has rolled
   * everything back by then) with the first error thrown inside, or the browser's.
   * @template T
   * @param {string[]} names the object stores it uses
   * @param {IDBTransactionMode} mode
   * @param {string} what what it does, for messages
   * @param {(tx: IDBTransaction, step: Step) => () => T} body
   * @returns {Promise<T>}
   */
  #run(names, mode, what, body) {
    this.#checkOpen();
    const writes = mode === "readwrite";
    return new Promise((resolve, reject) => {
      /** @type {IDBTransaction} */
      let tx;
      try {
        tx = writes
          ? this.#db.transaction(names, mode, { durability: this.#durability })
          : this.#db.transaction(names, mode);
      } catch (error) {
        reject(this.#browserError(error, what, writes));
        return;
      }
      /** @type {{ error: unknown } | null} */
      let failure = null;
      /** @param {unknown} error */
      const fail = (error) => {
        failure ??= { error: asStorageError(error, what, writes) };
        try {
          tx.abort();
        } catch {
          // Already aborting.
        }
      };
      /** @type {Step} */
      const step = (request, then) => {
        request.onsuccess = () => {
          if (failure !== null) return;
          try {
            then(request.result);
          } catch (error) {
            fail(error);
          }
        };
      };
      /** @type {() => T} */
      let result = () => { throw new Error("a transaction body made no result"); };
      tx.oncomplete = () => {
        try {
          resolve(result());
        } catch (error) {
          reject(asStorageError(error, what, writes));
        }
      };
      tx.onabort = () => {
        reject(failure !== null ? failure.error : this.#browserError(tx.error, what, writes));
      };
      try {
        result = body(tx, step);
      } catch (error) {
        fail(error);
      }
    });
  }

  /**
   * The StorageError for an error the browser raised or a transaction ended with.
   * @param {unknown} error
   * @param {string} what
   * @param {boolean} writes
   */
  #browserError(error, what, writes) {
    const name = error instanceof Error || error instanceof DOMException ? error.name : "";
    if (this.#closed !== null || name === "InvalidStateError") {
      return new StorageError(`${what} failed: ${this.#closed ?? "the database is closed"}`,
        "closed", error);
    }
    return asStorageError(error, what, writes);
  }
}

/**
 * @param {unknown} error
 * @param {string} what
 * @param {boolean} writes
 * @returns {StorageError}
 */
function asStorageError(error, what, writes) {
  if (error instanceof StorageError) return error;
  const nothing = writes ? "; nothing of it was written" : "";
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "QuotaExceededError") {
    return new StorageError(`${what} was refused: the browser's storage for this site is full `
      + `(QuotaExceededError)${nothing}`, "quota", error);
  }
  if (error === null || error === undefined) {
    return new StorageError(`${what} was aborted${nothing}`, "failed");
  }
  return new StorageError(`${what} failed: ${errorText(error)}${nothing}`, "failed", error);
}

/**
 * @param {string} name
 * @param {DOMException | null} error
 */
function openError(name, error) {
  if (error?.name === "VersionError") {
    return new StorageError(`the database ${JSON.stringify(name)} was written by a newer `
      + `handsync (its version is above ${DATABASE_VERSION}); this one cannot open it`,
    "unusable", error);
  }
  return new StorageError(`cannot open the database ${JSON.stringify(name)}: `
    + errorText(error), "unusable", error);
}

/**
 * Refuse a database of this name that is not a handsync replica store (one left by
 * other code of the same origin), reading only its schema.
 * @param {IDBDatabase} db
 * @param {string} name
 */
function checkLayout(db, name) {
  const stores = /** @type {(keyof typeof KEY_PATHS)[]} */ (Object.keys(KEY_PATHS));
  const missing = stores.filter((store) => !db.objectStoreNames.contains(store));
  if (missing.length > 0) {
    throw new StorageError(`the database ${JSON.stringify(name)} is not a handsync replica `
      + `store: it has no object store ${missing.join(", ")}`, "unusable");
  }
  const tx = db.transaction(stores, "readonly");
  for (const store of stores) {
    const objectStore = tx.objectStore(store);
    if (JSON.stringify(objectStore.keyPath) !== JSON.stringify(KEY_PATHS[store])) {
      throw new StorageError(`the database ${JSON.stringify(name)} is not a handsync replica `
        + `store: its object store ${store} is keyed by ${JSON.stringify(objectStore.keyPath)}`,
      "unusable");
    }
  }
  if (!tx.objectStore(ROWS).indexNames.contains(BY_KIND)) {
    throw new StorageError(`the database ${JSON.stringify(name)} is not a handsync replica `
      + "store: its rows have no index by kind", "unusable");
  }
}

/**
 * @param {unknown} value
 * @returns {{ seq: number, data: Uint8Array } | null}
 */
function readSnapshot(value) {
  return value === undefined ? null : stored(value, SNAPSHOT, "the snapshot");
}

/** @param {unknown} value */
function readHead(value) {
  return value === undefined ? 0
    : /** @type {{ seq: number }} */ (stored(value, HEAD, "the newest seq")).seq;
}

/**
 * @param {unknown} value
 * @returns {LogEntry}
 */
function readLogEntry(value) {
  return stored(value, LOG, `the log entry ${describeKey(value, "seq")}`);
}

/**
 * @param {unknown} value
 * @returns {LogEntry}
 */
function readOutboxEntry(value) {
  const { seq, update, atMs } = /** @type {{ seq: number, update: Uint8Array, atMs: number }} */ (
    stored(value, OUTBOX, `the outbox entry ${describeKey(value, "seq")}`));
  return { seq, update, origin: LOCAL, atMs };
}

/**
 * @param {unknown} value
 * @returns {Row}
 */
function readRow(value) {
  const name = value !== null && typeof value === "object"
    ? rowName(/** @type {{ kind?: unknown, id?: unknown }} */ (value)) : "?";
  return stored(value, ROWS, `the row ${name}`);
}

/**
 * A seq key of the log or the outbox, or a "malformed" StorageError.
 * @param {IDBValidKey} key
 * @param {string} store
 * @returns {number}
 */
function readKey(key, store) {
  if (!Number.isSafeInteger(key) || /** @type {number} */ (key) < 0) {
    throw new StorageError(`the ${store} in the database is malformed: it holds the key `
      + `${describe(key)}, not a seq`, "malformed");
  }
  return /** @type {number} */ (key);
}

/**
 * How a message names a stored record by its key field.
 * @param {unknown} value
 * @param {string} field
 */
function describeKey(value, field) {
  return value !== null && typeof value === "object"
    ? describe(/** @type {Record<string, unknown>} */ (value)[field]) : "?";
}

/** @param {unknown} error */
function errorText(error) {
  if (error instanceof Error || error instanceof DOMException) {
    return error.message ? `${error.name}: ${error.message}` : error.name;
  }
  return String(error);
}
