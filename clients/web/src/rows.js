// A resolved record → the row storage keeps and lists show, as engine/rows.py makes it:
// the search text (folded, phone digits, fields apart by U+001F), the sort fields, the
// links, the conflicts. Python keeps an ICU key of the sort fields; here `sort_fields`
// holds the fields themselves joined with U+FFFE, ordered with Intl.Collator, which
// orders them as that key does (tests/vectors/order.json). Kinds that begin with a time
// keep Python's sort text (ISO-8601, lower case, U+001F between), ordered as text.

import { makeFolder } from "./fold.js";
import { compareText, pyStr, pyStrip, pyTruthy, codePointSlice } from "./pyvalue.js";
import { conflictDict, stampToIso, textsOf } from "./registers.js";
import { KINDS, SCHEMA } from "./schema.js";

/** @typedef {import("./storage/types.js").Row} Row */
/** @typedef {import("./registers.js").Resolved} Resolved */

/** @type {Record<string, string[]>} */
export const SORT_FIELDS = {
  contact: ["last_name", "first_name", "full_name", "company"],
  company: ["name"], group: ["name"], opportunity: ["name"],
  note: ["display_date", "created"], history: ["start_time", "regarding"],
  activity: ["start_time", "subject"],
};
/** Kinds ordered by name with the collator; the others by their time, as text. */
export const COLLATED = new Set(["contact", "company", "group", "opportunity"]);
/** The collation separator of the sort fields: less than anything in CLDR's root. */
export const FIELD_SEPARATOR = "\ufffe";
/** Between the fields of the search text: a needle never holds it. */
export const SEPARATOR = "\x1f";
export const MAX_SEARCH_TEXT = 4096;
const PHONE_CHARS = new Set("0123456789+-(). /");

const folder = makeFolder(SCHEMA.folding);
/** The folded form of `text` (engine/fold.py's fold). @param {string} text */
export const fold = (text) => folder(text)[0];

/** @type {Record<string, [string, boolean][]>} */
const SEARCH_PLAN = Object.fromEntries(Object.entries(KINDS).map(([kind, spec]) =>
  [kind, spec.search.map((name) => /** @type {[string, boolean]} */ ([name, spec.fields[name].type === "phone"]))]));

/** One field's share of the search text, or null. @param {unknown} value @param {boolean} isPhone */
function searchPart(value, isPhone) {
  if (typeof value !== "string") return null;
  const head = codePointSlice(value, MAX_SEARCH_TEXT);
  if (isPhone) return `${fold(head)}${SEPARATOR}${value.replace(/[^0-9]/g, "")}`;
  const [spaced, joined] = folder(head);
  return spaced === joined ? spaced : `${spaced}${SEPARATOR}${joined}`;
}

/** A record's search text. @param {string} kind @param {Record<string, unknown>} data */
export function searchText(kind, data) {
  const parts = [];
  for (const [name, isPhone] of SEARCH_PLAN[kind]) {
    const part = searchPart(Object.hasOwn(data, name) ? data[name] : undefined, isPhone);
    if (part !== null) parts.push(part);
  }
  return parts.join(SEPARATOR);
}

/** Does field `name` hold the same value in both (or in neither)? Values are JSON data;
 * the search text of a value depends on its exact form, so compared exactly.
 * @param {Record<string, unknown>} before @param {Record<string, unknown>} after @param {string} name */
function pyEqualOrBothAbsent(before, after, name) {
  const had = Object.hasOwn(before, name);
  if (had !== Object.hasOwn(after, name)) return false;
  if (!had) return true;
  const a = before[name];
  const b = after[name];
  return a === b || (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b));
}

/** str(data.get(n) or "") for each name. @param {Record<string, unknown>} data @param {string[]} names */
const texts = (data, names) =>
  names.map((n) => (Object.hasOwn(data, n) && pyTruthy(data[n]) ? pyStr(data[n]) : ""));

/** Python's sort text: lower case, U+001F between. @param {Record<string, unknown>} data @param {string[]} names */
const sortText = (data, names) => texts(data, names).map((t) => t.toLowerCase()).join("\x1f");

