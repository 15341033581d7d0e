// The record model (kinds, fields, types) and value validation, as engine/schema.py has
// them. The model itself is data: schema.json, exported from engine/schema.py by
// `python -m tests.vectors.generate`. What each field type accepts and how it is written
// is here, deciding exactly as the Python handlers do, with the same error messages
// (tests/vectors/normalize.json holds the two to it).

import schemaData from "./schema.json" with { type: "json" };
import { UnknownKindError, ValidationError } from "./errors.js";
import { dateFromIsoFormat, fromIsoFormat, isoDate, utcText } from "./isotime.js";
import {
  codePointLength, codePointSlice, compareText, isDict, pyRepr, pySplit, pyStrip, reprNumber,
} from "./pyvalue.js";

/**
 * @typedef {{ type: string, act: string, label: string, choices: (string | number)[] }} FieldSpec
 * @typedef {{ root: string, required: string[], search: string[],
 *   fields: Record<string, FieldSpec> }} KindSpec
 */

/** @type {{ kinds: Record<string, KindSpec>, folding: import("./fold.js").FoldingRules }} */
export const SCHEMA = /** @type {any} */ (schemaData);
/** The record kinds, by name. */
export const KINDS = SCHEMA.kinds;

export const MAX_TEXT = 64 * 1024;
export const MAX_NOTE_TEXT = 1024 * 1024;
export const MAX_JSON = 64 * 1024;
export const CUSTOM_PREFIX = "custom.";
export const LINKED_KINDS = ["note", "history", "activity", "opportunity"];

// Python's `$` also matches before a final newline; `\n?$` says the same here.
const ID_RE = /^[A-Za-z0-9{}][A-Za-z0-9_.:{}-]{0,127}\n?$/;
const NOT_SPACE = "[^@|\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const EMAIL_RE = new RegExp(`^${NOT_SPACE}]+@${NOT_SPACE}]+\\.${NOT_SPACE}.]+\\n?$`, "u");
const SPACE = "[\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const PHONE_EXT_RE = new RegExp(
  `^(?<num>.*?)(?:${SPACE}|[,;])*(?:x|ext\\.?|extension|#)${SPACE}*(?<ext>\\p{Nd}{1,10})\\n?$`, "iu");
const PHONE_CHARS_RE = /^[0-9A-Za-z+().\-/ ]+\n?$/;
const CONTROL_RE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const INT_RE = /^[+-]?\p{Nd}{1,18}$/u;
const STATUS_NAMES = /** @type {Record<string, number>} */ ({ open: 0, won: 1, lost: 2, inactive: 3 });
const TRUE = new Set(["true", "yes", "1", "y", "on"]);
const FALSE = new Set(["false", "no", "0", "n", "off"]);

/** A handler's refusal: the message of the ValueError or TypeError Python raises. */
class Refused extends Error {}

