// Field registers: how one record's entries resolve to its values, conflicts and
// deleted flag, exactly as engine/registers.py resolves them (docs/conflicts.md).
//
// A record map holds entries `<field>|<stamp>|<replica>` → the value as JSON text. The
// entry with the highest (stamp, replica) of a field is its value everywhere; the other
// values are conflicts until resolved. The `_deleted` register's delete entries list
// the keys their writer had seen: an entry a delete did not see keeps the record alive
// and the delete shows as a conflict. Everything here is a pure function of the entries.

import { decodeStamp, encodeStamp, stampWallMs } from "./clock.js";
import { CUSTOM_PREFIX, setKey } from "./schema.js";
import { compareText, isDict, pyEqual, pyTruthy } from "./pyvalue.js";

export const DELETED = "_deleted";
export const TEXT_KEY = "_text";
export const MEMBER_PREFIX = "member:";

/**
 * One live write of a field.
 * @typedef {{ key: string, field: string, stamp: bigint, replica: string, value: unknown }} Entry
 */

/**
 * A value that lost a same-field conflict, kept for review.
 * @typedef {{ kind: string, recordId: string, field: string, value: unknown,
 *   replica: string, stamp: bigint, current: unknown }} Conflict
 */

/**
 * The current state of one record, derived from its live entries.
 * @typedef {{ kind: string, recordId: string, data: Record<string, unknown>, deleted: boolean,
 *   updated: bigint, updatedBy: string, conflicts: Conflict[], fields: Map<string, Entry[]> }} Resolved
 */

/** The key of a new entry. @param {string} field @param {bigint} stamp @param {string} replica */
export const entryKey = (field, stamp, replica) => `${field}|${encodeStamp(stamp)}|${replica}`;

/**
 * Order of entries: the newest is the greatest; ties go to the greater replica id.
 * @param {Entry} a @param {Entry} b
 */
export function compareOrder(a, b) {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  return compareText(a.replica, b.replica);
}

const PLACEHOLDER = "\u0000\u0001py-json:";

/**
 * json.loads: JSON, and also the NaN, Infinity and -Infinity Python reads and writes.
 * @param {string} text @returns {unknown}
 */
function loadJson(text) {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
  }
  // Put a marker string where such a token stands outside strings, then read it back.
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === "\\") out += text[++i] ?? "";
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') { inString = true; out += ch; continue; }
    const word = ["-Infinity", "Infinity", "NaN"].find((w) => text.startsWith(w, i));
    if (word) {
      out += JSON.stringify(PLACEHOLDER + word);
      i += word.length - 1;
    } else {
      out += ch;
    }
  }
  return JSON.parse(out, (_key, value) => {
    if (typeof value === "string" && value.startsWith(PLACEHOLDER)) {
      return { NaN, Infinity, "-Infinity": -Infinity }[value.slice(PLACEHOLDER.length)];
    }
    return value;
  });
}

/**
 * The entry stored under `key`, or null if the key is not an entry key (or its value
 * is not JSON text).
 * @param {string} key @param {unknown} raw @returns {Entry | null}
 */
export function parseEntry(key, raw) {
  const last = key.lastIndexOf("|");
  if (last < 0) return null;
  const middle = key.lastIndexOf("|", last - 1);
  if (middle < 0 || typeof raw !== "string") return null;
  const stamp = decodeStamp(key.slice(middle + 1, last));
  if (stamp === null) return null;
  /** @type {unknown} */
  let value;
  // As the Python engine: a plain quoted string without escapes is taken as it is
  // (even with characters JSON would want escaped).
  if (raw.length >= 2 && raw[0] === '"' && raw[raw.length - 1] === '"' && !raw.includes("\\") &&
      raw.indexOf('"', 1) === raw.length - 1) {
    value = raw.slice(1, -1);
  } else {
    try {
      value = loadJson(raw);
    } catch {
      return null;
    }
  }
  return { key, field: key.slice(0, middle), stamp, replica: key.slice(last + 1), value };
}

/** The JSON text an entry stores. @param {unknown} value */
export function encodeValue(value) {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("not JSON data");
  return text;
}

/**
 * Parse a record map's items and group the live entries by field.
 * @param {Iterable<[string, unknown]>} items @returns {Map<string, Entry[]>}
 */
export function groupEntries(items) {
  /** @type {Map<string, Entry[]>} */
  const grouped = new Map();
  for (const [key, raw] of items) {
    const entry = parseEntry(key, raw);
    if (entry === null) continue;
    const list = grouped.get(entry.field);
    if (list) list.push(entry);
    else grouped.set(entry.field, [entry]);
  }
  return grouped;
}

/** The entry every replica takes as the current value. @param {Entry[]} entries */
export function winner(entries) {
  let top = entries[0];
  for (let i = 1; i < entries.length; i++) if (compareOrder(entries[i], top) > 0) top = entries[i];
  return top;
}

