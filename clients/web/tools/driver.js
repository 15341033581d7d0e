// A JavaScript replica that Python drives, one JSON request per line on stdin and one JSON
// answer per line on stdout. The Python suite (tests/web_engine/) uses it to make edits
// with the web engine and apply them to Python replicas, and to run Python and JavaScript
// replicas side by side in the mixed convergence runs. Bytes travel as hex.
//
// Requests: {"op": "open", "name", "replicaId", "clientId", "now"} opens a replica on a
// MemoryStorage, ids made "<replicaId>-<n>" as the Python test replicas make them;
// {"op": "call", "name", "method", "args", "now"} calls a WebReplica method (args as
// given, {"$bytes": hex} for bytes; a trailing object is the options object); {"op": "outbox", "name", "after"} the
// local updates after a seq; {"op": "apply", "name", "updates"} applies updates;
// {"op": "contents", "name", "kinds"} every record of each kind (deleted ones too), the
// conflicts and the rows; {"op": "reopen", "name"} opens the same storage again;
// {"op": "reset"} forgets every replica. Answers: {"ok": true, "result"} or
// {"ok": false, "error": {"name", "message"}}.

import { createInterface } from "node:readline";

import { WebReplica } from "../src/replica.js";
import { MemoryStorage } from "../src/storage/memory.js";

/** @typedef {{ replica: WebReplica, storage: MemoryStorage, now: { ms: number },
 *   replicaId: string, clientId: number, next: { n: number } }} Driven */

/** @type {Map<string, Driven>} */
const replicas = new Map();

/** @param {string} hex */
const bytes = (hex) => Uint8Array.from(Buffer.from(hex, "hex"));
/** @param {Uint8Array} data */
const hex = (data) => Buffer.from(data).toString("hex");

const BIG = "\u0000bigint:";
const BIG_TEXT = new RegExp(`"${JSON.stringify(BIG).slice(1, -1).replace(/\\/g, "\\\\")}(-?\\d+)"`, "g");

/** One answer as a JSON line, big integers written as numbers. @param {unknown} answer */
const answerLine = (answer) => `${JSON.stringify(answer).replace(BIG_TEXT, "$1")}\n`;

/** @param {string} name */
function driven(name) {
  const found = replicas.get(name);
  if (!found) throw new Error(`no replica named ${name}`);
  return found;
}

/** @param {Driven} d */
async function open(d) {
  d.replica = await WebReplica.open(d.storage, {
    clock: () => ++d.now.ms,
    replicaId: d.replicaId,
    clientId: d.clientId,
    newId: () => `${d.replicaId}-${++d.next.n}`,
  });
}

/** Turn a request's argument into what the engine takes: {"$bytes": hex} is bytes.
 * @param {unknown} value @returns {unknown} */
function argument(value) {
  if (Array.isArray(value)) return value.map(argument);
  if (value && typeof value === "object") {
    const object = /** @type {Record<string, unknown>} */ (value);
    if (typeof object.$bytes === "string" && Object.keys(object).length === 1) return bytes(object.$bytes);
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, argument(v)]));
  }
  return value;
}

/** Turn a result into JSON-able data (bytes become hex; a BigInt, such as a clock stamp
 * beyond 2^53, becomes a marked string that `answerLine` writes as a plain JSON number, which
 * Python reads back exactly). @param {unknown} value @returns {unknown} */
function plain(value) {
  if (typeof value === "bigint") return `${BIG}${value}`;
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** @param {Record<string, any>} request */
async function handle(request) {
  switch (request.op) {
    case "open": {
      /** @type {Driven} */
      const d = /** @type {any} */ ({
        storage: new MemoryStorage(), now: { ms: request.now ?? 0 },
        replicaId: request.replicaId, clientId: request.clientId, next: { n: 0 },
      });
      await open(d);
      replicas.set(request.name, d);
      return null;
    }
    case "reopen": {
      const d = driven(request.name);
      await open(d);
      return null;
    }
    case "call": {
      const d = driven(request.name);
      if (typeof request.now === "number") d.now.ms = request.now;
      const method = /** @type {any} */ (d.replica)[request.method];
      if (typeof method !== "function") throw new Error(`WebReplica has no method ${request.method}`);
      return plain(await method.apply(d.replica, argument(request.args ?? [])));
    }
    case "outbox": {
      const entries = await driven(request.name).replica.outbox(request.after ?? 0);
      return entries.map((/** @type {any} */ e) =>
        Array.isArray(e) ? [e[0], hex(e[1])] : [e.seq, hex(e.update)]);
    }
    case "apply": {
      const d = driven(request.name);
      return plain(await d.replica.applyRemote(request.updates.map(bytes), { origin: "remote" }));
    }
    case "contents": {
      const d = driven(request.name);
      /** @type {Record<string, unknown>} */
      const out = {};
      for (const kind of request.kinds) {
        out[kind] = d.replica.list(kind, { includeDeleted: true });
        out[`rows:${kind}`] = d.replica.rows(kind);
      }
      out.conflicts = d.replica.conflicts();
      out.missing = d.replica.missing();
      return plain(out);
    }
    case "reset":
      replicas.clear();
      return null;
    default:
      throw new Error(`unknown op ${request.op}`);
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = { ok: true, result: await handle(JSON.parse(line)) };
  } catch (error) {
    const e = /** @type {Error} */ (error);
    answer = { ok: false, error: { name: e.name, message: e.message, code: /** @type {any} */ (e).code } };
  }
  process.stdout.write(answerLine(answer));
}