/** Set a key on a plain object, also one named "__proto__". @param {Record<string, unknown>} target @param {string} key @param {unknown} value */
export function setKey(target, key, value) {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * The spec of `kind`; UnknownKindError naming the valid kinds.
 * @param {string} kind @returns {KindSpec}
 */
export function kindSpec(kind) {
  if (typeof kind === "string" && Object.hasOwn(KINDS, kind)) return KINDS[kind];
  throw new UnknownKindError(`unknown record kind; use one of ${Object.keys(schemaKindsInOrder()).join(", ")}`,
    { value: kind });
}

// engine/schema.py lists the kinds in this order (schema.json's keys are sorted).
const KIND_ORDER = ["contact", "company", "group", "note", "history", "activity", "opportunity"];
const schemaKindsInOrder = () => Object.fromEntries(KIND_ORDER.map((k) => [k, KINDS[k]]));

/** Is `text` encodable as UTF-8 (no lone surrogates)? @param {string} text */
const utf8Ok = (text) => !LONE_SURROGATE.test(text);

/**
 * `value` if it is an acceptable record id, else ValidationError.
 * @param {unknown} value @param {{ kind?: string | null, field?: string | null }} [where]
 * @returns {string}
 */
export function validateId(value, { kind = null, field = null } = {}) {
  if (typeof value !== "string" || !ID_RE.test(value)) {
    throw new ValidationError("not a valid record id (1-128 letters, digits, _ . : { } -)",
      { kind, field, value });
  }
  return value;
}

/**
 * A usable custom field name (stripped), else ValidationError.
 * @param {unknown} name @param {{ kind: string, recordId: string | null }} where
 */
export function validateCustomName(name, { kind, recordId }) {
  if (typeof name !== "string" || !pyStrip(name) || codePointLength(name) > 100 ||
      name.includes("|") || name.startsWith("_") || CONTROL_RE.test(name) || !utf8Ok(name)) {
    throw new ValidationError(
      "not a valid custom field name (1-100 characters, no '|', not starting with '_')",
      { kind, recordId, field: String(name), value: name });
  }
  return pyStrip(name);
}

/**
 * Validate and normalise `fields` for a record of `kind` (engine/schema.py's
 * normalize_fields): a new object keyed by schema field name, or `custom.<name>` for
 * the fields the schema does not know. null (or undefined, or blank text) clears a
 * field. Throws ValidationError on the first bad value.
 * @param {string} kind @param {Record<string, unknown>} fields
 * @param {{ recordId?: string | null }} [options] @returns {Record<string, unknown>}
 */
export function normalizeFields(kind, fields, { recordId = null } = {}) {
  const spec = kindSpec(kind);
  if (!isDict(fields)) {
    // (Python's callers cannot pass anything else; JavaScript's can.)
    throw new ValidationError("fields must be a mapping of name to value", { kind, recordId, value: fields });
  }
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name === "custom") {
      if (!isDict(value)) {
        throw new ValidationError("custom must be a mapping of name to value",
          { kind, recordId, field: name, value });
      }
      for (const [cname, cvalue] of Object.entries(value)) {
        const key = CUSTOM_PREFIX + validateCustomName(cname, { kind, recordId });
        setKey(out, key, normalizeCustom(kind, recordId, key, cvalue));
      }
    } else if (Object.hasOwn(spec.fields, name)) {
      setKey(out, name, normalizeValue(name, spec.fields[name], value, { kind, recordId }));
    } else if (["id", "deleted", "kind", "members"].includes(name)) {
      throw new ValidationError("is not a field you can set", { kind, recordId, field: name, value });
    } else {
      const bare = name.startsWith(CUSTOM_PREFIX) ? name.slice(CUSTOM_PREFIX.length) : name;
      const key = CUSTOM_PREFIX + validateCustomName(bare, { kind, recordId });
      setKey(out, key, normalizeCustom(kind, recordId, key, value));
    }
  }
  return out;
}

/** @param {string} kind @param {string | null} recordId @param {string} field @param {unknown} value */
function normalizeCustom(kind, recordId, field, value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return checkedText(value, MAX_TEXT, kind, recordId, field);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new ValidationError("must be a finite number", { kind, recordId, field, value });
    }
    return value;
  }
  throw new ValidationError("custom fields hold text, numbers, true/false or nothing",
    { kind, recordId, field, value });
}

/**
 * @param {string} value @param {number} limit @param {string} kind
 * @param {string | null} recordId @param {string} field
 */
function checkedText(value, limit, kind, recordId, field) {
  const text = pyStrip(value);
  if (text.length > limit && codePointLength(text) > limit) {
    throw new ValidationError(`is longer than ${limit} characters`,
      { kind, recordId, field, value: `${codePointSlice(text, 40)}...` });
  }
  if (!utf8Ok(text)) {
    throw new ValidationError("is not valid Unicode text", { kind, recordId, field, value: text });
  }
  return text || null;
}

/**
 * The normal form of one value of field `name`; ValidationError if it is bad.
 * @param {string} name @param {FieldSpec} spec @param {unknown} value
 * @param {{ kind: string, recordId: string | null }} where
 */
export function normalizeValue(name, spec, value, { kind, recordId }) {
  if (value === null || value === undefined ||
      (typeof value === "string" && !pyStrip(value) && spec.type !== "note_text")) {
    return null;
  }
  const handler = HANDLERS[spec.type];
  try {
    return handler(name, spec, value);
  } catch (error) {
    if (error instanceof Refused) {
      throw new ValidationError(error.message, { kind, recordId, field: name, value });
    }
    throw error;
  }
}

