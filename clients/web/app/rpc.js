// Calls between the page and the engine's worker (app/worker.js), over postMessage.
//
// The page calls `remote.call(method, ...args)` and gets a promise of the worker's answer;
// a refusal comes back as an Error with the engine's class name and message, so a form
// shows "is not an e-mail address" exactly as the engine worded it. The worker also sends
// events (rows changed, sync status) that the page hears with `remote.on(name, listener)`.

/**
 * @typedef {{ id: number, method: string, args: unknown[] }} Request
 * @typedef {{ id: number, ok: true, result: unknown } | { id: number, ok: false,
 *   error: { name: string, message: string, field?: string } }} Answer
 * @typedef {{ event: string, data: unknown }} Event
 */

/** An error the worker answered with; `name` is the engine's error class. */
export class RemoteError extends Error {
  /** @param {{ name: string, message: string, field?: string }} error */
  constructor(error) {
    super(error.message);
    this.name = error.name;
    /** The field a validation error is about, when the engine named one. */
    this.field = error.field;
  }
}

/** The page's side: call methods on the worker, hear its events. */
export class Remote {
  /** @param {{ postMessage(message: unknown): void,
   *   addEventListener(type: string, listener: (event: any) => void): void }} port */
  constructor(port) {
    this.port = port;
    this.next = 1;
    /** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void }>} */
    this.waiting = new Map();
    /** @type {Map<string, Set<(data: any) => void>>} */
    this.listeners = new Map();
    /** Why the worker cannot answer any more, once it cannot. @type {Error | null} */
    this.broken = null;
    port.addEventListener("message", (/** @type {MessageEvent} */ message) => this.receive(message.data));
    // A worker that fails to load, or dies, answers nothing: say so instead of waiting.
    port.addEventListener("error", (/** @type {ErrorEvent} */ event) => {
      event.preventDefault?.();
      this.fail(new Error(`the app's engine stopped: ${event.message || "it could not be loaded"}`));
    });
    port.addEventListener("messageerror", () => this.fail(new Error("the app's engine sent a message that cannot be read")));
  }

  /** Reject every call waiting and every later one, and tell the "failed" listeners.
   * @param {Error} error */
  fail(error) {
    if (this.broken) return;
    this.broken = error;
    for (const { reject } of this.waiting.values()) reject(error);
    this.waiting.clear();
    for (const listener of this.listeners.get("failed") ?? []) listener(error);
  }

  /** @param {string} method @param {unknown[]} args @returns {Promise<any>} */
  call(method, ...args) {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.port.postMessage(/** @type {Request} */ ({ id, method, args }));
    });
  }

  /** @param {string} event @param {(data: any) => void} listener */
  on(event, listener) {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
  }

  /** @param {Answer | Event} message */
  receive(message) {
    if ("event" in message) {
      for (const listener of this.listeners.get(message.event) ?? []) listener(message.data);
      return;
    }
    const waiting = this.waiting.get(message.id);
    if (!waiting) return;
    this.waiting.delete(message.id);
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(new RemoteError(message.error));
  }
}

/**
 * The worker's side: answer calls with `handlers`, one at a time in the order they came
 * (an edit made after another is applied after it), and send events.
 * @param {{ postMessage(message: unknown): void,
 *   addEventListener(type: "message", listener: (event: MessageEvent) => void): void }} port
 * @param {Record<string, (...args: any[]) => unknown>} handlers
 */
export function serve(port, handlers) {
  let queue = Promise.resolve();
  port.addEventListener("message", (message) => {
    const request = /** @type {Request} */ (message.data);
    queue = queue.then(async () => {
      const handler = Object.hasOwn(handlers, request.method) ? handlers[request.method] : undefined;
      try {
        if (!handler) throw new Error(`no such call: ${request.method}`);
        port.postMessage({ id: request.id, ok: true, result: await handler(...request.args) });
      } catch (thrown) {
        const error = /** @type {Error & { field?: string }} */ (thrown);
        port.postMessage({ id: request.id, ok: false,
          error: { name: error.name ?? "Error", message: String(error.message ?? error), field: error.field } });
      }
    });
  });
  return {
    /** @param {string} event @param {unknown} data */
    send(event, data) { port.postMessage(/** @type {Event} */ ({ event, data })); },
  };
}
