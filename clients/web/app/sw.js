// The service worker: keeps the app's files so the app opens with no network, from a
// cold start, as a salesperson in a basement car park needs. Data is not its job
// (IndexedDB holds the contacts and the edits waiting); sync traffic is a WebSocket,
// which never passes through here.
//
// On install it fetches precache.json (the relay lists every file the app may load:
// app/, with the engine's worker bundle in app/dist/, and src/) and keeps them all in a cache named by CACHE_VERSION; on
// activate it drops the caches of earlier versions. Each time the app is opened online
// it reads the list again, fetches what it lacks and drops what is no longer listed,
// since its own file does not change with a release. Then every request for the app
// (the page, its modules, the worker and styles) is answered stale while
//    revalidate. The kept copy answers at once, so the app opens as fast with one bar
//    of signal as with none, and a fresh copy is fetched behind it for the next
//    open. Network first would make every open with a weak signal wait for a
//    timeout before showing anything; the price of this choice is that a new
//    release of the relay shows up one open later.
// Bump CACHE_VERSION when this file's way of caching changes.

(() => {
  const CACHE_VERSION = 2;
  const CACHE = `handsync-app-v${CACHE_VERSION}`;
  const PREFIX = "handsync-app-";
  const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
  const scope = new URL(sw.registration.scope); // …/app/
  const shell = new URL("./", scope).href;
  const served = ["../src/", "./"].map((p) => new URL(p, scope).href);

  sw.addEventListener("install", (event) => {
    event.waitUntil(keepListed(true).then(() => sw.skipWaiting()));
  });

  sw.addEventListener("activate", (event) => {
    event.waitUntil((async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await sw.clients.claim(); // the page that registered us works offline from now on
    })());
  });

  sw.addEventListener("fetch", (event) => {
    const request = event.request;
    if (request.method !== "GET" || !served.some((p) => request.url.startsWith(p))) return;
    if (request.url.endsWith("/precache.json")) return;
    // Opening the app (its folder or index.html, whatever the query) is the shell.
    const opensApp = request.mode === "navigate"
      && [shell, `${shell}index.html`].includes(request.url.split(/[?#]/)[0]);
    const key = opensApp ? new Request(shell) : request;
    const { response, refreshed } = staleWhileRevalidate(key);
    event.respondWith(response);
    event.waitUntil(refreshed);
    // A new release of the relay may bring files this worker has never kept (a module
    // only some screens load) and drop others: on each open, while online, catch up.
    if (opensApp) event.waitUntil(keepListed(false).catch(() => undefined));
  });

  /**
   * Keep every file the relay lists in precache.json and drop the kept ones it no
   * longer lists. On install every file is fetched; later only those not kept yet
   * (the kept ones are refreshed as they are used).
   * @param {boolean} everything
   */
  async function keepListed(everything) {
    const answer = await fetch(new URL("precache.json", scope), { cache: "no-cache" });
    if (!answer.ok) throw new Error(`precache.json: HTTP ${answer.status}`);
    const { files } = /** @type {{ files: string[] }} */ (await answer.json());
    const listed = new Set(files.map((f) => new URL(f, scope).href));
    const cache = await caches.open(CACHE);
    const kept = await cache.keys();
    const have = new Set(kept.map((r) => r.url));
    const fetchNow = [...listed].filter((url) => everything || !have.has(url));
    await cache.addAll(fetchNow.map((url) => new Request(url, { cache: "no-cache" })));
    await Promise.all(kept.filter((r) => !listed.has(r.url)).map((r) => cache.delete(r)));
  }

  /**
   * @param {Request} request
   * @returns {{ response: Promise<Response>, refreshed: Promise<unknown> }}
   */
  function staleWhileRevalidate(request) {
    const cache = caches.open(CACHE);
    const fresh = cache.then(async (c) => {
      const response = await fetch(request, { cache: "no-cache" });
      if (response.ok) await c.put(request, response.clone());
      return response;
    });
    const response = cache.then(async (c) => {
      const kept = await c.match(request);
      return kept ?? fresh; // not kept yet: wait for the network (and its error offline)
    });
    return { response, refreshed: fresh.catch(() => undefined) };
  }
})();