/** @param {unknown} value */
function text(value) {
  if (typeof value !== "string") throw new Refused("must be text");
  const stripped = pyStrip(value);
  if (stripped.length > MAX_TEXT && codePointLength(stripped) > MAX_TEXT) {
    throw new Refused(`is longer than ${MAX_TEXT} characters`);
  }
  if (stripped.includes("\x00")) throw new Refused("must not contain NUL characters");
  if (!utf8Ok(stripped)) throw new Refused("is not valid Unicode text");
  return stripped;
}

/** @param {unknown} value */
function noteText(value) {
  if (typeof value !== "string") throw new Refused("must be text");
  if (value.length > MAX_NOTE_TEXT && codePointLength(value) > MAX_NOTE_TEXT) {
    throw new Refused(`is longer than ${MAX_NOTE_TEXT} characters`);
  }
  if (!utf8Ok(value)) throw new Refused("is not valid Unicode text");
  return value;
}

/** @param {unknown} value */
function email(value) {
  const lower = pyLower(text(value));
  if (!EMAIL_RE.test(lower)) throw new Refused("is not an e-mail address");
  return lower;
}

/** str.lower(): JavaScript's, which differs from Python's only in rare cases. @param {string} t */
const pyLower = (t) => t.toLowerCase();

/** Is `ch` a decimal digit of any script (str.isdecimal)? @param {string} ch */
const isDecimal = (ch) => /^\p{Nd}$/u.test(ch);
// The characters Python's str.isdigit() also takes, but int() refuses (superscripts,
// circled digits …), as Python's Unicode database (14.0) lists them.
const DIGIT_ONLY = /^[\u{b2}-\u{b3}\u{b9}\u{1369}-\u{1371}\u{19da}\u{2070}\u{2074}-\u{2079}\u{2080}-\u{2089}\u{2460}-\u{2468}\u{2474}-\u{247c}\u{2488}-\u{2490}\u{24ea}\u{24f5}-\u{24fd}\u{24ff}\u{2776}-\u{277e}\u{2780}-\u{2788}\u{278a}-\u{2792}\u{10a40}-\u{10a43}\u{10e60}-\u{10e68}\u{11052}-\u{1105a}\u{1f100}-\u{1f10a}]$/u;
/** str.isdigit() of one character. @param {string} ch */
const isDigitChar = (ch) => isDecimal(ch) || DIGIT_ONLY.test(ch);

/**
 * Would Python hold this number as an int? JSON does not say; an integral number that
 * JavaScript holds exactly is taken as one, a larger one as the float it must have been.
 * @param {unknown} value @returns {value is number}
 */
const isPyInt = (value) => Number.isSafeInteger(value);

/** @param {unknown} value */
function phone(value) {
  if (isPyInt(value)) value = String(value);
  const whole = pySplit(text(value)).join(" ");
  const match = PHONE_EXT_RE.exec(whole);
  const groups = match?.groups;
  const number = groups ? pyStrip(groups.num) : whole;
  const ext = groups ? groups.ext : null;
  const digitCount = [...number].filter(isDecimal).length;
  if (!PHONE_CHARS_RE.test(number) || digitCount < 3 || codePointLength(whole) > 64) {
    throw new Refused("is not a phone number");
  }
  return ext ? `${number} x${ext}` : number;
}

/** @param {unknown} value */
function datetime(value) {
  if (typeof value !== "string") throw new Refused("must be an ISO-8601 date and time");
  const stripped = pyStrip(value);
  const iso = /[Zz]$/.test(stripped) ? `${stripped.slice(0, -1)}+00:00` : stripped;
  let moment;
  try {
    moment = fromIsoFormat(iso);
  } catch {
    throw new Refused("is not an ISO-8601 date and time");
  }
  const out = utcText(moment);
  if (out === null) throw new Refused("date value out of range");
  return out;
}

