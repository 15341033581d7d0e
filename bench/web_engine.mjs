// What the web client's engine costs on a 10,000-contact space, in Node on this machine
// (issue 16's targets). The space is made by the Python engine (bench/web_fixture.py), as
// a phone receives it from the relay.
//
//     node bench/web_engine.mjs [--runs 5] [--json FILE] [--fixture DIR]
//
// Each run is a fresh Node process (started with --expose-gc, so the heap is measured
// after a full collection), so one run's warm JIT and caches do not flatter the next;
// the table gives the median of the runs and every run's figure.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");
const TARGETS = [
  ["decode_s", "10,000-contact snapshot decoded to its rows (s)", 1.0],
  ["remote_edits_ms", "1,000 one-field remote edits applied, rows updated (ms)", 100],
  ["local_edit_ms", "one local edit: validated, stamped, stored in memory (ms)", 2],
  ["search_ms", "search over 10,000 rows (ms)", 10],
  ["heap_mb", "heap for the 10,000-contact space (MB)", 150],
];

const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    json: { type: "string" },
    fixture: { type: "string", default: join(HERE, ".web-fixture") },
    "one-run": { type: "boolean", default: false },
  },
});

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The updates of edits.bin: 4-byte big-endian lengths, each followed by its update.
 * @param {Uint8Array} data */
function frames(data) {
  const out = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at < data.length;) {
    const length = view.getUint32(at);
    out.push(data.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

async function oneRun() {
  const { WebReplica } = await import("../clients/web/src/replica.js");
  const { MemoryStorage } = await import("../clients/web/src/storage/memory.js");
  const meta = JSON.parse(readFileSync(join(options.fixture, "meta.json"), "utf8"));
  const snapshot = new Uint8Array(readFileSync(join(options.fixture, "snapshot.bin")));
  const edits = frames(new Uint8Array(readFileSync(join(options.fixture, "edits.bin"))));
  const gc = /** @type {() => void} */ (globalThis.gc);
  let now = Date.now();
  const clock = () => ++now;

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let started = performance.now();
  const replica = await WebReplica.open(new MemoryStorage(), { clock, replicaId: "bench", clientId: 777 });
  await replica.applyRemote([snapshot], { origin: "remote" });
  const rows = replica.rows("contact");
  const decodeS = (performance.now() - started) / 1000;
  if (rows.length !== meta.contacts) throw new Error(`${rows.length} rows, not ${meta.contacts}`);
  gc();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

  started = performance.now();
  await replica.applyRemote(edits, { origin: "remote" });
  const remoteMs = performance.now() - started;
  const edited = replica.rows("contact").filter((/** @type {any} */ r) =>
    String(r.data.job_title).startsWith("Edited title")).length;
  if (edited === 0) throw new Error("the remote edits changed no row");

  const ids = rows.slice(0, 200).map((/** @type {any} */ r) => r.id);
  const local = [];
  for (const [n, id] of ids.entries()) {
    const t = performance.now();
    await replica.update("contact", id, { job_title: `Local ${n}` });
    local.push(performance.now() - t);
  }
  const searches = [];
  let found = 0;
  for (let n = 0; n < 21; n++) {
    const t = performance.now();
    found = replica.search(meta.needle, "contact").length;
    searches.push(performance.now() - t);
  }
  return {
    decode_s: decodeS, remote_edits_ms: remoteMs, local_edit_ms: median(local),
    search_ms: median(searches), heap_mb: heapMb, found, edited,
    snapshot_mb: meta.snapshot_bytes / 1e6, total_heap_mb: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

function fixture() {
  const venv = join(ROOT, ".venv", "bin", "python");
  const python = existsSync(venv) ? venv : "python3";
  const made = spawnSync(python, [join(HERE, "web_fixture.py"), "--out", options.fixture],
    { cwd: ROOT, encoding: "utf8" });
  if (made.status !== 0) throw new Error(`bench/web_fixture.py failed:\n${made.stderr}`);
}

async function main() {
  if (options["one-run"]) {
    process.stdout.write(`${JSON.stringify(await oneRun())}\n`);
    return;
  }
  fixture();
  const runs = Number(options.runs);
  /** @type {Record<string, number>[]} */
  const results = [];
  for (let n = 0; n < runs; n++) {
    const child = spawnSync(process.execPath,
      ["--expose-gc", fileURLToPath(import.meta.url), "--one-run", "--fixture", options.fixture],
      { encoding: "utf8", maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`run ${n + 1} failed:\n${child.stderr}`);
    results.push(JSON.parse(child.stdout));
    process.stderr.write(`run ${n + 1}/${runs} done\n`);
  }
  const meta = JSON.parse(readFileSync(join(options.fixture, "meta.json"), "utf8"));
  console.log(`web engine, Node ${process.version}, ${meta.contacts} contacts, snapshot ` +
    `${(meta.snapshot_bytes / 1e6).toFixed(1)} MB, ${meta.edits} remote edits; medians of ${runs} runs`);
  const width = Math.max(...TARGETS.map(([, label]) => String(label).length));
  /** @type {Record<string, unknown>[]} */
  const table = [];
  for (const [key, label, target] of TARGETS) {
    const values = results.map((r) => r[/** @type {string} */ (key)]);
    const value = median(values);
    const met = value <= /** @type {number} */ (target);
    table.push({ measure: key, median: value, target, met, runs: values });
    console.log(`${String(label).padEnd(width)}  ${value.toFixed(3).padStart(9)}  target ≤ ${target}` +
      `  ${met ? "met" : "MISSED"}   runs: ${values.map((v) => v.toFixed(3)).join(" ")}`);
  }
  console.log(`search found ${results[0].found} contacts; the remote edits changed ${results[0].edited} rows`);
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ node: process.version, meta, table, results }, null, 1)}\n`);
}

await main();
