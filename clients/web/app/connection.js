// Keeping a web replica in sync with the relay: one WebSocket at a time with a
// SyncSession (src/session.js) on it. What the Handheld Contact model promises — sync
// when the app opens, live while it is open, at least every 15 minutes, and "Sync now" —
// is `start`, the open connection, `scheduled` (the page calls it on its schedule: the
// page is what knows the app is open) and `syncNow`.
//
// A lost connection is tried again after a delay that doubles up to five minutes, with
// jitter (a random part of the delay), so that phones coming back into coverage together
// do not all knock at the relay at the same instant. A refusal of the token (close code
// 4401 or 4403) stops the retries: trying again cannot help until a person enrols anew;
// the data stays. Everything the page shows about syncing comes from `status`.

import { SyncSession } from "../src/session.js";

const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 5 * 60_000;
const REFUSED = new Set([4401, 4403, 4404]);

/**
 * What the page shows about syncing.
 * @typedef {{
 *   state: "connecting" | "live" | "offline" | "refused" | "stopped",
 *   waiting: number, lastSent: number | null, lastReceived: number | null,
 *   lastSynced: number | null, reachable: boolean,
 *   error: { code: number | null, message: string, at: number } | null,
 *   nextTryAt: number | null
 * }} SyncStatus
 */

/**
 * @typedef {{
 *   replica: import("../src/session.js").SessionReplica & { outbox(afterSeq?: number): Promise<unknown[]> },
 *   url: string, token: string,
 *   loadCursor: () => Promise<number>, saveCursor: (seq: number) => Promise<void>,
 *   onStatus: (status: SyncStatus) => void,
 *   onReceived: () => void,
 *   onAcknowledged: (outboxSeq: number) => Promise<void>,
 *   WebSocket?: typeof WebSocket,
 *   random?: () => number,
 *   now?: () => number,
 * }} ConnectionOptions
 */

/** The relay's URL for one space. The token is not in it: see `protocols`. */
export function spaceUrl(/** @type {string} */ relay, /** @type {string} */ space) {
  const base = new URL(relay);
  base.protocol = base.protocol === "https:" || base.protocol === "wss:" ? "wss:" : "ws:";
  base.pathname = `${base.pathname.replace(/\/+$/, "")}/v1/spaces/${encodeURIComponent(space)}`;
  base.search = "";
  base.hash = "";
  return base.toString();
}

/**
 * The WebSocket subprotocols a page offers: "handsync", which the relay takes, and the
 * token beside it. A page cannot set a WebSocket's headers, and a token in the address
 * would land in the access logs of proxies on the way; this header does not
 * (docs/protocol.md, "Transport").
 * @param {string} token
 */
export const protocols = (token) => ["handsync", `handsync.token.${token}`];

export class Connection {
  /** @param {ConnectionOptions} options */
  constructor(options) {
    this.options = options;
    this.Socket = options.WebSocket ?? globalThis.WebSocket;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** @type {SyncSession | null} */
    this.session = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.retryTimer = null;
    this.failures = 0;
    /** A connection is being opened (between syncNow and its socket). */
    this.opening = false;
    /** Frames and edits are handled one after another, in order. @type {Promise<void>} */
    this.queue = Promise.resolve();
    /** @type {SyncStatus} */
    this.status = { state: "stopped", waiting: 0, lastSent: null, lastReceived: null,
      lastSynced: null, reachable: false, error: null, nextTryAt: null };
  }

  /** Sync now (the app was opened), and stay connected; say at once how many edits wait. */
  start() {
    this.refreshWaiting().catch(() => undefined);
    this.syncNow();
  }

  stop() {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket?.close(1000, "closed by the app");
    this.socket = null;
    this.update({ state: "stopped" });
  }

  /**
   * The schedule's sync: a fresh round even when a connection is open (it may have died
   * without a word, as a phone's connection does when it changes networks), and one at
   * once, not at the end of a back-off, when there is none.
   */
  scheduled() {
    if (this.status.state === "refused" || this.opening) return;
    const socket = this.socket;
    if (socket && socket.readyState <= 1) {
      this.socket = this.session = null;
      socket.close(1000, "scheduled sync");
    }
    this.failures = 0;
    this.syncNow();
  }

  /** Connect at once unless already connected (a live connection is in sync already). */
  syncNow() {
    if (this.status.state === "refused" || this.opening) return;
    if (this.socket && this.socket.readyState <= 1) return;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.opening = true;
    this.open()
      .catch((error) => this.failed(null, `cannot sync: ${error.message}`))
      .finally(() => { this.opening = false; });
  }

  /** Tell the session about a local edit, so that it goes out now when connected. Never
   * throws: the edit is stored already, and a failure to send it is the status's business. */
  async localChanged() {
    await this.refreshWaiting().catch(() => undefined);
    const session = this.session;
    if (!session) return;
    await this.run(session, async () => {
      await session.localChanged();
      this.flush();
    });
  }

  /**
   * Run `job` for `session` after everything queued before it. A job of a session that is
   * no longer the current one is dropped (an old connection's late frames must not act on
   * the new one); a job that throws (the storage refused a write, say) ends that
   * connection as a failure, to be tried again, and never stops the queue.
   * @param {SyncSession} session @param {() => Promise<void>} job
   */
  run(session, job) {
    this.queue = this.queue.then(async () => {
      if (session !== this.session) return;
      try {
        await job();
      } catch (error) {
        if (session !== this.session) return;
        const socket = this.socket;
        this.socket = this.session = null;
        socket?.close(4500, "the app could not go on");
        this.failed(null, `sync stopped: ${/** @type {Error} */ (error).message ?? error}`);
      }
    });
    return this.queue;
  }

