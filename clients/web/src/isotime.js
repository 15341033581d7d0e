// Reading ISO-8601 dates and times exactly as Python 3.11's datetime.fromisoformat and
// date.fromisoformat read them (the C implementation's grammar, quirks included), so
// that a value the Python engine accepts is accepted here and normalised to the same
// text, and one it refuses is refused.

/**
 * @typedef {{ year: number, month: number, day: number, hour: number, minute: number,
 *   second: number, microsecond: number, offset: { seconds: number, microseconds: number } | null }} Moment
 */

class Invalid extends Error {}

/** @param {number[]} s @param {number} i */
const at = (s, i) => (i < s.length ? s[i] : 0); // past the end reads as C's NUL
/** @param {number} c */
const isDigit = (c) => c >= 48 && c <= 57;

/** @param {number[]} s @param {number} p @param {number} n @returns {[number, number]} */
function digits(s, p, n) {
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = at(s, p + i);
    if (!isDigit(c)) throw new Invalid();
    value = value * 10 + (c - 48);
  }
  return [value, p + n];
}

/** @param {number} year @param {number} month */
const daysIn = (year, month) => (month === 2
  ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28)
  : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]);

/** @param {number} year @param {number} week @param {number} day @returns {[number, number, number]} */
function isoToYmd(year, week, day) {
  if (week <= 0 || week >= 53) {
    // week 53 exists when the year starts on a Thursday, or a Wednesday in a leap year
    const first = weekday(year, 1, 1);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (!(week === 53 && (first === 4 || (first === 3 && leap)))) throw new Invalid();
  }
  if (day <= 0 || day >= 8) throw new Invalid();
  const jan4 = weekday(year, 1, 4); // 1 = Monday
  const ordinal = days(year, 1, 4) - (jan4 - 1) + (week - 1) * 7 + (day - 1);
  const date = fromDays(ordinal);
  if (date[0] < 1 || date[0] > 9999) throw new Invalid();
  return date;
}

/** Days since 1970-01-01 of a proleptic Gregorian date. @param {number} y @param {number} m @param {number} d */
function days(y, m, d) {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return Math.floor(date.getTime() / 86400000);
}
/** @param {number} n @returns {[number, number, number]} */
function fromDays(n) {
  const date = new Date(n * 86400000);
  return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
}
/** ISO weekday, 1 = Monday. @param {number} y @param {number} m @param {number} d */
const weekday = (y, m, d) => ((((days(y, m, d) + 3) % 7) + 7) % 7) + 1;

/** @param {number[]} s @param {number} len @returns {[number, number, number]} */
function parseDate(s, len) {
  let [year, p] = digits(s, 0, 4);
  const separated = at(s, p) === 45; // '-'
  if (separated) p++;
  if (at(s, p) === 87) { // 'W'
    p++;
    let week;
    [week, p] = digits(s, p, 2);
    let day = 1;
    if (p < len) {
      if (separated && at(s, p++) !== 45) throw new Invalid();
      [day, p] = digits(s, p, 1);
    }
    return isoToYmd(year, week, day);
  }
  let month, day;
  [month, p] = digits(s, p, 2);
  if (separated && at(s, p++) !== 45) throw new Invalid();
  [day, p] = digits(s, p, 2);
  return [year, month, day];
}

/** @param {number[]} s @param {number} len */
function separatorAt(s, len) {
  if (len === 7) return 7;
  if (at(s, 4) === 45) {
    if (at(s, 5) === 87) {
      if (len < 8) return -1;
      if (len > 8 && at(s, 8) === 45) {
        if (len === 9) return -1;
        if (len > 10 && isDigit(at(s, 10))) return 8;
        return 10;
      }
      return 8;
    }
    return 10;
  }
  if (at(s, 4) === 87) {
    let idx = 7;
    while (idx < len && isDigit(at(s, idx))) idx++;
    if (idx < 9) return idx;
    return idx % 2 === 0 ? 7 : 8;
  }
  return 8;
}

/**
 * [HH[:MM[:SS[.ffffff]]]] between p and end; [h, m, s, us, trailing] where trailing is
 * 1 when the text goes on past `end`.
 * @param {number[]} s @param {number} p @param {number} end
 */
function parseClock(s, p, end) {
  const vals = [0, 0, 0];
  let separated = true;
  for (let i = 0; i < 3; i++) {
    [vals[i], p] = digits(s, p, 2);
    const c = at(s, p++);
    if (i === 0) separated = c === 58;
    if (p >= end) return [...vals, 0, c !== 0 ? 1 : 0];
    if (separated && c === 58) continue;
    if (c === 46 || c === 44) break;
    if (!separated) p--;
    else throw new Invalid();
  }
  // Three fields read and more follows: as Python's C code does, what follows is read
  // as the fraction (its mark, if any, already passed).
  const remains = end - p;
  if (remains < 1) throw new Invalid();
  const take = Math.min(remains, 6);
  let us;
  [us, p] = digits(s, p, take);
  us *= 10 ** (6 - take);
  while (isDigit(at(s, p))) p++;
  return [...vals, us, at(s, p) !== 0 ? 1 : 0];
}