/**
 * What a list of `kind` is ordered by, before the tail: the sort fields joined with
 * U+FFFE for the collated kinds, else Python's sort text.
 * @param {string} kind @param {Record<string, unknown>} data
 */
export function sortFields(kind, data) {
  const names = SORT_FIELDS[kind];
  return COLLATED.has(kind) ? texts(data, names).join(FIELD_SEPARATOR) : sortText(data, names);
}

/** The tie-breaker after the sort fields (a contact's e-mail). @param {string} kind @param {Record<string, unknown>} data */
export const sortTail = (kind, data) => sortText(data, kind === "contact" ? ["email"] : []);

/**
 * The row for a resolved record, as a Python store keeps it (links a sorted set,
 * conflicts ordered by field, stamp and replica). With `previous`, the record's row before
 * a change, the search text is taken from it when none of the fields it is made of
 * changed (folding is most of a row's cost; a remote one-field edit seldom touches them).
 * @param {Resolved} resolved @param {Row} [previous] @returns {Row}
 */
export function buildRow(resolved, previous) {
  const { kind, data } = resolved;
  const search = previous !== undefined && previous.kind === kind &&
    SEARCH_PLAN[kind].every(([name]) => pyEqualOrBothAbsent(previous.data, data, name))
    ? previous.search : searchText(kind, data);
  const linksField = kind === "group" ? "members" : "contact_ids";
  const links = [...new Set(textsOf(Object.hasOwn(data, linksField) ? data[linksField] : []))]
    .sort(compareText);
  const companyId = Object.hasOwn(data, "company_id") ? data.company_id : null;
  const company = Object.hasOwn(data, "company") ? data.company : null;
  return {
    kind, id: resolved.recordId, deleted: resolved.deleted, updated: resolved.updated,
    updated_by: resolved.updatedBy, data, search,
    sort_fields: sortFields(kind, data), sort_tail: sortTail(kind, data),
    company_id: /** @type {string | null} */ (companyId ?? null),
    company: /** @type {string | null} */ (company ?? null),
    links, conflicts: resolved.conflicts.map(conflictDict),
  };
}

/**
 * Make a row and everything in it read-only: rows are shared between the replica's
 * memory, its readers and storage, and none of them may change another's.
 * @param {Row} row @returns {Row}
 */
export function freezeRow(row) {
  deepFreeze(row);
  return row;
}

/** @param {unknown} value */
function deepFreeze(value) {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/**
 * A row as the plain record callers see (engine/rows.py's to_record).
 * @param {Row} row @returns {Record<string, unknown>}
 */
export function toRecord(row) {
  const record = structuredClone(row.data);
  record.deleted = row.deleted;
  record.updated_at = row.updated ? stampToIso(row.updated) : null;
  record.updated_by = row.updated_by || null;
  record.conflicts = row.conflicts.length;
  return record;
}

/**
 * What to look for in a row's search text: `text` folded, or its digits when it looks
 * like a phone number.
 * @param {string} text
 */
export function searchNeedle(text) {
  const needle = pyStrip(text);
  const chars = [...needle];
  if (needle && chars.every((c) => PHONE_CHARS.has(c)) &&
      chars.filter((c) => c >= "0" && c <= "9").length >= 3) {
    return chars.filter((c) => c >= "0" && c <= "9").join("");
  }
  return fold(needle);
}

/**
 * A comparator of rows in list order: the sort fields (by the collator for the
 * collated kinds), then the tail, then the id.
 * @param {string} kind @param {Intl.Collator} collator
 * @returns {(a: Row, b: Row) => number}
 */
export function rowOrder(kind, collator) {
  const first = COLLATED.has(kind)
    ? (/** @type {Row} */ a, /** @type {Row} */ b) => collator.compare(a.sort_fields, b.sort_fields)
    : (/** @type {Row} */ a, /** @type {Row} */ b) => compareText(a.sort_fields, b.sort_fields);
  return (a, b) => first(a, b) || compareText(a.sort_tail, b.sort_tail) || compareText(a.id, b.id);
}
