// The errors the web engine raises on purpose, mirroring engine/errors.py: the same
// classes, the same structured fields and the same message text, so that a caller (and
// a test) can tell a bad value from a missing record or a broken storage in either engine.
//
//   HandsyncError
//   ├── ValidationError          a value, field or id a caller gave is not acceptable
//   │   └── UnknownKindError     no such record kind
//   ├── RecordError              a record operation that cannot proceed
//   │   ├── RecordNotFoundError  no record with that id
//   │   ├── RecordDeletedError   the record is deleted: restore it first
//   │   └── RecordExistsError    create() with an id that is already taken
//   ├── StoreError               the storage cannot be used
//   │   └── CorruptStoreError    stored data that is corrupt, truncated or not ours
//   └── ProtocolError            bytes that break the protocol (undecodable updates)

import { pyRepr } from "./pyvalue.js";

/** Base class of every error handsync raises on purpose. */
export class HandsyncError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A value given for a record is not acceptable; nothing was written. The message is
 * Python's: "<kind> <id> field '<field>': <message> (value <repr>)".
 */
export class ValidationError extends HandsyncError {
  /**
   * @param {string} message
   * @param {{ kind?: string | null, recordId?: string | null, field?: string | null,
   *   value?: unknown }} [where]
   */
  constructor(message, { kind = null, recordId = null, field = null, value = null } = {}) {
    const parts = [];
    if (kind) parts.push(kind);
    if (recordId) parts.push(recordId);
    if (field) parts.push(`field ${pyRepr(field)}`);
    const prefix = parts.join(" ");
    // Python leaves the value out when it is None; undefined is JavaScript's other None.
    const detail = value !== null && value !== undefined ? ` (value ${pyRepr(value)})` : "";
    super(prefix ? `${prefix}: ${message}${detail}` : `${message}${detail}`);
    /** The bare reason, without where it happened. */
    this.reason = message;
    this.kind = kind;
    this.recordId = recordId;
    this.field = field;
    this.value = value;
  }
}

/** The record kind is not one of the schema's kinds. */
export class UnknownKindError extends ValidationError {}

/** A record operation cannot proceed; `kind` and `recordId` say which. */
export class RecordError extends HandsyncError {
  /**
   * @param {string} message
   * @param {{ kind: string, recordId: string }} where
   */
  constructor(message, { kind, recordId }) {
    super(`${kind} ${recordId}: ${message}`);
    this.kind = kind;
    this.recordId = recordId;
  }
}

/** No record of that kind has this id. */
export class RecordNotFoundError extends RecordError {}

/** The record is deleted; call restore() before editing it. */
export class RecordDeletedError extends RecordError {}

/** create() was given an id that already names a record. */
export class RecordExistsError extends RecordError {}

/** The storage cannot be used; `path` names where, when there is such a thing. */
export class StoreError extends HandsyncError {
  /**
   * @param {string} message
   * @param {{ path?: string | null }} [where]
   */
  constructor(message, { path = null } = {}) {
    super(path ? `${path}: ${message}` : message);
    this.path = path;
    /** Without the path, for telling a peer. */
    this.reason = message;
  }
}

/** Stored data that is corrupt, truncated or not a handsync replica's. Left untouched. */
export class CorruptStoreError extends StoreError {}

/**
 * Bytes received that break the protocol; `code` is the WebSocket close code to use
 * (docs/protocol.md), `reason` a short text that fits in a close frame.
 */
export class ProtocolError extends HandsyncError {
  /**
   * @param {string} reason
   * @param {{ code?: number }} [options]
   */
  constructor(reason, { code = 4400 } = {}) {
    super(`${reason} (code ${code})`);
    this.code = code;
    this.reason = reason;
  }
}
