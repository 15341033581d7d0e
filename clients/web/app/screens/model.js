// The page's view of the space: the rows the worker sends, kept per kind, in the engine's
// order and searchable as the engine searches (src/rows.js's needle over each row's
// folded search text). The page never decodes the document: rows are all it needs to
// paint a list, and they arrive from storage before the document is decoded.

import { rowOrder, searchNeedle } from "../../src/rows.js";

/** @typedef {import("../../src/storage/types.js").Row} Row */

export class RowSet {
  /** @param {string} locale a BCP 47 tag, or "root" for the CLDR root collation */
  constructor(locale = "root") {
    /** @type {Map<string, Map<string, Row>>} */
    this.byKind = new Map();
    /** @type {Map<string, Row[]>} the live rows of a kind in order, made when first asked */
    this.ordered = new Map();
    /** Records with edits the relay has not acknowledged, as "kind/id". @type {Set<string>} */
    this.waiting = new Set();
    this.collator = new Intl.Collator("und");
    this.setLocale(locale);
  }

  /** @param {string} locale */
  setLocale(locale) {
    /** The engine's own order (src/rows.js): names by the locale's collation, the kinds
     * ordered by time by their sort text. */
    /** @type {Intl.Collator} */
    this.collator = new Intl.Collator(locale === "root" ? "und" : locale);
    this.ordered.clear();
  }

  /** Take rows the worker sent: all of a kind (`replace`), or those that changed.
   * @param {string} kind @param {Row[]} rows @param {boolean} replace */
  put(kind, rows, replace) {
    const table = replace ? new Map() : this.byKind.get(kind) ?? new Map();
    for (const row of rows) table.set(row.id, row);
    this.byKind.set(kind, table);
    this.ordered.delete(kind);
    this.ordered.delete(`${kind}:deleted`);
  }

  /** Does this record have edits the relay has not acknowledged? @param {Row} row */
  isWaiting(row) {
    return this.waiting.has(`${row.kind}/${row.id}`);
  }

  /** @param {string} kind @param {string} id */
  get(kind, id) {
    return this.byKind.get(kind)?.get(id);
  }

  /** The rows of a kind in the engine's order: live ones, or those in the trash.
   * @param {string} kind @param {{ deleted?: boolean }} [options] */
  list(kind, { deleted = false } = {}) {
    const key = deleted ? `${kind}:deleted` : kind;
    let rows = this.ordered.get(key);
    if (!rows) {
      rows = [...(this.byKind.get(kind)?.values() ?? [])].filter((row) => row.deleted === deleted);
      rows.sort(rowOrder(kind, this.collator));
      this.ordered.set(key, rows);
    }
    return rows;
  }

  /** Rows of a kind whose search text holds what was typed (folded as the engine folds),
   * optionally only the members of a group; in order.
   * @param {string} kind @param {string} text @param {{ group?: string }} [options] */
  search(kind, text, { group } = {}) {
    let rows = this.list(kind);
    if (group) {
      const members = new Set(this.get("group", group)?.links ?? []);
      rows = rows.filter((row) => members.has(row.id));
    }
    const needle = text.trim() ? searchNeedle(text) : "";
    return needle ? rows.filter((row) => row.search.includes(needle)) : rows;
  }

  /** How many conflicts wait for a choice, over every kind. */
  conflictCount() {
    let count = 0;
    for (const table of this.byKind.values()) {
      for (const row of table.values()) count += row.conflicts.length;
    }
    return count;
  }
}

/** What people call a record (clients/cli/present.py's record_name).
 * @param {string} kind @param {Record<string, unknown>} data */
export function recordName(kind, data) {
  if (kind === "contact") {
    const name = data.full_name || ["first_name", "last_name"]
      .map((n) => data[n]).filter(Boolean).join(" ");
    return String(name || data.email || data.company || "(no name)");
  }
  return String(data.name || data.subject || data.regarding || "(no name)");
}