/** @param {string} text @returns {number[]} UTF-8 bytes of text */
const bytesOf = (text) => [...new TextEncoder().encode(text)];

/**
 * datetime.fromisoformat(text): the fields, with the offset when one is given; throws
 * (any error) where Python raises ValueError.
 * @param {string} text @returns {Moment}
 */
export function fromIsoFormat(text) {
  const points = [...text];
  if (points.length < 7) throw new Invalid();
  const sep = separatorAt(bytesOf(text), bytesOf(text).length);
  // Python finds the separator by character and accepts any one there, also non-ASCII.
  if (sep >= 0 && sep < points.length && points[sep].length > 0 && (points[sep].codePointAt(0) ?? 0) > 0x7f) {
    points[sep] = "T";
  }
  const s = bytesOf(points.join(""));
  const len = s.length;
  const where = separatorAt(s, len);
  if (where < 0) throw new Invalid();
  const [year, month, day] = parseDate(s, where);
  let hour = 0, minute = 0, second = 0, microsecond = 0;
  /** @type {Moment["offset"]} */
  let offset = null;
  if (len > where) {
    const start = where + 1;
    let tz = start;
    do {
      const c = at(s, tz);
      if (c === 90 || c === 43 || c === 45) break;
    } while (++tz < len);
    const [h, mi, se, us, more] = parseClock(s, start, tz);
    [hour, minute, second, microsecond] = [h, mi, se, us];
    if (tz === len) {
      if (more) throw new Invalid();
    } else if (at(s, tz) === 90) {
      if (at(s, tz + 1) !== 0) throw new Invalid();
      offset = { seconds: 0, microseconds: 0 };
    } else {
      const sign = at(s, tz) === 45 ? -1 : 1;
      const [th, tm, ts, tus, tmore] = parseClock(s, tz + 1, len);
      if (tmore) throw new Invalid();
      offset = { seconds: sign * (th * 3600 + tm * 60 + ts), microseconds: sign * tus };
      const total = Math.abs(offset.seconds * 1e6 + offset.microseconds);
      if (total >= 86400e6) throw new Invalid();
    }
  }
  check(year, month, day, hour, minute, second);
  return { year, month, day, hour, minute, second, microsecond, offset };
}

/**
 * date.fromisoformat(text) as [year, month, day]; throws where Python raises.
 * @param {string} text @returns {[number, number, number]}
 */
export function dateFromIsoFormat(text) {
  const s = bytesOf(text);
  if (![7, 8, 10].includes(s.length)) throw new Invalid();
  const [year, month, day] = parseDate(s, s.length);
  check(year, month, day, 0, 0, 0);
  return [year, month, day];
}

/** @param {number} y @param {number} mo @param {number} d @param {number} h @param {number} mi @param {number} s */
function check(y, mo, d, h, mi, s) {
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 ||
      mi > 59 || s > 59) throw new Invalid();
}

/** @param {number} n @param {number} width */
const pad = (n, width) => String(n).padStart(width, "0");

/** YYYY-MM-DD @param {number} y @param {number} m @param {number} d */
export const isoDate = (y, m, d) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;

/**
 * The moment in UTC as "YYYY-MM-DDTHH:MM:SS.mmmZ" (a time without an offset is UTC);
 * null when it falls outside years 1-9999 (Python: OverflowError, "date value out of range").
 * @param {Moment} m @returns {string | null}
 */
export function utcText(m) {
  const offsetUs = m.offset ? BigInt(m.offset.seconds) * 1000000n + BigInt(m.offset.microseconds) : 0n;
  const dayUs = 86400000000n;
  const localUs = BigInt(days(m.year, m.month, m.day)) * dayUs +
    BigInt(((m.hour * 60 + m.minute) * 60 + m.second)) * 1000000n + BigInt(m.microsecond);
  const utcUs = localUs - offsetUs;
  let dayNumber = utcUs / dayUs;
  let rest = utcUs % dayUs;
  if (rest < 0n) { rest += dayUs; dayNumber -= 1n; }
  const [y, mo, d] = fromDays(Number(dayNumber));
  if (y < 1 || y > 9999) return null;
  const us = Number(rest);
  const totalSeconds = Math.floor(us / 1e6);
  const ms = Math.floor((us % 1e6) / 1000);
  return `${isoDate(y, mo, d)}T${pad(Math.floor(totalSeconds / 3600), 2)}:` +
    `${pad(Math.floor(totalSeconds / 60) % 60, 2)}:${pad(totalSeconds % 60, 2)}.${pad(ms, 3)}Z`;
}
