// The record API of a web replica: creating, editing, deleting and resolving records,
// as engine/edits.py does it. RecordEdits turns a call into entries (registers.js) in
// one Yjs transaction; WebReplica (replica.js), which extends it, owns the document and
// the storage and provides `_local`, which runs such a change and commits it before the
// call's promise resolves. Every value is validated before anything is written.

import * as Y from "yjs";

import { RecordDeletedError, RecordExistsError, RecordNotFoundError, ValidationError } from "./errors.js";
import { codePointLength, compareText, isPrintable, pyEqual, unitOffset } from "./pyvalue.js";
import {
  DELETED, MEMBER_PREFIX, TEXT_KEY, encodeValue, entryKey, groupEntries, resolveEntries,
  supersededByEdit,
} from "./registers.js";
import { KINDS, kindSpec, normalizeFields, normalizeValue, validateId } from "./schema.js";
import { applyTextDiff } from "./text.js";

/** @typedef {import("./registers.js").Entry} Entry */
/** @typedef {(stamp: bigint) => void} Change */

/**
 * `value` if it can name a replica (1-64 printable characters, no '|').
 * @param {unknown} value @returns {string}
 */
export function checkReplicaId(value) {
  if (typeof value !== "string" || !value || codePointLength(value) > 64 || value.includes("|") ||
      !isPrintable(value)) {
    throw new ValidationError("not a valid replica id (1-64 printable characters, no '|')",
      { field: "replica_id", value });
  }
  return value;
}

/**
 * A random (version 4) UUID. Not crypto.randomUUID: browsers offer it only to pages
 * served over HTTPS, getRandomValues to every page.
 */
export function randomUuid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The record-editing methods of WebReplica. */
export class RecordEdits {
  constructor() {
    /** @type {string} */
    this.replicaId = "";
    /** @type {() => string} */
    this._newId = randomUuid;
  }

  /** The document's root map of each kind. @returns {Record<string, Y.Map<unknown>>} */
  get _roots() {
    throw new Error("provided by WebReplica");
  }

  /**
   * Run `change(stamp)` as one local transaction and commit it (WebReplica's).
   * @param {Change} _change @param {{ stamp?: bigint }} [_options] @returns {Promise<void>}
   */
  async _local(_change, _options) {
    throw new Error("provided by WebReplica");
  }

  /**
   * Run `task` after every call before it has finished (WebReplica's).
   * @template T @param {() => Promise<T> | T} _task @returns {Promise<T>}
   */
  _serial(_task) {
    throw new Error("provided by WebReplica");
  }

  /**
   * Create a record; its id (a new one unless `id` is given). ValidationError for a bad
   * value or a missing required field, RecordExistsError if the id is taken.
   * @param {string} kind @param {Record<string, unknown>} [fields] @param {{ id?: string }} [options]
   * @returns {Promise<string>}
   */
  create(kind, fields = {}, { id } = {}) {
    return this._serial(async () => {
      const spec = kindSpec(kind);
      const rid = id !== undefined && id !== null ? validateId(id, { kind, field: "id" }) : this._newId();
      const values = normalizeFields(kind, fields ?? {}, { recordId: rid });
      for (const name of spec.required) {
        if (values[name] === undefined || values[name] === null) {
          throw new ValidationError("is required", { kind, recordId: rid, field: name });
        }
      }
      const existing = this._roots[kind].get(rid);
      if (existing !== undefined && existing !== null) {
        throw new RecordExistsError("a record with this id already exists", { kind, recordId: rid });
      }
      let text = null;
      if (kind === "note" && Object.hasOwn(values, "text")) {
        text = /** @type {string | null} */ (values.text);
        delete values.text;
      }
      await this._local((stamp) => this._newRecord(kind, rid, values, text, stamp, this.replicaId));
      return rid;
    });
  }