  /** Take a new token (after enrolling again); a refused connection may then try again. */
  retryWith(/** @type {string} */ url, /** @type {string} */ token) {
    this.options = { ...this.options, url, token };
    this.failures = 0;
    this.update({ state: "offline", error: null });
    this.syncNow();
  }

  async open() {
    const cursor = await this.options.loadCursor();
    this.update({ state: "connecting", nextTryAt: null });
    const socket = new this.Socket(this.options.url, protocols(this.options.token));
    socket.binaryType = "arraybuffer";
    const session = new SyncSession(this.options.replica, { resumeCursor: cursor });
    this.socket = socket;
    this.session = session;
    socket.addEventListener("open", () => {
      this.run(session, async () => {
        this.update({ reachable: true });
        await session.connect();
        this.flush();
      });
    });
    socket.addEventListener("message", (message) => {
      this.run(session, () => this.receive(session, message.data));
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.session = null;
      if (event.code === 1000 && this.status.state === "stopped") return;
      this.closed(event.code, event.reason);
    });
  }

  /** @param {SyncSession} session @param {unknown} data */
  async receive(session, data) {
    if (!(data instanceof ArrayBuffer)) {
      const socket = this.socket;
      this.socket = this.session = null;
      socket?.close(4400, "text frame");
      this.failed(4400, "the relay sent something that is not a sync message");
      return;
    }
    await session.receiveData(new Uint8Array(data));
    this.flush();
    for (const event of session.eventsReceived()) {
      if (session !== this.session) return; // an event before ended this connection
      await this.handle(event);
    }
    await this.refreshWaiting();
  }

  /** @param {any} event */
  async handle(event) {
    const kind = eventKind(event);
    if (kind === "Received") {
      this.update({ lastReceived: this.now() });
      this.options.onReceived();
    } else if (kind === "Acknowledged") {
      this.update({ lastSent: this.now() });
      await this.options.onAcknowledged(event.outboxSeq);
    } else if (kind === "CursorAdvanced") {
      await this.options.saveCursor(event.seq);
    } else if (kind === "Synced") {
      this.failures = 0;
      this.update({ state: "live", lastSynced: this.now(), error: null });
    } else if (kind === "Failed") {
      const socket = this.socket;
      this.socket = this.session = null;
      socket?.close(event.code >= 4000 && event.code < 5000 ? event.code : 4400,
        String(event.reason).slice(0, 120));
      // A token refused in the middle of a session (the relay says so before it closes)
      // is a refusal like one at the door: no retries, and the words that say what to do.
      if (REFUSED.has(event.code)) this.closed(event.code, event.reason);
      else this.failed(event.code, `sync failed: ${event.reason} (code ${event.code})`);
    }
  }

  flush() {
    const socket = this.socket;
    const session = this.session;
    if (!socket || !session || socket.readyState !== 1) return;
    for (const frame of session.dataToSend()) socket.send(frame);
  }

  /** @param {number} code @param {string} reason */
  closed(code, reason) {
    if (REFUSED.has(code)) {
      this.update({ state: "refused", reachable: true,
        error: { code, message: refusal(code, reason), at: this.now() } });
      return;
    }
    const message = code === 1006 || code === 1005 ? "the relay cannot be reached"
      : code === 1001 ? "the relay went away (it stopped or is restarting)"
        : `the relay closed the connection: ${reason || "no reason given"} (code ${code})`;
    this.failed(code === 1006 || code === 1005 ? null : code, message);
  }

  /** @param {number | null} code @param {string} message */
  failed(code, message) {
    this.failures += 1;
    const delay = retryDelay(this.failures, this.random);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => { this.retryTimer = null; this.syncNow(); }, delay);
    this.update({ state: this.status.state === "refused" ? "refused" : "offline",
      reachable: code !== null, error: { code, message, at: this.now() },
      nextTryAt: this.now() + delay });
  }

  async refreshWaiting() {
    const waiting = (await this.options.replica.outbox(0)).length;
    if (waiting !== this.status.waiting) this.update({ waiting });
  }

  /** @param {Partial<SyncStatus>} change */
  update(change) {
    this.status = { ...this.status, ...change };
    this.options.onStatus(this.status);
  }
}

/**
 * The delay before try number `failures`: doubling from one second up to five minutes,
 * a random part of it (between half and all of it) so that retries spread out.
 * @param {number} failures @param {() => number} random
 */
export function retryDelay(failures, random) {
  const full = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(full / 2 + random() * (full / 2));
}

/** @param {number} code @param {string} reason */
function refusal(code, reason) {
  if (code === 4401) {
    return `the relay does not accept this phone's token (${reason || "token refused"}, code 4401): ` +
      "ask for a new link. Your contacts and waiting edits stay on this phone.";
  }
  if (code === 4404) return `the relay has no such space (code 4404)`;
  return `the relay refused this phone (${reason || "forbidden"}, code ${code})`;
}

/** The name of a session event (the session's classes mirror engine/session.py's).
 * @param {any} event */
function eventKind(event) {
  return String(event?.type ?? event?.kind ?? event?.constructor?.name ?? "");
}
