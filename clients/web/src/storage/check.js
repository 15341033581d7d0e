// Checks of what goes into a web replica's storage and of what comes back out of it.
//
// Both implementations check a Commit before they write any of it (bad input gets a
// StorageError with reason "invalid" and nothing is written). The IndexedDB storage also
// checks every value it reads back, because the database outlives this code and can be
// written by other code of the same origin: a value of the wrong shape gets a
// StorageError with reason "malformed", naming the record and what was wrong, never a
// silently wrong result.

import { StorageError } from "./errors.js";

/** @typedef {import("./types.js").Row} Row */
/** @typedef {import("./types.js").Commit} Commit */
/** @typedef {import("./types.js").LogEntry} LogEntry */

/** @typedef {{ test: (value: unknown) => boolean, what: string }} Check */

/** @type {Check} */
const TEXT = { test: (v) => typeof v === "string", what: "text" };
/** @type {Check} */
const NAME = { test: (v) => typeof v === "string" && v !== "", what: "non-empty text" };
/** @type {Check} */
const TEXT_OR_NULL = { test: (v) => v === null || typeof v === "string", what: "text or null" };
/** @type {Check} */
const FLAG = { test: (v) => typeof v === "boolean", what: "true or false" };
/** @type {Check} */
/** @type {Check} */
const STAMP = { test: (v) => typeof v === "bigint" && v >= 0n,
  what: "a clock stamp (a BigInt >= 0: stamps pass 2^53)" };
/** @type {Check} */
const SEQ = { test: (v) => Number.isSafeInteger(v) && /** @type {number} */ (v) >= 0,
  what: "a whole number >= 0" };
/** @type {Check} */
const MILLISECONDS = { test: (v) => Number.isSafeInteger(v), what: "a whole number of milliseconds" };
/** @type {Check} */
const BYTES = { test: (v) => v instanceof Uint8Array, what: "bytes (a Uint8Array)" };
/** @type {Check} */
const RECORD = { test: isPlainObject, what: "a plain object" };
/** @type {Check} */
const TEXTS = { test: (v) => Array.isArray(v) && v.every((t) => typeof t === "string"),
  what: "a list of texts" };
/** @type {Check} */
const RECORDS = { test: (v) => Array.isArray(v) && v.every(isPlainObject),
  what: "a list of plain objects" };

/** The columns of a Row and what each must hold. */
const ROW = {
  kind: NAME, id: NAME, deleted: FLAG, updated: STAMP, updated_by: TEXT, data: RECORD,
  search: TEXT, sort_fields: TEXT, sort_tail: TEXT, company_id: TEXT_OR_NULL,
  company: TEXT_OR_NULL, links: TEXTS, conflicts: RECORDS,
};
const UPDATE = { update: BYTES, origin: NAME, atMs: MILLISECONDS };
const COMMIT_FIELDS = new Set(["updates", "rows", "meta", "snapshot"]);

// The shapes the IndexedDB storage writes (indexeddb.js), checked when read back.
export const STORED = {
  snapshot: { seq: SEQ, data: BYTES },
  head: { seq: SEQ },
  log: { seq: SEQ, update: BYTES, origin: NAME, atMs: MILLISECONDS },
  outbox: { seq: SEQ, update: BYTES, atMs: MILLISECONDS },
  meta: { key: TEXT, value: TEXT },
  rows: ROW,
};

/** @param {unknown} value */
function isPlainObject(value) {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * What a value is, for a message.
 * @param {unknown} value
 */
export function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === "string") return value.length > 40 ? "a text" : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === "object") {
    return isPlainObject(value) ? "an object" : `a ${value.constructor?.name ?? "foreign"} object`;
  }
  return typeof value;
}

/**
 * The first thing wrong with `value` as a record of these fields, or null.
 * @param {unknown} value
 * @param {Record<string, Check>} fields
 * @returns {string | null}
 */
export function shapeProblem(value, fields) {
  if (!isPlainObject(value)) return `it is ${describe(value)}, not a plain object`;
  const record = /** @type {Record<string, unknown>} */ (value);
  for (const [name, check] of Object.entries(fields)) {
    if (!Object.hasOwn(record, name)) return `it has no ${name}`;
    if (!check.test(record[name])) return `its ${name} is ${describe(record[name])}, not ${check.what}`;
  }
  for (const name of Object.keys(record)) {
    if (!Object.hasOwn(fields, name)) return `it has an unknown field ${JSON.stringify(name)}`;
  }
  return null;
}

/**
 * `value` if it has the shape the storage writes to `store`, else a "malformed" StorageError.
 * @template T
 * @param {unknown} value
 * @param {keyof typeof STORED} store
 * @param {string} where names the record, e.g. `the log entry 7`
 * @returns {T}
 */
export function stored(value, store, where) {
  const problem = shapeProblem(value, STORED[store]);
  if (problem !== null) {
    throw new StorageError(`${where} in the database is malformed: ${problem}`, "malformed");
  }
  return /** @type {T} */ (value);
}

/**
 * A Commit checked, with its bytes copied (so the caller may reuse its arrays) and its
 * rows made as the storage keeps them (see normalRow). The row data are not copied here:
 * each implementation copies them as it stores them.
 * @typedef {{ updates: { update: Uint8Array, origin: string, atMs: number }[], rows: Row[],
 *   meta: [string, string][], snapshot: Uint8Array | null }} CheckedCommit
 */

/**
 * Check a Commit before any of it is written; a StorageError ("invalid") names what is wrong.
 * @param {Commit} commit
 * @returns {CheckedCommit}
 */