  /**
   * Change only the fields given (null clears one).
   * @param {string} kind @param {string} id @param {Record<string, unknown>} fields
   * @returns {Promise<void>}
   */
  update(kind, id, fields) {
    return this._serial(async () => {
      const [record, grouped] = this._live(kind, id);
      const values = normalizeFields(kind, fields, { recordId: id });
      for (const name of kindSpec(kind).required) {
        if (Object.hasOwn(values, name) && values[name] === null) {
          throw new ValidationError("is required", { kind, recordId: id, field: name });
        }
      }
      await this._local((stamp) => {
        for (const [name, value] of Object.entries(values)) {
          if (kind === "note" && name === "text") {
            applyTextDiff(/** @type {Y.Text} */ (record.get(TEXT_KEY)), /** @type {string} */ (value ?? ""));
          } else {
            this._write(record, grouped.get(name) ?? [], name, value, stamp, false);
          }
        }
      });
    });
  }

  /**
   * Move a record to the trash (it can be restored; nothing of it is erased).
   * @param {string} kind @param {string} id @returns {Promise<void>}
   */
  delete(kind, id) {
    return this._serial(async () => {
      const record = this._container(kind, id);
      const grouped = groupEntries(record.entries());
      if (resolveEntries(kind, id, grouped).deleted) return;
      const seen = seenKeys(grouped);
      await this._local((stamp) => this._write(record, grouped.get(DELETED) ?? [], DELETED,
        { deleted: true, seen }, stamp, true));
    });
  }

  /**
   * Bring a deleted record back, and settle any delete-vs-edit conflict.
   * @param {string} kind @param {string} id @returns {Promise<void>}
   */
  restore(kind, id) {
    return this._serial(() => this._restore(kind, id));
  }

  /** @param {string} kind @param {string} id */
  async _restore(kind, id) {
    const record = this._container(kind, id);
    const entries = groupEntries(record.entries()).get(DELETED) ?? [];
    if (entries.length === 0) return;
    await this._local((stamp) => this._write(record, entries, DELETED, { deleted: false }, stamp, true));
  }

  /**
   * Settle a field: `value` replaces the current one and every conflict. For the
   * delete-vs-edit conflict use field "deleted" with true or false.
   * @param {string} kind @param {string} id @param {string} field @param {unknown} value
   * @returns {Promise<void>}
   */
  resolve(kind, id, field, value) {
    return this._serial(async () => {
      if (field === "deleted" || field === DELETED) {
        if (typeof value !== "boolean") {
          throw new ValidationError("must be true or false", { kind, recordId: id, field: "deleted", value });
        }
        if (!value) {
          await this._restore(kind, id);
          return;
        }
        const record = this._container(kind, id);
        const grouped = groupEntries(record.entries());
        const seen = seenKeys(grouped);
        await this._local((stamp) => this._write(record, grouped.get(DELETED) ?? [], DELETED,
          { deleted: true, seen }, stamp, true));
        return;
      }
      const [record, grouped] = this._live(kind, id);
      const [name, normal] = this._normalizeOne(kind, id, field, value);
      if (normal === null && kindSpec(kind).required.includes(name)) {
        throw new ValidationError("is required", { kind, recordId: id, field: name });
      }
      const entries = grouped.get(name) ?? [];
      await this._local((stamp) => this._write(record, entries, name, normal, stamp, true));
    });
  }

  /**
   * @param {string} kind @param {string} id @param {string} field @param {unknown} value
   * @returns {[string, unknown]}
   */
  _normalizeOne(kind, id, field, value) {
    if (field.startsWith(MEMBER_PREFIX) && kind === "group") {
      validateId(field.slice(MEMBER_PREFIX.length), { kind, field });
      const spec = KINDS.contact.fields.is_private;
      return [field, normalizeValue(field, spec, value, { kind, recordId: id })];
    }
    if (kind === "note" && field === "text") {
      throw new ValidationError("note text merges character by character; edit it instead",
        { kind, recordId: id, field });
    }
    const [[name, normal]] = Object.entries(normalizeFields(kind, { [field]: value }, { recordId: id }));
    return [name, normal];
  }

  /** Make a contact a member of a group. @param {string} groupId @param {string} contactId */
  addToGroup(groupId, contactId) {
    return this._serial(() => this._setMember(groupId, contactId, true));
  }

  /** Take a contact out of a group. @param {string} groupId @param {string} contactId */
  removeFromGroup(groupId, contactId) {
    return this._serial(() => this._setMember(groupId, contactId, false));
  }

