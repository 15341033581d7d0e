// Hybrid logical clock stamps, as engine/clock.py makes them.
//
// A stamp is one integer `wall_ms << 16 | counter`, written in base 36 in entry keys.
// For a wall time of today it is ~1.2e17, past Number.MAX_SAFE_INTEGER, so stamps are
// BigInts here; a Number stands for one only where a row shows it (Row.updated).
// The clock never follows an observed stamp further than MAX_SKEW_MS past the
// replica's corrected time (the bounded-drift rule), and never goes backwards.

export const COUNTER_BITS = 16n;
const COUNTER_MAX = (1n << COUNTER_BITS) - 1n;
/** How far past the relay's time a stamp may be (ms). */
export const MAX_SKEW_MS = 5 * 60 * 1000;
const NO_CEILING = 1n << 80n;
const CANONICAL = /^(?:0|[1-9a-z][0-9a-z]{0,15})$/;
const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * The stamp for `wallMs` and `counter`.
 * @param {number | bigint} wallMs @param {number | bigint} [counter]
 */
export function makeStamp(wallMs, counter = 0) {
  return (BigInt(wallMs) << COUNTER_BITS) | BigInt(counter);
}

/** The wall-clock part of a stamp (ms since the epoch). @param {bigint} stamp */
export const stampWallMs = (stamp) => Number(stamp >> COUNTER_BITS);

/** A stamp in base 36, lower case. @param {bigint} stamp */
export function encodeStamp(stamp) {
  if (stamp < 0n) throw new RangeError("a stamp is never negative");
  return stamp.toString(36);
}

/**
 * Read a stamp written by encodeStamp; null if the text is not one (only the canonical
 * form: no sign, no leading zero, at most 16 digits).
 * @param {string} text @returns {bigint | null}
 */
export function decodeStamp(text) {
  if (!CANONICAL.test(text)) return null;
  let value = 0n;
  for (const ch of text) value = value * 36n + BigInt(DIGITS.indexOf(ch));
  return value;
}

/** The clock of one replica (engine/clock.py's HybridClock). */
export class HybridClock {
  /** @param {bigint} [last] */
  constructor(last = 0n) {
    /** The latest stamp issued or observed. */
    this.last = last;
    /** Observed stamps move the clock no further than this. */
    this.ceiling = NO_CEILING;
  }

  /** Follow observed stamps no further than `skewMs` past `nowMs`. @param {number} nowMs @param {number} [skewMs] */
  bound(nowMs, skewMs = MAX_SKEW_MS) {
    this.ceiling = makeStamp(nowMs + skewMs);
  }

  /** A fresh stamp, later than every stamp issued or observed so far. @param {number} nowMs */
  tick(nowMs) {
    const wall = this.last >> COUNTER_BITS;
    if (BigInt(nowMs) > wall) {
      this.last = makeStamp(nowMs);
    } else if ((this.last & COUNTER_MAX) === COUNTER_MAX) {
      this.last = makeStamp(wall + 1n); // counter exhausted within one ms: borrow the next
    } else {
      this.last += 1n;
    }
    return this.last;
  }

  /** Take note of a stamp from another replica. @param {bigint} stamp */
  observe(stamp) {
    if (stamp > this.last) {
      const capped = stamp < this.ceiling ? stamp : this.ceiling;
      if (capped > this.last) this.last = capped; // never backwards (own edits may pass the ceiling)
    }
  }
}
