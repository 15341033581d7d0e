// The handheld app's entry point: registers the service worker, enrols the device
// (from a link's fragment or the form) and keeps the status line.
//
// Once enrolled, `startSync(enrolment)` starts the engine's worker (worker.js, bundled
// with the engine into dist/worker.js by `make web`), which opens the space's storage,
// decodes the document and syncs, and mounts the screens (screens/app.js), which talk
// to it through rpc.js. A fragment that starts with "#/" is a screen, not a link.

import {
  EnrolmentError, clearFragment, loadEnrolment, parseLink, parseTyped, saveEnrolment,
} from "./enrolment.js";
import { Remote } from "./rpc.js";
import { App } from "./screens/app.js";
import { statusLine } from "./status.js";

/** @typedef {import("./enrolment.js").Enrolment} Enrolment */

/**
 * An element the page must have.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} kind
 * @returns {T}
 */
function element(id, kind) {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`the page lacks #${id}`);
  return found;
}

const status = statusLine(element("sync-status", HTMLElement));
const errorLine = element("enrolment-error", HTMLElement);
const form = element("enrolment-form", HTMLFormElement);

/**
 * Show the device as enrolled (or not), and start what an enrolment starts.
 * @param {Enrolment | null} enrolment
 */
function show(enrolment) {
  element("enrolled", HTMLElement).hidden = enrolment === null;
  element("enrolment-title", HTMLElement).textContent =
    enrolment === null ? "Connect this device" : "Connect to another space";
  if (enrolment === null) {
    status.show({ phase: "not-enrolled", waiting: 0 });
    return;
  }
  element("enrolled-space", HTMLElement).textContent = enrolment.space;
  element("enrolled-relay", HTMLElement).textContent = enrolment.relay;
  status.show({ phase: "enrolled", space: enrolment.space, waiting: 0 });
  startSync(enrolment);
}

/** @type {{ remote: Remote, space: string, relay: string } | null} */
let running = null;

/**
 * Start the engine's worker for the enrolled space and show the screens; a new link
 * for the same space (a fresh token after the old one was revoked) goes to the
 * running worker. The worker reports sync through `status`.
 * @param {Enrolment} enrolment
 */
function startSync(enrolment) {
  document.documentElement.dataset.space = enrolment.space;
  const values = { relay: enrolment.relay, space: enrolment.space, token: enrolment.token };
  if (running && running.space === enrolment.space && running.relay === enrolment.relay) {
    void running.remote.call("enrolAgain", values);
    return;
  }
  if (running) {
    // Another space, or the same one on another relay (a database of its own): start
    // afresh with the new enrolment. Edits not yet sent stay in the old database.
    location.reload();
    return;
  }
  const worker = new Worker(new URL("./dist/worker.js", import.meta.url), { type: "module" });
  const remote = new Remote(worker);
  running = { remote, space: enrolment.space, relay: enrolment.relay };
  element("shell", HTMLElement).hidden = true;
  const screens = element("screens", HTMLElement);
  screens.hidden = false;
  /** @type {Record<string, import("./status.js").SyncState["phase"]>} */
  const phases = { connecting: "connecting", live: "synced", offline: "offline", refused: "error",
    stopped: "enrolled" };
  const app = new App(screens, remote, { space: enrolment.space, relay: enrolment.relay }, (sync) => status.show({
    phase: phases[sync.state] ?? "enrolled",
    space: enrolment.space, waiting: sync.waiting,
    error: sync.error ? sync.error.message : undefined,
  }));
  remote.on("failed", (/** @type {Error} */ error) => app.fatal(error));
  remote.call("open", values).catch((error) => app.fatal(error));
}

/** @param {string | null} message */
function showError(message) {
  errorLine.textContent = message ?? "";
  errorLine.hidden = message === null;
}

/**
 * Enrol from checked values, or show why not; nothing is stored on an error.
 * @param {() => { relay: string, space: string, token: string } | null} read
 * @returns {boolean} whether a new enrolment was stored
 */
function enrol(read) {
  try {
    const values = read();
    if (values === null) return false;
    show(saveEnrolment(localStorage, values, Date.now()));
    showError(null);
    return true;
  } catch (error) {
    if (!(error instanceof EnrolmentError)) throw error;
    showError(error.message);
    return false;
  }
}

function enrolFromLink() {
  if (!location.hash || location.hash.startsWith("#/")) return;
  const hash = location.hash;
  // Out of the address bar first, whatever the link holds: a token must not stay
  // in the history even when the link is wrong.
  clearFragment(location, history);
  enrol(() => parseLink(hash, location.href));
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const field = (/** @type {string} */ name) => String(data.get(name) ?? "");
  if (enrol(() => parseTyped(
    { relay: field("relay"), space: field("space"), token: field("token") },
    location.protocol))) {
    form.reset();
  }
});

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return; // plain http off localhost: no offline use
  try {
    await navigator.serviceWorker.register("sw.js", { scope: "./" });
  } catch (error) {
    console.warn("the app will not open offline: the service worker failed", error);
  }
}

// The relay the page came from is the likeliest answer to "Relay address".
element("enrol-relay", HTMLInputElement).defaultValue = new URL("..", location.href).origin;
show(loadEnrolment(localStorage));
enrolFromLink();
// A link opened while the app is already open changes only the fragment.
window.addEventListener("hashchange", enrolFromLink);
document.documentElement.dataset.ready = "true";
void registerServiceWorker();
