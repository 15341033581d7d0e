// Enrolment: which relay, space and token this device syncs with.
//
// A device is enrolled by opening the link `handsync relay token issue … --link URL`
// prints (`URL/app/#space=…&token=…`) or by typing the three values into the form.
// The space and token travel in the URL's fragment, which a browser never sends in a
// request; the app reads them, keeps them on the device and takes them out of the
// address bar at once. Everything here is checked before anything is stored: a link
// or form with a bad value stores nothing and says what is wrong.
//
// The sync session reads the stored enrolment with loadEnrolment() to know where to
// connect (`${relay}/v1/spaces/${space}`, the token as `?token=`).

/**
 * @typedef {object} Enrolment
 * @property {string} relay  WebSocket base URL of the relay, e.g. "wss://relay.example.com"
 * @property {string} space  the space's name
 * @property {string} token  the device's token, `hs_<id>_<secret>`
 * @property {number} enrolledAt  when it was stored (ms since the epoch)
 */

/** @typedef {Pick<Storage, "getItem" | "setItem" | "removeItem">} KeyValueStorage */

/** A problem with enrolment input, its message written for the person holding the phone. */
export class EnrolmentError extends Error {
  /**
   * @param {string} message
   * @param {"relay" | "space" | "token" | "link"} field  what is wrong
   */
  constructor(message, field) {
    super(message);
    this.name = "EnrolmentError";
    this.field = field;
  }
}

export const STORAGE_KEY = "handsync.enrolment";
// The relay's own rules (relay/store.py): a space name, and a token's shape.
const SPACE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TOKEN_SHAPE = /^hs_[0-9a-f]{6,32}_[A-Za-z0-9_-]{16,128}$/;
const ASK_AGAIN = "Ask your administrator for a new link.";

/**
 * Check a space name and a token, whichever way they arrived.
 * @param {string} space
 * @param {string} token
 * @param {string} advice  what to do about a bad value
 * @returns {{ space: string, token: string }}
 */
function checkSpaceAndToken(space, token, advice) {
  const name = space.trim();
  const secret = token.trim();
  if (!name) throw new EnrolmentError(`The space is missing. ${advice}`, "space");
  if (!SPACE_NAME.test(name)) {
    throw new EnrolmentError(
      `“${name}” is not a space name (lower-case letters, digits, “.”, “_” and “-”). ${advice}`,
      "space");
  }
  if (!secret) throw new EnrolmentError(`The token is missing. ${advice}`, "token");
  if (!TOKEN_SHAPE.test(secret)) {
    throw new EnrolmentError(
      `That is not a handsync token (they start with “hs_”). ${advice}`, "token");
  }
  return { space: name, token: secret };
}

/**
 * The relay's WebSocket base URL for an address as typed: https:// or wss:// (or
 * http:// and ws:// where the page itself is not on https, as on a test machine).
 * @param {string} text  what was typed, e.g. "relay.example.com" or "https://relay.example.com/"
 * @param {string} pageProtocol  the app page's own protocol ("https:" or "http:")
 * @returns {string} e.g. "wss://relay.example.com"
 */
export function relayAddress(text, pageProtocol) {
  let typed = text.trim();
  if (!typed) throw new EnrolmentError("The relay address is missing.", "relay");
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(typed)) typed = `https://${typed}`;
  /** @type {URL} */
  let url;
  try {
    url = new URL(typed);
  } catch {
    throw new EnrolmentError(`“${text.trim()}” is not a web address.`, "relay");
  }
  const secure = { "https:": true, "wss:": true, "http:": false, "ws:": false }[url.protocol];
  if (secure === undefined || !url.hostname) {
    throw new EnrolmentError(
      `“${text.trim()}” is not a relay address: it starts with https://.`, "relay");
  }
  if (!secure && pageProtocol === "https:") {
    throw new EnrolmentError(
      "This app was opened over https, so it can only reach a relay over https too.", "relay");
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new EnrolmentError(
      "Give only the relay's address, with no name, password, ? or # part.", "relay");
  }
  // The app's own folder is not part of the relay's address.
  const path = url.pathname.replace(/\/+$/, "").replace(/\/app$/, "");
  return `${secure ? "wss" : "ws"}://${url.host}${path}`;
}

/**
 * Read an enrolment link's fragment.
 * @param {string} hash  `location.hash`, e.g. "#space=acme&token=hs_…"
 * @param {string} pageUrl  `location.href`: the relay is the server the page came from
 * @returns {{ relay: string, space: string, token: string } | null}
 *   null when the fragment is not an enrolment link at all
 * @throws {EnrolmentError} when it is one but a value is missing or malformed
 */
export function parseLink(hash, pageUrl) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  if (!params.has("space") && !params.has("token")) return null;
  const { space, token } = checkSpaceAndToken(
    params.get("space") ?? "", params.get("token") ?? "", ASK_AGAIN);
  const page = new URL(pageUrl);
  const base = new URL("..", new URL("./", page)); // the page is BASE/app/
  return { relay: relayAddress(base.href, page.protocol), space, token };
}

/**
 * Check what was typed into the form.
 * @param {{ relay: string, space: string, token: string }} typed
 * @param {string} pageProtocol
 * @returns {{ relay: string, space: string, token: string }}
 */
export function parseTyped(typed, pageProtocol) {
  const relay = relayAddress(typed.relay, pageProtocol);
  const advice = "Check what you typed.";
  return { relay, ...checkSpaceAndToken(typed.space, typed.token, advice) };
}

/**
 * Store an enrolment (replacing any earlier one) and return it.
 * @param {KeyValueStorage} storage
 * @param {{ relay: string, space: string, token: string }} values  already checked
 * @param {number} now
 * @returns {Enrolment}
 */
export function saveEnrolment(storage, values, now) {
  /** @type {Enrolment} */
  const enrolment = { relay: values.relay, space: values.space, token: values.token,
    enrolledAt: now };
  storage.setItem(STORAGE_KEY, JSON.stringify(enrolment));
  return enrolment;
}

/**
 * The stored enrolment, or null when there is none or what is stored is not one.
 * @param {KeyValueStorage} storage
 * @returns {Enrolment | null}
 */
export function loadEnrolment(storage) {
  const text = storage.getItem(STORAGE_KEY);
  if (text === null) return null;
  try {
    const value = JSON.parse(text);
    if (typeof value?.relay === "string" && typeof value.space === "string"
        && typeof value.token === "string" && typeof value.enrolledAt === "number") {
      return /** @type {Enrolment} */ (value);
    }
  } catch {
    // Not JSON: treated as no enrolment (the form asks again), and left as it is.
  }
  return null;
}

/**
 * Take an enrolment link's fragment out of the address bar (and so out of the
 * history and of any bookmark), keeping the rest of the URL.
 * @param {Location} location
 * @param {History} history
 */
export function clearFragment(location, history) {
  const url = new URL(location.href);
  url.hash = "";
  history.replaceState(history.state, "", url.pathname + url.search);
}
