// Python's value semantics where the engine's decisions depend on them.
//
// The Python engine compares parsed JSON values with ==, tests them for truth, sorts
// strings by code point, strips and splits on Python's white space and quotes values
// with repr() in its error messages. Deciding exactly as it does means doing the same
// here, not JavaScript's near equivalents (JS sorts strings by UTF-16 unit, trims a BOM,
// and says 1 !== true where Python says 1 == True).

/** Python's str.isspace() characters (what str.strip() and str.split() take away). */
export const PY_SPACE = "\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");
const SPLIT = new RegExp(`[${PY_SPACE}]+`, "u");

/** str.strip() @param {string} text */
export const pyStrip = (text) => text.replace(STRIP, "");

/** str.split() with no separator: words between runs of white space. @param {string} text */
export const pySplit = (text) => text.split(SPLIT).filter((w) => w !== "");

/** len() of a str: code points, not UTF-16 units. @param {string} text */
export function codePointLength(text) {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { n--; i++; }
    }
  }
  return n;
}

/** text[:n] of a str (code points). @param {string} text @param {number} n */
export function codePointSlice(text, n) {
  if (text.length <= n) return text;
  return [...text].slice(0, n).join("");
}

/** Index in UTF-16 units of code point `index` of `text`. @param {string} text @param {number} index */
export function unitOffset(text, index) {
  let units = 0;
  let points = 0;
  while (points < index && units < text.length) {
    const c = text.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < text.length &&
      (text.charCodeAt(units + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    points++;
  }
  return units;
}

/** A UTF-16 unit mapped so that units compare as the code points they belong to. @param {number} c */
const pointOrder = (c) => (c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c);

/**
 * Compare two strings as Python does (by code point): negative, 0 or positive.
 * @param {string} a @param {string} b
 */
export function compareText(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return pointOrder(x) - pointOrder(y);
  }
  return a.length - b.length;
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
export const isDict = (value) =>
  typeof value === "object" && value !== null && !Array.isArray(value) &&
  !(value instanceof Uint8Array);

/**
 * Python's == on parsed JSON values (True == 1, 1 == 1.0, lists and dicts by content).
 * @param {unknown} a @param {unknown} b @returns {boolean}
 */
export function pyEqual(a, b) {
  if (a === b) return a === a || typeof a !== "number"; // NaN != NaN, as in Python
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === "number" || ta === "boolean") && (tb === "number" || tb === "boolean")) {
    return Number(a) === Number(b);
  }
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && pyEqual(a[k], b[k]));
  }
  return false;
}

/** Python's bool() of a parsed JSON value. @param {unknown} value */
export function pyTruthy(value) {
  if (value === null || value === undefined) return false;
  if (typeof value === "number") return value !== 0; // NaN is true in Python
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isDict(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

const NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/** str.isprintable() of one character. @param {string} ch */
const printable = (ch) => ch === " " || !NOT_PRINTABLE.test(ch);

/** str.isprintable() @param {string} text */
export function isPrintable(text) {
  for (const ch of text) if (!printable(ch)) return false;
  return true;
}

/** @param {number} code @param {number} width */
const hex = (code, width) => code.toString(16).padStart(width, "0");

/** repr() of a str. @param {string} text */
function reprText(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = /** @type {number} */ (ch.codePointAt(0));
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x7f || printable(ch)) out += ch;
    else if (code <= 0xff) out += `\\x${hex(code, 2)}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + quote;
}

/**
 * repr() of a number. JSON does not tell 1 from 1.0: integral values print as ints.
 * @param {number} value
 */
export function reprNumber(value) {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  // The shortest digits that read back, laid out as Python's float repr lays them out.
  const [mantissa, exp] = value.toExponential().split("e");
  const e = Number(exp);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (e >= -4 && e < 16) {
    if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
    const whole = digits.padEnd(e + 1, "0");
    const rest = digits.slice(e + 1);
    return `${sign}${whole.slice(0, e + 1)}.${rest || "0"}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/**
 * repr() of a value as Python would print the same JSON value.
 * @param {unknown} value @returns {string}
 */
export function pyRepr(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return reprText(value);
  if (typeof value === "number") return reprNumber(value);
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (isDict(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${reprText(k)}: ${pyRepr(v)}`).join(", ")}}`;
  }
  return reprText(String(value));
}

/** str() of a value: the text itself, else its repr. @param {unknown} value */
export const pyStr = (value) => (typeof value === "string" ? value : pyRepr(value));
