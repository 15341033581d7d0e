// The storage interface of a web replica: what engine/store.py's Store is to a Python
// replica, made asynchronous because a browser's storage (IndexedDB) is.
//
// A storage keeps, for one replica of one space:
// - one merged snapshot of the document and a short log of later updates; `compact`
//   replaces both by a new snapshot in one transaction;
// - the outbox: local updates the relay has not yet acknowledged;
// - the rows a list shows (engine/rows.py's columns), so that a list can be painted
//   before the document is decoded;
// - small meta values (replica id, clock, resume cursor, settings).
//
// `commit` writes one Commit atomically: after its promise resolves the commit survives
// a reload; if it rejects, nothing of it was written. Opening a storage never writes.
// memory.js is the implementation for tests, indexeddb.js the browser's; the same
// conformance suite (test/storage.test.js) runs against both.

/**
 * One stored update.
 * @typedef {{ seq: number, update: Uint8Array, origin: string, atMs: number }} LogEntry
 */

/**
 * A record's row, with the columns of engine/store.py's RecordRow under the same names
 * (snake_case, so rows compare equal to the Python store's as JSON). `updated` is the
 * clock stamp of the newest edit, a BigInt (a stamp is ~1.2e17, past 2^53), as is each
 * conflict's `stamp`. The Python sort key
 * is an ICU key; the web client orders by `sort_fields` (the same fields, joined with
 * U+FFFE) with Intl.Collator, which gives the same order (tests/vectors/order.json).
 * @typedef {{
 *   kind: string, id: string, deleted: boolean, updated: bigint, updated_by: string,
 *   data: Record<string, unknown>, search: string, sort_fields: string, sort_tail: string,
 *   company_id: string | null, company: string | null, links: string[],
 *   conflicts: Record<string, unknown>[]
 * }} Row
 */

/**
 * What one `commit` writes, all or nothing. `updates` are appended to the log; those whose
 * origin is "local" also go to the outbox. `rows` replace the stored rows of the same
 * (kind, id). `meta` values are set. `snapshot`, if given, replaces the snapshot and
 * every log entry in the same transaction (it must hold the whole document).
 * @typedef {{
 *   updates?: { update: Uint8Array, origin: string, atMs: number }[],
 *   rows?: Row[],
 *   meta?: Record<string, string>,
 *   snapshot?: Uint8Array | null
 * }} Commit
 */

/**
 * Everything a replica needs to rebuild its document on open.
 * @typedef {{ snapshot: Uint8Array | null, snapshotSeq: number, log: LogEntry[],
 *   meta: Record<string, string> }} Loaded
 */

/**
 * @typedef {Object} Storage
 * @property {() => Promise<Loaded>} load The snapshot, the log after it, the meta values.
 * @property {(commit: Commit) => Promise<number[]>} commit Write atomically; the log seq of each update.
 * @property {(snapshot: Uint8Array, uptoSeq: number) => Promise<void>} compact
 *   Replace the log entries up to `uptoSeq` by `snapshot`, in one transaction.
 * @property {(kind: string) => Promise<Row[]>} rows Every stored row of a kind (deleted ones too).
 * @property {(kind: string, ids: string[]) => Promise<Map<string, Row>>} getRows The stored rows of these ids.
 * @property {(afterSeq?: number, limit?: number) => Promise<LogEntry[]>} outbox
 *   Local updates not yet acknowledged, oldest first.
 * @property {(uptoSeq: number) => Promise<number>} ackOutbox Drop outbox entries up to `uptoSeq`; how many.
 * @property {() => Promise<{ logEntries: number, logBytes: number, snapshotBytes: number,
 *   outbox: number, records: number }>} stats Counts and sizes.
 * @property {() => void} close Release the storage; it must not be used afterwards.
 */

export {};