  /** @param {string} groupId @param {string} contactId @param {boolean} member */
  async _setMember(groupId, contactId, member) {
    const [record, grouped] = this._live("group", groupId);
    if (member) this._live("contact", contactId);
    const name = MEMBER_PREFIX + contactId;
    const entries = grouped.get(name) ?? [];
    await this._local((stamp) => this._write(record, entries, name, member, stamp, false));
  }

  /**
   * Insert and/or delete characters of a note body at `index` (in characters, as in
   * Python: code points).
   * @param {string} noteId @param {number} index @param {{ insert?: string, delete?: number }} [edit]
   * @returns {Promise<void>}
   */
  editNoteText(noteId, index, { insert = "", delete: count = 0 } = {}) {
    return this._serial(async () => {
      const [record] = this._live("note", noteId);
      const text = /** @type {Y.Text} */ (record.get(TEXT_KEY));
      const current = text.toString();
      const length = codePointLength(current);
      if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || index > length ||
          count < 0 || index + count > length) {
        throw new ValidationError("index or length outside the note text",
          { kind: "note", recordId: noteId, field: "text", value: index });
      }
      const spec = KINDS.note.fields.text;
      if (typeof insert !== "string") {
        throw new ValidationError("must be text", { kind: "note", recordId: noteId, field: "text", value: insert });
      }
      const start = unitOffset(current, index);
      const end = unitOffset(current, index + count);
      const next = current.slice(0, start) + insert + current.slice(end);
      normalizeValue("text", spec, next, { kind: "note", recordId: noteId }); // length, Unicode
      await this._local(() => applyTextDiff(text, next));
    });
  }

  /**
   * @param {Y.Map<unknown>} record @param {Entry[]} entries @param {string} name
   * @param {unknown} value @param {bigint} stamp @param {boolean} resolve
   */
  _write(record, entries, name, value, stamp, resolve) {
    const old = resolve ? entries : supersededByEdit(entries);
    if (!resolve && old.length && old.every((e) => pyEqual(e.value, value)) && old.length === entries.length) {
      return; // the same value, no conflict: writing it again would only add bytes
    }
    if (entries.length === 0 && value === null) return;
    for (const entry of old) record.delete(entry.key);
    record.set(entryKey(name, stamp, this.replicaId), encodeValue(value));
  }

  /**
   * Add the record map: one entry per value set, and a note's body as text.
   * @param {string} kind @param {string} id @param {Record<string, unknown>} values
   * @param {string | null} text @param {bigint} stamp @param {string} writer
   */
  _newRecord(kind, id, values, text, stamp, writer) {
    const record = new Y.Map();
    for (const [name, value] of Object.entries(values)) {
      if (value !== null) record.set(entryKey(name, stamp, writer), encodeValue(value));
    }
    if (kind === "note") record.set(TEXT_KEY, new Y.Text(text ?? ""));
    this._roots[kind].set(id, record);
  }

  /** @param {string} kind @param {string} id @returns {Y.Map<unknown>} */
  _container(kind, id) {
    kindSpec(kind);
    const record = this._roots[kind].get(id);
    if (!(record instanceof Y.Map)) throw new RecordNotFoundError("no such record", { kind, recordId: id });
    return record;
  }

  /**
   * The record's map and its entries by field; RecordDeletedError if it is deleted.
   * @param {string} kind @param {string} id @returns {[Y.Map<unknown>, Map<string, Entry[]>]}
   */
  _live(kind, id) {
    const record = this._container(kind, id);
    const grouped = groupEntries(record.entries());
    if (resolveEntries(kind, id, grouped).deleted) {
      throw new RecordDeletedError("is deleted; restore it first", { kind, recordId: id });
    }
    return [record, grouped];
  }
}

/** The keys of a record's data entries, sorted: what a delete saw. @param {Map<string, Entry[]>} grouped */
function seenKeys(grouped) {
  const keys = [];
  for (const [name, list] of grouped) if (!name.startsWith("_")) for (const e of list) keys.push(e.key);
  return keys.sort(compareText);
}
