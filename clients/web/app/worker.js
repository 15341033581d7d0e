// The engine's worker: the web replica, its storage and its connection to the relay live
// here, off the page's thread, so that decoding a 7 MB space never freezes the screen.
//
// Opening a space first sends the page the rows its storage holds (a list can be painted
// at once), then decodes the document, then starts syncing. Every change of rows — an
// edit made here, or updates the relay brought — is sent to the page as the rows that
// changed. The page calls the record API through app/rpc.js.

import web from "../package.json" with { type: "json" };
import { WebReplica } from "../src/replica.js";
import { IndexedDbStorage } from "../src/storage/indexeddb.js";
import { Connection, spaceUrl } from "./connection.js";
import { serve } from "./rpc.js";
import { rebase, textChange } from "./text_change.js";
import { Waiting } from "./waiting.js";

export const APP_VERSION = web.version;
const KINDS = ["contact", "company", "group", "note", "history", "activity", "opportunity"];
const RECENT_ERRORS = 10;
const CURSOR_META = "app.cursor";

/** @typedef {{ relay: string, space: string, token: string }} Enrolment */

/** @type {WebReplica | null} */
let replica = null;
/** @type {IndexedDbStorage | null} */
let storage = null;
/** @type {Connection | null} */
let connection = null;
/** @type {Waiting | null} */
let waiting = null;
/** @type {{ code: number | null, message: string, at: number }[]} */
const errors = [];
let openedAt = 0;
let decodeMs = 0;

const port = /** @type {any} */ (globalThis);
const channel = serve(port, {
  open,
  create: (kind, fields) => edit(kind, null, (r) => r.create(kind, fields)),
  update: (kind, id, fields) => edit(kind, id, (r) => r.update(kind, id, fields)),
  delete: (kind, id) => edit(kind, id, (r) => r.delete(kind, id)),
  restore: (kind, id) => edit(kind, id, (r) => r.restore(kind, id)),
  resolve: (kind, id, field, value) => edit(kind, id, (r) => r.resolve(kind, id, field, value)),
  editNoteText: (id, index, change) => edit("note", id, (r) => r.editNoteText(id, index, change)),
  editNoteFrom: (id, base, index, change) => edit("note", id, (r) => {
    const now = String(r.get("note", id, { includeDeleted: true }).text ?? "");
    const moved = rebase(textChange(base, now), index, change.delete);
    return r.editNoteText(id, moved.index, { insert: change.insert, delete: moved.delete });
  }),
  addToGroup: (group, contact) => edit("group", group, (r) => r.addToGroup(group, contact)),
  removeFromGroup: (group, contact) => edit("group", group, (r) => r.removeFromGroup(group, contact)),
  get: (kind, id) => ready().get(kind, id, { includeDeleted: true }),
  conflicts: (kind, id) => ready().conflicts(kind, id),
  // "Sync now" and the schedule: a fresh round, even over an open connection.
  syncNow: () => connection?.scheduled(),
  scheduledSync: () => connection?.scheduled(),
  enrolAgain: (/** @type {Enrolment} */ e) => connection?.retryWith(spaceUrl(e.relay, e.space), e.token),
  diagnostics,
});

function ready() {
  if (!replica) throw new Error("the space is not open yet");
  return replica;
}

/** Run a local edit of `kind`/`id` (a new record's id is what `change` gives), note its
 * record as waiting for the relay, and tell the connection to send it.
 * @template T @param {string} kind @param {string | null} id @param {(r: WebReplica) => Promise<T>} change */
async function edit(kind, id, change) {
  const opened = ready();
  const before = opened.lastSeq;
  const result = await change(opened);
  if (waiting && opened.lastSeq !== before) {
    await waiting.edited(kind, id ?? String(result), opened.lastSeq);
    channel.send("waiting", waiting.keys());
  }
  // Sent behind whatever the connection is doing (a first sync, say), without making the
  // caller wait for it: the edit is stored, and the status tells how it goes.
  void connection?.localChanged();
  return result;
}

/** @param {Enrolment} enrolment */
async function open(enrolment) {
  openedAt = performance.now();
  storage = await IndexedDbStorage.open(`handsync:${enrolment.relay}:${enrolment.space}`);
  for (const kind of KINDS) {
    channel.send("rows", { kind, rows: await storage.rows(kind), replace: true });
  }
  channel.send("painted", { ms: performance.now() - openedAt });
  const started = performance.now();
  replica = await WebReplica.open(storage, { clock: () => Date.now() });
  let locale = replica.locale;
  replica.onRows((rows, whole) => {
    // `whole`: the replica was built again from its storage, and these are all its rows.
    for (const kind of whole ? KINDS : new Set(rows.map((row) => row.kind))) {
      channel.send("rows", { kind, rows: rows.filter((row) => row.kind === kind), replace: whole });
    }
    // The space's language (its settings arrive by sync) decides the order of names.
    const now = /** @type {WebReplica} */ (replica).locale;
    if (now !== locale) channel.send("locale", { locale: (locale = now) });
  });
  decodeMs = performance.now() - started;
  channel.send("ready", { decodeMs, locale: replica.locale });
  const noted = new Waiting(replica);
  waiting = noted;
  await noted.settle();
  channel.send("waiting", noted.keys());
  const opened = replica;
  connection = new Connection({
    replica,
    url: spaceUrl(enrolment.relay, enrolment.space),
    token: enrolment.token,
    // The relay log place this phone holds up to: resumed from at the next connection.
    loadCursor: async () => Number(opened.getMeta(CURSOR_META) ?? 0),
    saveCursor: (seq) => opened.setMeta({ [CURSOR_META]: String(seq) }),
    onStatus: (status) => {
      if (status.error && errors.at(-1) !== status.error) {
        errors.push(status.error);
        errors.splice(0, Math.max(0, errors.length - RECENT_ERRORS));
      }
      channel.send("status", status);
    },
    onReceived: () => {},
    onAcknowledged: async (outboxSeq) => {
      await noted.acknowledged(outboxSeq);
      channel.send("waiting", noted.keys());
    },
  });
  connection.start();
  return { decodeMs };
}

/** A text to paste into a message to whoever runs the relay: versions, sync status and
 * recent errors; never the token, never record data. */
async function diagnostics() {
  const status = connection?.status;
  const stats = storage ? await storage.stats() : null;
  const when = (/** @type {number | null | undefined} */ ms) => (ms ? new Date(ms).toISOString() : "never");
  const lines = [
    `handsync app ${APP_VERSION}`,
    `browser: ${globalThis.navigator?.userAgent ?? "unknown"}`,
    `sync: ${status?.state ?? "not started"}, relay reachable: ${status?.reachable ? "yes" : "no"}`,
    `edits waiting: ${status?.waiting ?? "?"}`,
    `last sent: ${when(status?.lastSent)}, last received: ${when(status?.lastReceived)}`,
    `opened in ${decodeMs.toFixed(0)} ms`,
    stats ? `stored: ${stats.records} records, log ${stats.logEntries} entries (${stats.logBytes} bytes), ` +
      `snapshot ${stats.snapshotBytes} bytes, outbox ${stats.outbox}` : "stored: not open",
    "recent errors:",
    ...(errors.length ? errors.map((e) => `  ${new Date(e.at).toISOString()} ${e.code ?? "-"} ${e.message}`)
      : ["  none"]),
  ];
  return lines.join("\n");
}