export function checkCommit(commit) {
  if (!isPlainObject(commit)) invalid(`a commit must be a plain object, not ${describe(commit)}`);
  for (const name of Object.keys(commit)) {
    if (!COMMIT_FIELDS.has(name)) invalid(`a commit has no field ${JSON.stringify(name)}`);
  }
  const { updates = [], rows = [], meta = {}, snapshot = null } = commit;
  if (!Array.isArray(updates)) invalid(`commit.updates must be a list, not ${describe(updates)}`);
  if (!Array.isArray(rows)) invalid(`commit.rows must be a list, not ${describe(rows)}`);
  if (!isPlainObject(meta)) invalid(`commit.meta must be a plain object, not ${describe(meta)}`);
  if (snapshot !== null && !(snapshot instanceof Uint8Array)) {
    invalid(`commit.snapshot must be bytes (a Uint8Array) or null, not ${describe(snapshot)}`);
  }
  const checkedUpdates = updates.map((entry, n) => {
    const problem = shapeProblem(entry, UPDATE);
    if (problem !== null) invalid(`commit.updates[${n}] cannot be stored: ${problem}`);
    return { update: copyBytes(entry.update), origin: entry.origin, atMs: entry.atMs };
  });
  const checkedRows = rows.map((row, n) => checkRow(row, `commit.rows[${n}]`));
  const checkedMeta = Object.entries(meta).map(([key, value]) => {
    if (typeof value !== "string") {
      invalid(`commit.meta[${JSON.stringify(key)}] must be text, not ${describe(value)}`);
    }
    return /** @type {[string, string]} */ ([key, value]);
  });
  return { updates: checkedUpdates, rows: checkedRows, meta: checkedMeta,
    snapshot: snapshot === null ? null : copyBytes(snapshot) };
}

/**
 * A row as the storage keeps it, or a StorageError ("invalid").
 * @param {unknown} row
 * @param {string} where
 * @returns {Row}
 */
function checkRow(row, where) {
  const problem = shapeProblem(row, ROW);
  if (problem !== null) {
    const named = isPlainObject(row) ? ` (${rowName(/** @type {Row} */ (row))})` : "";
    invalid(`${where}${named} cannot be stored: ${problem}`);
  }
  return normalRow(/** @type {Row} */ (row));
}

/**
 * A row as engine/store.py gives rows back: links a sorted set, conflicts ordered by
 * (field, stamp, replica). A new object; data and the conflicts' contents are shared.
 * @param {Row} row
 * @returns {Row}
 */
function normalRow(row) {
  const links = [...new Set(row.links)].sort();
  const conflicts = [...row.conflicts].sort((a, b) =>
    order(a.field, b.field) || order(a.stamp, b.stamp) || order(a.replica, b.replica));
  return { ...row, links, conflicts };
}

/**
 * @param {unknown} a
 * @param {unknown} b
 */
function order(a, b) {
  // Any two values of one type (texts, numbers, bigints) compare with < and >.
  const [x, y] = /** @type {[number, number]} */ ([a, b]);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * How a message names a row.
 * @param {{ kind?: unknown, id?: unknown }} row
 */
export function rowName(row) {
  return `${typeof row.kind === "string" ? row.kind : "?"} ${JSON.stringify(row.id)}`;
}

/**
 * A sequence number argument, or a StorageError ("invalid").
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
export function checkSeq(value, name) {
  if (!SEQ.test(value)) invalid(`${name} must be ${SEQ.what}, not ${describe(value)}`);
  return /** @type {number} */ (value);
}

/**
 * A kind argument, or a StorageError ("invalid").
 * @param {unknown} value
 * @returns {string}
 */
export function checkKind(value) {
  if (!NAME.test(value)) invalid(`a kind must be non-empty text, not ${describe(value)}`);
  return /** @type {string} */ (value);
}

/**
 * A list of record ids, or a StorageError ("invalid").
 * @param {unknown} value
 * @returns {string[]}
 */
export function checkIds(value) {
  if (!Array.isArray(value)) invalid(`ids must be a list, not ${describe(value)}`);
  const ids = /** @type {unknown[]} */ (value);
  ids.forEach((id, n) => {
    if (!NAME.test(id)) invalid(`ids[${n}] must be non-empty text, not ${describe(id)}`);
  });
  return /** @type {string[]} */ (ids);
}

/**
 * Snapshot bytes to keep, or a StorageError ("invalid").
 * @param {unknown} value
 * @returns {Uint8Array}
 */
export function checkSnapshot(value) {
  if (!(value instanceof Uint8Array)) {
    invalid(`a snapshot must be bytes (a Uint8Array), not ${describe(value)}`);
  }
  return copyBytes(/** @type {Uint8Array} */ (value));
}

/**
 * A copy of these bytes in an array of their own (never a view into the caller's buffer,
 * which structured cloning would store whole; a Node Buffer becomes a plain Uint8Array).
 * @param {Uint8Array} bytes
 */
export function copyBytes(bytes) {
  return new Uint8Array(bytes);
}

/**
 * A compaction must stand for the stored snapshot's updates at least, and for no update
 * not yet handed a seq; anything else is a caller's mistake that would lose updates.
 * @param {number} uptoSeq
 * @param {number} snapshotSeq
 * @param {number} head
 */
export function checkUpto(uptoSeq, snapshotSeq, head) {
  if (uptoSeq < snapshotSeq) {
    throw new StorageError(`cannot compact up to seq ${uptoSeq}: the stored snapshot already `
      + `stands for the updates up to ${snapshotSeq}`, "invalid");
  }
  if (uptoSeq > head) {
    throw new StorageError(`cannot compact up to seq ${uptoSeq}: the newest update stored `
      + `has seq ${head}`, "invalid");
  }
}

/**
 * @param {string} message
 * @returns {never}
 */
function invalid(message) {
  throw new StorageError(message, "invalid");
}
