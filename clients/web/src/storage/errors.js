// The one error a web replica's storage raises, whichever implementation it is.
//
// `reason` says what kind of trouble it is, so that the app can tell the user the right
// thing ("the phone's storage is full" is not "the stored data is damaged"); the message
// says exactly what was wrong, and `cause` keeps the browser's own error when there was one.

/**
 * - "invalid": the caller handed something that cannot be stored (nothing was written);
 * - "malformed": a value read back from storage is not what this code writes;
 * - "quota": the browser refused the write for want of room (nothing was written);
 * - "closed": the storage was closed (or closed itself for another tab's upgrade);
 * - "unusable": the database cannot be opened as a handsync replica store;
 * - "failed": the browser's storage failed otherwise (nothing of the write was kept).
 * @typedef {"invalid" | "malformed" | "quota" | "closed" | "unusable" | "failed"} StorageErrorReason
 */

export class StorageError extends Error {
  /**
   * @param {string} message what was wrong, naming the value or the stored record
   * @param {StorageErrorReason} reason
   * @param {unknown} [cause] the underlying error, if any
   */
  constructor(message, reason, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "StorageError";
    /** @type {StorageErrorReason} */
    this.reason = reason;
  }
}