/**
 * Entries an ordinary edit replaces: the current value and its equals.
 * @param {Entry[]} entries
 */
export function supersededByEdit(entries) {
  if (entries.length === 0) return [];
  const current = winner(entries).value;
  return entries.filter((e) => pyEqual(e.value, current));
}

/** @param {Entry} entry */
const isDelete = (entry) => isDict(entry.value) && pyTruthy(entry.value.deleted);

/**
 * The text items of `value` when it is a list, else none (engine/registers.py's
 * texts_of): how a delete's "seen" and a record's links are read. Replicas write lists
 * of ids there; what a faulty peer wrote instead must be read alike by every engine.
 * @param {unknown} value @returns {string[]}
 */
export function textsOf(value) {
  return Array.isArray(value) ? value.filter((v) => typeof v === "string") : [];
}

/**
 * [deleted, the delete entry that lost to a concurrent edit, if any]
 * @param {Map<string, Entry[]>} grouped @returns {[boolean, Entry | null]}
 */
function deleteState(grouped) {
  const entries = grouped.get(DELETED);
  if (!entries || entries.length === 0) return [false, null];
  const top = winner(entries);
  if (!isDelete(top)) return [false, null];
  /** @type {Set<unknown>} */
  const seen = new Set();
  for (const entry of entries) {
    if (isDelete(entry)) {
      const value = /** @type {Record<string, unknown>} */ (entry.value);
      if (Object.hasOwn(value, "seen")) for (const key of textsOf(value.seen)) seen.add(key);
    }
  }
  for (const [name, list] of grouped) {
    if (name.startsWith("_")) continue;
    for (const e of list) if (!seen.has(e.key)) return [false, top];
  }
  return [true, null];
}

/** @param {Conflict} a @param {Conflict} b */
function compareConflicts(a, b) {
  const byField = compareText(a.field, b.field);
  if (byField) return byField;
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  return compareText(a.replica, b.replica);
}

/**
 * Derive the record, its deleted flag and its conflicts from its live entries.
 * @param {string} kind @param {string} recordId @param {Map<string, Entry[]>} grouped
 * @param {string | null} [text] a note's body @returns {Resolved}
 */
export function resolveEntries(kind, recordId, grouped, text = null) {
  /** @type {Record<string, unknown>} */
  const data = { id: recordId };
  /** @type {Record<string, unknown>} */
  const custom = {};
  let hasCustom = false;
  /** @type {string[]} */
  const members = [];
  /** @type {Conflict[]} */
  const conflicts = [];
  let updated = 0n;
  let updatedBy = "";
  for (const name of [...grouped.keys()].sort(compareText)) {
    const entries = /** @type {Entry[]} */ (grouped.get(name));
    const top = winner(entries);
    if (top.stamp > updated) { updated = top.stamp; updatedBy = top.replica; }
    if (name === DELETED) continue;
    for (const loser of entries) {
      if (loser !== top && !pyEqual(loser.value, top.value)) {
        conflicts.push({ kind, recordId, field: name, value: loser.value, replica: loser.replica,
          stamp: loser.stamp, current: top.value });
      }
    }
    if (top.value === null) continue;
    if (name.startsWith(CUSTOM_PREFIX)) {
      setKey(custom, name.slice(CUSTOM_PREFIX.length), top.value);
      hasCustom = true;
    } else if (name.startsWith(MEMBER_PREFIX)) {
      if (top.value === true) members.push(name.slice(MEMBER_PREFIX.length));
    } else {
      setKey(data, name, top.value);
    }
  }
  if (text !== null) data.text = text;
  if (hasCustom) data.custom = custom;
  if (kind === "group") data.members = members;
  const [deleted, lostDelete] = deleteState(grouped);
  const deletes = grouped.get(DELETED) ?? [];
  if (deletes.length) {
    const top = winner(deletes);
    for (const entry of deletes) {
      if (entry === lostDelete || (entry !== top && isDelete(entry) !== isDelete(top))) {
        conflicts.push({ kind, recordId, field: DELETED, value: isDelete(entry),
          replica: entry.replica, stamp: entry.stamp, current: deleted });
      }
    }
  }
  conflicts.sort(compareConflicts);
  return { kind, recordId, data, deleted, updated, updatedBy, conflicts, fields: grouped };
}

/**
 * A conflict as plain data, as Python's Conflict.to_dict gives it (the stamp a Number:
 * exact for a stamp whose counter is 0, within 16 of it otherwise).
 * @param {Conflict} c
 */
export const conflictDict = (c) => ({
  kind: c.kind, record_id: c.recordId, field: c.field, value: c.value, replica: c.replica,
  stamp: c.stamp, current: c.current,
});

/** The wall-clock time of a stamp as ISO-8601 UTC with milliseconds. @param {bigint} stamp */
export const stampToIso = (stamp) => new Date(stampWallMs(stamp)).toISOString();