/** @param {unknown} value */
function date(value) {
  if (typeof value !== "string") throw new Refused("must be an ISO-8601 date");
  const stripped = pyStrip(value);
  try {
    if (codePointLength(stripped) === 10) return isoDate(...dateFromIsoFormat(stripped));
    const moment = fromIsoFormat(stripped.replace(/[Zz]+$/, ""));
    return isoDate(moment.year, moment.month, moment.day);
  } catch {
    throw new Refused("is not an ISO-8601 date (YYYY-MM-DD)");
  }
}

/** @param {unknown} value */
function bool(value) {
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1; // (JSON 1.0 reads as 1 here; Python refuses the float)
  if (typeof value === "string") {
    const word = pyStrip(value).toLowerCase();
    if (TRUE.has(word) || FALSE.has(word)) return TRUE.has(word);
  }
  throw new Refused("must be true or false");
}

/** The integer a string of decimal digits (any script, as int() reads) stands for. @param {string} t */
function decimalInt(t) {
  let sign = 1;
  let body = t;
  if (body[0] === "+" || body[0] === "-") {
    sign = body[0] === "-" ? -1 : 1;
    body = body.slice(1);
  }
  let n = 0;
  for (const ch of body) n = n * 10 + digitValue(ch);
  return sign * n === 0 ? 0 : sign * n;
}

/** @param {string} ch */
function digitValue(ch) {
  let code = /** @type {number} */ (ch.codePointAt(0));
  let k = 0;
  while (isDecimal(String.fromCodePoint(code - 1))) { code--; k++; }
  return k % 10;
}

/** @param {unknown} value */
function int(value) {
  if (typeof value === "boolean") throw new Refused("must be a whole number");
  if (typeof value === "number" && Number.isInteger(value)) return value === 0 ? 0 : value; // int(-0.0) is 0
  if (typeof value === "string" && INT_RE.test(pyStrip(value))) return decimalInt(pyStrip(value));
  throw new Refused("must be a whole number");
}

const FLOAT_RE = /^[+-]?(?:(?:\d(?:_?\d)*\.(?:\d(?:_?\d)*)?|\.\d(?:_?\d)*|\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf|infinity|nan)$/i;

/** float(text) as Python reads it; Refused with Python's message if it cannot. @param {string} t */
function pyFloat(t) {
  const ascii = [...t].map((ch) => (isDecimal(ch) ? String(digitValue(ch)) : ch)).join("");
  if (!FLOAT_RE.test(ascii)) throw new Refused(`could not convert string to float: ${pyRepr(t)}`);
  const word = ascii.replace(/^[+-]/, "").toLowerCase();
  if (word === "nan") return NaN;
  if (word.startsWith("inf")) return ascii.startsWith("-") ? -Infinity : Infinity;
  return Number(ascii.replaceAll("_", ""));
}

/** @param {unknown} value */
function number(value) {
  if (typeof value === "boolean") throw new Refused("must be a number");
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Refused("must be a finite number");
    return value;
  }
  if (typeof value === "string") {
    const t = pyStrip(value);
    if (INT_RE.test(t)) return decimalInt(t);
    const n = pyFloat(t);
    if (!Number.isFinite(n)) throw new Refused("must be a finite number");
    return n;
  }
  throw new Refused("must be a number");
}

/**
 * Whole minutes as Act! shows a duration: 90 → "1 hour 30 minutes".
 * @param {number | bigint} minutes
 */
export function minutesText(minutes) {
  const whole = BigInt(minutes);
  /** @type {[bigint, string][]} */
  const counts = [[whole / 60n, "hour"], [whole % 60n, "minute"]];
  const parts = counts.filter(([n]) => n !== 0n).map(([n, unit]) => `${n} ${unit}${n === 1n ? "" : "s"}`);
  return parts.join(" ") || "0 minutes";
}

/** @param {unknown} value */
function duration(value) {
  if (typeof value === "boolean") throw new Refused("must be a duration such as '30 minutes'");
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0 || !Number.isInteger(value)) {
      throw new Refused("must be a whole, non-negative number of minutes");
    }
    return minutesText(BigInt(value)); // exact also past 2**53, as Python's int is
  }
  return text(value);
}

