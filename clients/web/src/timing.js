// The relay's time, as engine/timing.py keeps it: a replica's offset to it, and
// re-stamping the edits no relay has acknowledged when that offset moves.
//
// A replica stamps each edit with its wall clock corrected by its offset to the relay
// (the Time message). When it first meets the relay, or the offset moved by more than
// OFFSET_TOLERANCE_MS, its unacknowledged edits carry stamps of the wrong clock: every
// live entry its outbox updates wrote under its own id is written again under a key
// whose stamp is moved by the change of offset, in one transaction committed with the
// new offset (WebReplica.meetTime).

import * as Y from "yjs";

import { COUNTER_BITS, decodeStamp } from "./clock.js";
import { DELETED, encodeValue, entryKey } from "./registers.js";
import { compareText, isDict } from "./pyvalue.js";

/** An offset that moved by no more than this is not changed (network delay alone moves it). */
export const OFFSET_TOLERANCE_MS = 1000;
export const OFFSET_META = "clock_offset";
export const RESTAMP_META = "restamp";

/**
 * The new offset if it differs from `current` enough to be taken, else null.
 * @param {number | null} current @param {number} referenceMs @param {number} wallMs
 */
export function offsetChange(current, referenceMs, wallMs) {
  const offset = referenceMs - wallMs;
  if (current !== null && Math.abs(offset - current) <= OFFSET_TOLERANCE_MS) return null;
  return offset;
}

/**
 * The keys of the live entries `replicaId` wrote in `updates` (its outbox): map items
 * keyed `<field>|<stamp>|<replica>` whose content is not deleted, nor covered by the
 * update's own delete set.
 * @param {string} replicaId @param {Uint8Array[]} updates @returns {Set<string>}
 */
export function ownOutboxKeys(replicaId, updates) {
  /** @type {Set<string>} */
  const keys = new Set();
  for (const update of updates) {
    const { structs, ds } = Y.decodeUpdate(update);
    for (const struct of structs) {
      if (!(struct instanceof Y.Item) || struct.content instanceof Y.ContentDeleted) continue;
      const key = struct.parentSub;
      if (key === null || !key.endsWith(`|${replicaId}`)) continue;
      const parts = key.split("|");
      if (parts.length < 3 || decodeStamp(parts[parts.length - 2]) === null) continue;
      const ranges = ds.clients.get(struct.id.client) ?? [];
      const covered = ranges.some((r) => r.clock <= struct.id.clock && struct.id.clock < r.clock + r.len);
      if (!covered) keys.add(key);
    }
  }
  return keys;
}

/**
 * Move the stamps of the entries `wanted` by `deltaMs`, in the current transaction.
 * Returns the newest stamp the document holds afterwards, stamps past `ceiling` counted
 * as `ceiling` (for the replica's clock).
 * @param {Iterable<Y.Map<unknown>>} roots @param {bigint} ceiling @param {Set<string>} wanted
 * @param {number} deltaMs @returns {bigint}
 */
export function restamp(roots, ceiling, wanted, deltaMs) {
  const shift = BigInt(deltaMs) << COUNTER_BITS;
  /** @type {[Y.Map<unknown>, string, unknown][]} */
  const found = [];
  let newest = 0n;
  for (const root of roots) {
    for (const record of root.values()) {
      if (!(record instanceof Y.Map)) continue;
      for (const [key, raw] of record.entries()) {
        if (wanted.has(key)) {
          found.push([record, key, raw]);
        } else if (key.split("|").length >= 3) {
          const parts = key.split("|");
          const stamp = decodeStamp(parts[parts.length - 2]);
          if (stamp === null) continue;
          const capped = stamp < ceiling ? stamp : ceiling;
          if (capped > newest) newest = capped;
        }
      }
    }
  }
  /** @type {Map<string, string>} */
  const renamed = new Map();
  for (const [record, key] of found) {
    const parts = key.split("|");
    const writer = /** @type {string} */ (parts.pop());
    const text = /** @type {string} */ (parts.pop());
    const name = parts.join("|");
    let stamp = /** @type {bigint} */ (decodeStamp(text)) + shift;
    if (stamp < 1n) stamp = 1n;
    while (record.has(entryKey(name, stamp, writer))) stamp += 1n; // never over another entry
    renamed.set(key, entryKey(name, stamp, writer));
    if (stamp > newest) newest = stamp;
  }
  for (let [record, key, raw] of found) {
    if (key.startsWith(`${DELETED}|`)) raw = renamedSeen(raw, renamed);
    record.delete(key);
    record.set(/** @type {string} */ (renamed.get(key)), raw);
  }
  return newest;
}

/** A delete entry's JSON with the keys it saw renamed. @param {unknown} raw @param {Map<string, string>} renamed */
function renamedSeen(raw, renamed) {
  if (typeof raw !== "string") return raw;
  let value;
  try { value = JSON.parse(raw); } catch { return raw; }
  if (isDict(value) && Array.isArray(value.seen)) {
    value.seen = value.seen.map((k) => (typeof k === "string" ? renamed.get(k) ?? k : k)).sort(
      (a, b) => compareText(String(a), String(b)));
    return encodeValue(value);
  }
  return raw;
}