/** @param {string} name @param {FieldSpec} spec @param {unknown} value */
function choice(name, spec, value) {
  if (name === "status" && typeof value === "string") {
    const word = pyStrip(value).toLowerCase();
    /** @type {unknown} */
    let found = Object.hasOwn(STATUS_NAMES, word) ? STATUS_NAMES[word] : value;
    const digits = typeof found === "string" ? pyStrip(found) : "";
    if (digits !== "" && [...digits].every(isDigitChar)) {
      if (![...digits].every(isDecimal)) {
        throw new Refused(`invalid literal for int() with base 10: ${pyRepr(digits)}`);
      }
      found = decimalInt(digits);
    }
    value = found;
  }
  if (typeof value === "string") {
    const wanted = pyStrip(value).toLowerCase();
    for (const c of spec.choices) if (typeof c === "string" && c.toLowerCase() === wanted) return c;
  } else if (typeof value === "number") {
    for (const c of spec.choices) if (value === c) return c; // the choice itself
  }
  throw new Refused(`must be one of ${spec.choices.map(String).join(", ")}`);
}

/** @param {unknown} value */
function idOrRefuse(value) {
  if (typeof value !== "string" || !ID_RE.test(value)) {
    throw new Refused(`${pyRepr(value)} is not a valid record id (1-128 letters, digits, _ . : { } -)`);
  }
  return value;
}

/** @param {unknown} value */
function ids(value) {
  if (!Array.isArray(value)) throw new Refused("must be a list of record ids");
  /** @type {Set<string>} */
  const seen = new Set();
  for (let item of value) {
    if (isDict(item)) item = Object.hasOwn(item, "id") ? item.id : null; // Act! links: {id, name}
    seen.add(idOrRefuse(item));
  }
  return [...seen].sort(compareText);
}

/**
 * json.dumps(value, sort_keys=True, allow_nan=False, ensure_ascii=False) as Python
 * writes it (for its length), and the value with its keys in that order.
 * @param {unknown} value @param {Set<object>} open @returns {[string, unknown]}
 */
function dumps(value, open = new Set()) {
  if (value === null) return ["null", null];
  if (value === true || value === false) return [String(value), value];
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Refused("must be plain JSON data");
    return [reprNumber(value), value];
  }
  if (typeof value === "string") {
    if (!utf8Ok(value)) throw new Refused("must be plain JSON data");
    return [JSON.stringify(value), value];
  }
  if (typeof value === "object" && (Array.isArray(value) || isDict(value))) {
    if (open.has(value)) throw new Refused("must be plain JSON data");
    open.add(value);
    try {
      if (Array.isArray(value)) {
        const parts = value.map((v) => dumps(v, open));
        return [`[${parts.map((p) => p[0]).join(", ")}]`, parts.map((p) => p[1])];
      }
      const keys = Object.keys(value).sort(compareText);
      /** @type {Record<string, unknown>} */
      const copy = {};
      const texts = keys.map((k) => {
        if (!utf8Ok(k)) throw new Refused("must be plain JSON data");
        const [t, v] = dumps(value[k], open);
        setKey(copy, k, v);
        return `${JSON.stringify(k)}: ${t}`;
      });
      return [`{${texts.join(", ")}}`, copy];
    } finally {
      open.delete(value);
    }
  }
  throw new Refused("must be plain JSON data");
}

/** @param {unknown} value */
function json(value) {
  const [written, copy] = dumps(value);
  if (written.length > MAX_JSON && codePointLength(written) > MAX_JSON) {
    throw new Refused(`is larger than ${MAX_JSON} bytes of JSON`);
  }
  return copy;
}

/** @type {Record<string, (name: string, spec: FieldSpec, value: unknown) => unknown>} */
const HANDLERS = {
  text: (_n, _s, v) => text(v), note_text: (_n, _s, v) => noteText(v),
  email: (_n, _s, v) => email(v), phone: (_n, _s, v) => phone(v),
  datetime: (_n, _s, v) => datetime(v), date: (_n, _s, v) => date(v),
  bool: (_n, _s, v) => bool(v), int: (_n, _s, v) => int(v), number: (_n, _s, v) => number(v),
  enum: choice, duration: (_n, _s, v) => duration(v), id: (_n, _s, v) => idOrRefuse(
    typeof v === "string" ? pyStrip(v) : v),
  ids: (_n, _s, v) => ids(v), json: (_n, _s, v) => json(v),
};
