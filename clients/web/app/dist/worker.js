// package.json
var package_default = {
  name: "handsync-web",
  version: "0.1.0",
  private: true,
  description: "The handheld app's engine: handsync's record model, merge rules and sync protocol in JavaScript on Yjs.",
  type: "module",
  engines: {
    node: ">=20"
  },
  scripts: {
    check: "tsc --project tsconfig.json",
    test: "node --test test/"
  },
  dependencies: {
    lib0: "^0.2.114",
    yjs: "^13.6.27"
  },
  devDependencies: {
    "@types/node": "^20.19.0",
    esbuild: "^0.28.2",
    "fake-indexeddb": "^6.2.2",
    typescript: "^5.9.3"
  }
};

// node_modules/lib0/map.js
var create = () => /* @__PURE__ */ new Map();
var copy = (m) => {
  const r = create();
  m.forEach((v, k) => {
    r.set(k, v);
  });
  return r;
};
var setIfUndefined = (map2, key, createT) => {
  let set = map2.get(key);
  if (set === void 0) {
    map2.set(key, set = createT());
  }
  return set;
};
var map = (m, f) => {
  const res = [];
  for (const [key, value] of m) {
    res.push(f(value, key));
  }
  return res;
};
var any = (m, f) => {
  for (const [key, value] of m) {
    if (f(value, key)) {
      return true;
    }
  }
  return false;
};

// node_modules/lib0/set.js
var create2 = () => /* @__PURE__ */ new Set();

// node_modules/lib0/array.js
var last = (arr) => arr[arr.length - 1];
var appendTo = (dest, src) => {
  for (let i = 0; i < src.length; i++) {
    dest.push(src[i]);
  }
};
var from = Array.from;
var every = (arr, f) => {
  for (let i = 0; i < arr.length; i++) {
    if (!f(arr[i], i, arr)) {
      return false;
    }
  }
  return true;
};
var some = (arr, f) => {
  for (let i = 0; i < arr.length; i++) {
    if (f(arr[i], i, arr)) {
      return true;
    }
  }
  return false;
};
var unfold = (len, f) => {
  const array = new Array(len);
  for (let i = 0; i < len; i++) {
    array[i] = f(i, array);
  }
  return array;
};
var isArray = Array.isArray;

// node_modules/lib0/observable.js
var ObservableV2 = class {
  constructor() {
    this._observers = create();
  }
  /**
   * @template {keyof EVENTS & string} NAME
   * @param {NAME} name
   * @param {EVENTS[NAME]} f
   */
  on(name, f) {
    setIfUndefined(
      this._observers,
      /** @type {string} */
      name,
      create2
    ).add(f);
    return f;
  }
  /**
   * @template {keyof EVENTS & string} NAME
   * @param {NAME} name
   * @param {EVENTS[NAME]} f
   */
  once(name, f) {
    const _f = (...args2) => {
      this.off(
        name,
        /** @type {any} */
        _f
      );
      f(...args2);
    };
    this.on(
      name,
      /** @type {any} */
      _f
    );
  }
  /**
   * @template {keyof EVENTS & string} NAME
   * @param {NAME} name
   * @param {EVENTS[NAME]} f
   */
  off(name, f) {
    const observers = this._observers.get(name);
    if (observers !== void 0) {
      observers.delete(f);
      if (observers.size === 0) {
        this._observers.delete(name);
      }
    }
  }
  /**
   * Emit a named event. All registered event listeners that listen to the
   * specified name will receive the event.
   *
   * @todo This should catch exceptions
   *
   * @template {keyof EVENTS & string} NAME
   * @param {NAME} name The event name.
   * @param {Parameters<EVENTS[NAME]>} args The arguments that are applied to the event listener.
   */
  emit(name, args2) {
    return from((this._observers.get(name) || create()).values()).forEach((f) => f(...args2));
  }
  destroy() {
    this._observers = create();
  }
};

// node_modules/lib0/math.js
var floor = Math.floor;
var abs = Math.abs;
var min = (a, b) => a < b ? a : b;
var max = (a, b) => a > b ? a : b;
var isNaN = Number.isNaN;
var isNegativeZero = (n) => n !== 0 ? n < 0 : 1 / n < 0;

// node_modules/lib0/binary.js
var BIT1 = 1;
var BIT2 = 2;
var BIT3 = 4;
var BIT4 = 8;
var BIT6 = 32;
var BIT7 = 64;
var BIT8 = 128;
var BIT18 = 1 << 17;
var BIT19 = 1 << 18;
var BIT20 = 1 << 19;
var BIT21 = 1 << 20;
var BIT22 = 1 << 21;
var BIT23 = 1 << 22;
var BIT24 = 1 << 23;
var BIT25 = 1 << 24;
var BIT26 = 1 << 25;
var BIT27 = 1 << 26;
var BIT28 = 1 << 27;
var BIT29 = 1 << 28;
var BIT30 = 1 << 29;
var BIT31 = 1 << 30;
var BIT32 = 1 << 31;
var BITS5 = 31;
var BITS6 = 63;
var BITS7 = 127;
var BITS17 = BIT18 - 1;
var BITS18 = BIT19 - 1;
var BITS19 = BIT20 - 1;
var BITS20 = BIT21 - 1;
var BITS21 = BIT22 - 1;
var BITS22 = BIT23 - 1;
var BITS23 = BIT24 - 1;
var BITS24 = BIT25 - 1;
var BITS25 = BIT26 - 1;
var BITS26 = BIT27 - 1;
var BITS27 = BIT28 - 1;
var BITS28 = BIT29 - 1;
var BITS29 = BIT30 - 1;
var BITS30 = BIT31 - 1;
var BITS31 = 2147483647;

// node_modules/lib0/number.js
var MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;
var MIN_SAFE_INTEGER = Number.MIN_SAFE_INTEGER;
var LOWEST_INT32 = 1 << 31;
var isInteger = Number.isInteger || ((num) => typeof num === "number" && isFinite(num) && floor(num) === num);
var isNaN2 = Number.isNaN;
var parseInt = Number.parseInt;

// node_modules/lib0/string.js
var fromCharCode = String.fromCharCode;
var fromCodePoint = String.fromCodePoint;
var MAX_UTF16_CHARACTER = fromCharCode(65535);
var toLowerCase = (s) => s.toLowerCase();
var trimLeftRegex = /^\s*/g;
var trimLeft = (s) => s.replace(trimLeftRegex, "");
var fromCamelCaseRegex = /([A-Z])/g;
var fromCamelCase = (s, separator) => trimLeft(s.replace(fromCamelCaseRegex, (match2) => `${separator}${toLowerCase(match2)}`));
var _encodeUtf8Polyfill = (str) => {
  const encodedString = unescape(encodeURIComponent(str));
  const len = encodedString.length;
  const buf = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    buf[i] = /** @type {number} */
    encodedString.codePointAt(i);
  }
  return buf;
};
var utf8TextEncoder = (
  /** @type {TextEncoder} */
  typeof TextEncoder !== "undefined" ? new TextEncoder() : null
);
var _encodeUtf8Native = (str) => utf8TextEncoder.encode(str);
var encodeUtf8 = utf8TextEncoder ? _encodeUtf8Native : _encodeUtf8Polyfill;
var utf8TextDecoder = typeof TextDecoder === "undefined" ? null : new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
if (utf8TextDecoder && utf8TextDecoder.decode(new Uint8Array()).length === 1) {
  utf8TextDecoder = null;
}
var repeat = (source, n) => unfold(n, () => source).join("");

// node_modules/lib0/encoding.js
var Encoder = class {
  constructor() {
    this.cpos = 0;
    this.cbuf = new Uint8Array(100);
    this.bufs = [];
  }
};
var createEncoder = () => new Encoder();
var length = (encoder) => {
  let len = encoder.cpos;
  for (let i = 0; i < encoder.bufs.length; i++) {
    len += encoder.bufs[i].length;
  }
  return len;
};
var toUint8Array = (encoder) => {
  const uint8arr = new Uint8Array(length(encoder));
  let curPos = 0;
  for (let i = 0; i < encoder.bufs.length; i++) {
    const d = encoder.bufs[i];
    uint8arr.set(d, curPos);
    curPos += d.length;
  }
  uint8arr.set(new Uint8Array(encoder.cbuf.buffer, 0, encoder.cpos), curPos);
  return uint8arr;
};
var verifyLen = (encoder, len) => {
  const bufferLen = encoder.cbuf.length;
  if (bufferLen - encoder.cpos < len) {
    encoder.bufs.push(new Uint8Array(encoder.cbuf.buffer, 0, encoder.cpos));
    encoder.cbuf = new Uint8Array(max(bufferLen, len) * 2);
    encoder.cpos = 0;
  }
};
var write = (encoder, num) => {
  const bufferLen = encoder.cbuf.length;
  if (encoder.cpos === bufferLen) {
    encoder.bufs.push(encoder.cbuf);
    encoder.cbuf = new Uint8Array(bufferLen * 2);
    encoder.cpos = 0;
  }
  encoder.cbuf[encoder.cpos++] = num;
};
var writeUint8 = write;
var writeVarUint = (encoder, num) => {
  while (num > BITS7) {
    write(encoder, BIT8 | BITS7 & num);
    num = floor(num / 128);
  }
  write(encoder, BITS7 & num);
};
var writeVarInt = (encoder, num) => {
  const isNegative = isNegativeZero(num);
  if (isNegative) {
    num = -num;
  }
  write(encoder, (num > BITS6 ? BIT8 : 0) | (isNegative ? BIT7 : 0) | BITS6 & num);
  num = floor(num / 64);
  while (num > 0) {
    write(encoder, (num > BITS7 ? BIT8 : 0) | BITS7 & num);
    num = floor(num / 128);
  }
};
var _strBuffer = new Uint8Array(3e4);
var _maxStrBSize = _strBuffer.length / 3;
var _writeVarStringNative = (encoder, str) => {
  if (str.length < _maxStrBSize) {
    const written = utf8TextEncoder.encodeInto(str, _strBuffer).written || 0;
    writeVarUint(encoder, written);
    for (let i = 0; i < written; i++) {
      write(encoder, _strBuffer[i]);
    }
  } else {
    writeVarUint8Array(encoder, encodeUtf8(str));
  }
};
var _writeVarStringPolyfill = (encoder, str) => {
  const encodedString = unescape(encodeURIComponent(str));
  const len = encodedString.length;
  writeVarUint(encoder, len);
  for (let i = 0; i < len; i++) {
    write(
      encoder,
      /** @type {number} */
      encodedString.codePointAt(i)
    );
  }
};
var writeVarString = utf8TextEncoder && /** @type {any} */
utf8TextEncoder.encodeInto ? _writeVarStringNative : _writeVarStringPolyfill;
var writeUint8Array = (encoder, uint8Array) => {
  const bufferLen = encoder.cbuf.length;
  const cpos = encoder.cpos;
  const leftCopyLen = min(bufferLen - cpos, uint8Array.length);
  const rightCopyLen = uint8Array.length - leftCopyLen;
  encoder.cbuf.set(uint8Array.subarray(0, leftCopyLen), cpos);
  encoder.cpos += leftCopyLen;
  if (rightCopyLen > 0) {
    encoder.bufs.push(encoder.cbuf);
    encoder.cbuf = new Uint8Array(max(bufferLen * 2, rightCopyLen));
    encoder.cbuf.set(uint8Array.subarray(leftCopyLen));
    encoder.cpos = rightCopyLen;
  }
};
var writeVarUint8Array = (encoder, uint8Array) => {
  writeVarUint(encoder, uint8Array.byteLength);
  writeUint8Array(encoder, uint8Array);
};
var writeOnDataView = (encoder, len) => {
  verifyLen(encoder, len);
  const dview = new DataView(encoder.cbuf.buffer, encoder.cpos, len);
  encoder.cpos += len;
  return dview;
};
var writeFloat32 = (encoder, num) => writeOnDataView(encoder, 4).setFloat32(0, num, false);
var writeFloat64 = (encoder, num) => writeOnDataView(encoder, 8).setFloat64(0, num, false);
var writeBigInt64 = (encoder, num) => (
  /** @type {any} */
  writeOnDataView(encoder, 8).setBigInt64(0, num, false)
);
var floatTestBed = new DataView(new ArrayBuffer(4));
var isFloat32 = (num) => {
  floatTestBed.setFloat32(0, num);
  return floatTestBed.getFloat32(0) === num;
};
var writeAny = (encoder, data) => {
  switch (typeof data) {
    case "string":
      write(encoder, 119);
      writeVarString(encoder, data);
      break;
    case "number":
      if (isInteger(data) && abs(data) <= BITS31) {
        write(encoder, 125);
        writeVarInt(encoder, data);
      } else if (isFloat32(data)) {
        write(encoder, 124);
        writeFloat32(encoder, data);
      } else {
        write(encoder, 123);
        writeFloat64(encoder, data);
      }
      break;
    case "bigint":
      write(encoder, 122);
      writeBigInt64(encoder, data);
      break;
    case "object":
      if (data === null) {
        write(encoder, 126);
      } else if (isArray(data)) {
        write(encoder, 117);
        writeVarUint(encoder, data.length);
        for (let i = 0; i < data.length; i++) {
          writeAny(encoder, data[i]);
        }
      } else if (data instanceof Uint8Array) {
        write(encoder, 116);
        writeVarUint8Array(encoder, data);
      } else {
        write(encoder, 118);
        const keys2 = Object.keys(data);
        writeVarUint(encoder, keys2.length);
        for (let i = 0; i < keys2.length; i++) {
          const key = keys2[i];
          writeVarString(encoder, key);
          writeAny(encoder, data[key]);
        }
      }
      break;
    case "boolean":
      write(encoder, data ? 120 : 121);
      break;
    default:
      write(encoder, 127);
  }
};
var RleEncoder = class extends Encoder {
  /**
   * @param {function(Encoder, T):void} writer
   */
  constructor(writer) {
    super();
    this.w = writer;
    this.s = null;
    this.count = 0;
  }
  /**
   * @param {T} v
   */
  write(v) {
    if (this.s === v) {
      this.count++;
    } else {
      if (this.count > 0) {
        writeVarUint(this, this.count - 1);
      }
      this.count = 1;
      this.w(this, v);
      this.s = v;
    }
  }
};
var flushUintOptRleEncoder = (encoder) => {
  if (encoder.count > 0) {
    writeVarInt(encoder.encoder, encoder.count === 1 ? encoder.s : -encoder.s);
    if (encoder.count > 1) {
      writeVarUint(encoder.encoder, encoder.count - 2);
    }
  }
};
var UintOptRleEncoder = class {
  constructor() {
    this.encoder = new Encoder();
    this.s = 0;
    this.count = 0;
  }
  /**
   * @param {number} v
   */
  write(v) {
    if (this.s === v) {
      this.count++;
    } else {
      flushUintOptRleEncoder(this);
      this.count = 1;
      this.s = v;
    }
  }
  /**
   * Flush the encoded state and transform this to a Uint8Array.
   *
   * Note that this should only be called once.
   */
  toUint8Array() {
    flushUintOptRleEncoder(this);
    return toUint8Array(this.encoder);
  }
};
var flushIntDiffOptRleEncoder = (encoder) => {
  if (encoder.count > 0) {
    const encodedDiff = encoder.diff * 2 + (encoder.count === 1 ? 0 : 1);
    writeVarInt(encoder.encoder, encodedDiff);
    if (encoder.count > 1) {
      writeVarUint(encoder.encoder, encoder.count - 2);
    }
  }
};
var IntDiffOptRleEncoder = class {
  constructor() {
    this.encoder = new Encoder();
    this.s = 0;
    this.count = 0;
    this.diff = 0;
  }
  /**
   * @param {number} v
   */
  write(v) {
    if (this.diff === v - this.s) {
      this.s = v;
      this.count++;
    } else {
      flushIntDiffOptRleEncoder(this);
      this.count = 1;
      this.diff = v - this.s;
      this.s = v;
    }
  }
  /**
   * Flush the encoded state and transform this to a Uint8Array.
   *
   * Note that this should only be called once.
   */
  toUint8Array() {
    flushIntDiffOptRleEncoder(this);
    return toUint8Array(this.encoder);
  }
};
var StringEncoder = class {
  constructor() {
    this.sarr = [];
    this.s = "";
    this.lensE = new UintOptRleEncoder();
  }
  /**
   * @param {string} string
   */
  write(string) {
    this.s += string;
    if (this.s.length > 19) {
      this.sarr.push(this.s);
      this.s = "";
    }
    this.lensE.write(string.length);
  }
  toUint8Array() {
    const encoder = new Encoder();
    this.sarr.push(this.s);
    this.s = "";
    writeVarString(encoder, this.sarr.join(""));
    writeUint8Array(encoder, this.lensE.toUint8Array());
    return toUint8Array(encoder);
  }
};

// node_modules/lib0/error.js
var create3 = (s) => new Error(s);
var methodUnimplemented = () => {
  throw create3("Method unimplemented");
};
var unexpectedCase = () => {
  throw create3("Unexpected case");
};

// node_modules/lib0/decoding.js
var errorUnexpectedEndOfArray = create3("Unexpected end of array");
var errorIntegerOutOfRange = create3("Integer out of Range");
var subarray = (arr, begin, len) => {
  if (begin < 0 || len < 0 || begin + len > arr.length) {
    throw errorUnexpectedEndOfArray;
  }
  return new Uint8Array(arr.buffer, arr.byteOffset + begin, len);
};
var subdataview = (arr, begin, len) => {
  if (begin < 0 || len < 0 || begin + len > arr.length) {
    throw errorUnexpectedEndOfArray;
  }
  return new DataView(arr.buffer, arr.byteOffset + begin, len);
};
var Decoder = class {
  /**
   * @param {Uint8Array<Buf>} uint8Array Binary data to decode
   */
  constructor(uint8Array) {
    this.arr = uint8Array;
    this.pos = 0;
  }
};
var createDecoder = (uint8Array) => new Decoder(uint8Array);
var hasContent = (decoder) => decoder.pos !== decoder.arr.length;
var readUint8Array = (decoder, len) => {
  const view = subarray(decoder.arr, decoder.pos, len);
  decoder.pos += len;
  return view;
};
var readVarUint8Array = (decoder) => readUint8Array(decoder, readVarUint(decoder));
var readUint8 = (decoder) => decoder.arr[decoder.pos++];
var readVarUint = (decoder) => {
  let num = 0;
  let mult = 1;
  const len = decoder.arr.length;
  while (decoder.pos < len) {
    const r = decoder.arr[decoder.pos++];
    num = num + (r & BITS7) * mult;
    mult *= 128;
    if (r < BIT8) {
      return num;
    }
    if (num > MAX_SAFE_INTEGER) {
      throw errorIntegerOutOfRange;
    }
  }
  throw errorUnexpectedEndOfArray;
};
var readVarInt = (decoder) => {
  let r = decoder.arr[decoder.pos++];
  let num = r & BITS6;
  let mult = 64;
  const sign = (r & BIT7) > 0 ? -1 : 1;
  if ((r & BIT8) === 0) {
    return sign * num;
  }
  const len = decoder.arr.length;
  while (decoder.pos < len) {
    r = decoder.arr[decoder.pos++];
    num = num + (r & BITS7) * mult;
    mult *= 128;
    if (r < BIT8) {
      return sign * num;
    }
    if (num > MAX_SAFE_INTEGER) {
      throw errorIntegerOutOfRange;
    }
  }
  throw errorUnexpectedEndOfArray;
};
var _readVarStringPolyfill = (decoder) => {
  let remainingLen = readVarUint(decoder);
  if (remainingLen === 0) {
    return "";
  } else {
    let encodedString = String.fromCodePoint(readUint8(decoder));
    if (--remainingLen < 100) {
      while (remainingLen--) {
        encodedString += String.fromCodePoint(readUint8(decoder));
      }
    } else {
      while (remainingLen > 0) {
        const nextLen = remainingLen < 1e4 ? remainingLen : 1e4;
        const bytes = decoder.arr.subarray(decoder.pos, decoder.pos + nextLen);
        decoder.pos += nextLen;
        encodedString += String.fromCodePoint.apply(
          null,
          /** @type {any} */
          bytes
        );
        remainingLen -= nextLen;
      }
    }
    return decodeURIComponent(escape(encodedString));
  }
};
var _readVarStringNative = (decoder) => (
  /** @type any */
  utf8TextDecoder.decode(readVarUint8Array(decoder))
);
var readVarString = utf8TextDecoder ? _readVarStringNative : _readVarStringPolyfill;
var readFromDataView = (decoder, len) => {
  const dv = subdataview(decoder.arr, decoder.pos, len);
  decoder.pos += len;
  return dv;
};
var readFloat32 = (decoder) => readFromDataView(decoder, 4).getFloat32(0, false);
var readFloat64 = (decoder) => readFromDataView(decoder, 8).getFloat64(0, false);
var readBigInt64 = (decoder) => (
  /** @type {any} */
  readFromDataView(decoder, 8).getBigInt64(0, false)
);
var readAnyLookupTable = [
  (decoder) => void 0,
  // CASE 127: undefined
  (decoder) => null,
  // CASE 126: null
  readVarInt,
  // CASE 125: integer
  readFloat32,
  // CASE 124: float32
  readFloat64,
  // CASE 123: float64
  readBigInt64,
  // CASE 122: bigint
  (decoder) => false,
  // CASE 121: boolean (false)
  (decoder) => true,
  // CASE 120: boolean (true)
  readVarString,
  // CASE 119: string
  (decoder) => {
    const len = readVarUint(decoder);
    const obj = {};
    for (let i = 0; i < len; i++) {
      const key = readVarString(decoder);
      obj[key] = readAny(decoder);
    }
    return obj;
  },
  (decoder) => {
    const len = readVarUint(decoder);
    const arr = [];
    for (let i = 0; i < len; i++) {
      arr.push(readAny(decoder));
    }
    return arr;
  },
  readVarUint8Array
  // CASE 116: Uint8Array
];
var readAny = (decoder) => readAnyLookupTable[127 - readUint8(decoder)](decoder);
var RleDecoder = class extends Decoder {
  /**
   * @param {Uint8Array} uint8Array
   * @param {function(Decoder):T} reader
   */
  constructor(uint8Array, reader) {
    super(uint8Array);
    this.reader = reader;
    this.s = null;
    this.count = 0;
  }
  read() {
    if (this.count === 0) {
      this.s = this.reader(this);
      if (hasContent(this)) {
        this.count = readVarUint(this) + 1;
      } else {
        this.count = -1;
      }
    }
    this.count--;
    return (
      /** @type {T} */
      this.s
    );
  }
};
var UintOptRleDecoder = class extends Decoder {
  /**
   * @param {Uint8Array} uint8Array
   */
  constructor(uint8Array) {
    super(uint8Array);
    this.s = 0;
    this.count = 0;
  }
  read() {
    if (this.count === 0) {
      this.s = readVarInt(this);
      const isNegative = isNegativeZero(this.s);
      this.count = 1;
      if (isNegative) {
        this.s = -this.s;
        this.count = readVarUint(this) + 2;
      }
    }
    this.count--;
    return (
      /** @type {number} */
      this.s
    );
  }
};
var IntDiffOptRleDecoder = class extends Decoder {
  /**
   * @param {Uint8Array} uint8Array
   */
  constructor(uint8Array) {
    super(uint8Array);
    this.s = 0;
    this.count = 0;
    this.diff = 0;
  }
  /**
   * @return {number}
   */
  read() {
    if (this.count === 0) {
      const diff = readVarInt(this);
      const hasCount = diff & 1;
      this.diff = floor(diff / 2);
      this.count = 1;
      if (hasCount) {
        this.count = readVarUint(this) + 2;
      }
    }
    this.s += this.diff;
    this.count--;
    return this.s;
  }
};
var StringDecoder = class {
  /**
   * @param {Uint8Array} uint8Array
   */
  constructor(uint8Array) {
    this.decoder = new UintOptRleDecoder(uint8Array);
    this.str = readVarString(this.decoder);
    this.spos = 0;
  }
  /**
   * @return {string}
   */
  read() {
    const end = this.spos + this.decoder.read();
    const res = this.str.slice(this.spos, end);
    this.spos = end;
    return res;
  }
};

// node_modules/lib0/webcrypto.js
var subtle = crypto.subtle;
var getRandomValues = crypto.getRandomValues.bind(crypto);

// node_modules/lib0/random.js
var uint32 = () => getRandomValues(new Uint32Array(1))[0];
var uuidv4Template = "10000000-1000-4000-8000" + -1e11;
var uuidv4 = () => uuidv4Template.replace(
  /[018]/g,
  /** @param {number} c */
  (c) => (c ^ uint32() & 15 >> c / 4).toString(16)
);

// node_modules/lib0/time.js
var getUnixTime = Date.now;

// node_modules/lib0/promise.js
var create4 = (f) => (
  /** @type {Promise<T>} */
  new Promise(f)
);
var all = Promise.all.bind(Promise);

// node_modules/lib0/conditions.js
var undefinedToNull = (v) => v === void 0 ? null : v;

// node_modules/lib0/storage.js
var VarStoragePolyfill = class {
  constructor() {
    this.map = /* @__PURE__ */ new Map();
  }
  /**
   * @param {string} key
   * @param {any} newValue
   */
  setItem(key, newValue) {
    this.map.set(key, newValue);
  }
  /**
   * @param {string} key
   */
  getItem(key) {
    return this.map.get(key);
  }
};
var _localStorage = new VarStoragePolyfill();
var usePolyfill = true;
try {
  if (typeof window !== "undefined" && typeof localStorage !== "undefined" && localStorage) {
    _localStorage = localStorage;
    usePolyfill = false;
  }
} catch (e) {
}
var varStorage = _localStorage;

// node_modules/lib0/trait/equality.js
var EqualityTraitSymbol = /* @__PURE__ */ Symbol("Equality");
var equals = (a, b) => a === b || !!a?.[EqualityTraitSymbol]?.(b) || false;

// node_modules/lib0/object.js
var isObject = (o) => typeof o === "object";
var assign = Object.assign;
var keys = Object.keys;
var forEach = (obj, f) => {
  for (const key in obj) {
    f(obj[key], key);
  }
};
var size = (obj) => keys(obj).length;
var isEmpty = (obj) => {
  for (const _k in obj) {
    return false;
  }
  return true;
};
var every2 = (obj, f) => {
  for (const key in obj) {
    if (!f(obj[key], key)) {
      return false;
    }
  }
  return true;
};
var hasProperty = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
var equalFlat = (a, b) => a === b || size(a) === size(b) && every2(a, (val, key) => (val !== void 0 || hasProperty(b, key)) && equals(b[key], val));
var freeze = Object.freeze;
var deepFreeze = (o) => {
  for (const key in o) {
    const c = o[key];
    if (typeof c === "object" || typeof c === "function") {
      deepFreeze(o[key]);
    }
  }
  return freeze(o);
};

// node_modules/lib0/function.js
var callAll = (fs, args2, i = 0) => {
  try {
    for (; i < fs.length; i++) {
      fs[i](...args2);
    }
  } finally {
    if (i < fs.length) {
      callAll(fs, args2, i + 1);
    }
  }
};
var id = (a) => a;
var equalityDeep = (a, b) => {
  if (a === b) {
    return true;
  }
  if (a == null || b == null || a.constructor !== b.constructor && (a.constructor || Object) !== (b.constructor || Object)) {
    return false;
  }
  if (a[EqualityTraitSymbol] != null) {
    return a[EqualityTraitSymbol](b);
  }
  switch (a.constructor) {
    case ArrayBuffer:
      a = new Uint8Array(a);
      b = new Uint8Array(b);
    // eslint-disable-next-line no-fallthrough
    case Uint8Array: {
      if (a.byteLength !== b.byteLength) {
        return false;
      }
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i]) {
          return false;
        }
      }
      break;
    }
    case Set: {
      if (a.size !== b.size) {
        return false;
      }
      for (const value of a) {
        if (!b.has(value)) {
          return false;
        }
      }
      break;
    }
    case Map: {
      if (a.size !== b.size) {
        return false;
      }
      for (const key of a.keys()) {
        if (!b.has(key) || !equalityDeep(a.get(key), b.get(key))) {
          return false;
        }
      }
      break;
    }
    case void 0:
    case Object:
      if (size(a) !== size(b)) {
        return false;
      }
      for (const key in a) {
        if (!hasProperty(a, key) || !equalityDeep(a[key], b[key])) {
          return false;
        }
      }
      break;
    case Array:
      if (a.length !== b.length) {
        return false;
      }
      for (let i = 0; i < a.length; i++) {
        if (!equalityDeep(a[i], b[i])) {
          return false;
        }
      }
      break;
    default:
      return false;
  }
  return true;
};
var isOneOf = (value, options) => options.includes(value);

// node_modules/lib0/environment.js
var isNode = typeof process !== "undefined" && process.release && /node|io\.js/.test(process.release.name) && Object.prototype.toString.call(typeof process !== "undefined" ? process : 0) === "[object process]";
var isMac = typeof navigator !== "undefined" ? /Mac/.test(navigator.platform) : false;
var params;
var args = [];
var computeParams = () => {
  if (params === void 0) {
    if (isNode) {
      params = create();
      const pargs = process.argv;
      let currParamName = null;
      for (let i = 0; i < pargs.length; i++) {
        const parg = pargs[i];
        if (parg[0] === "-") {
          if (currParamName !== null) {
            params.set(currParamName, "");
          }
          currParamName = parg;
        } else {
          if (currParamName !== null) {
            params.set(currParamName, parg);
            currParamName = null;
          } else {
            args.push(parg);
          }
        }
      }
      if (currParamName !== null) {
        params.set(currParamName, "");
      }
    } else if (typeof location === "object") {
      params = create();
      (location.search || "?").slice(1).split("&").forEach((kv) => {
        if (kv.length !== 0) {
          const [key, value] = kv.split("=");
          params.set(`--${fromCamelCase(key, "-")}`, value);
          params.set(`-${fromCamelCase(key, "-")}`, value);
        }
      });
    } else {
      params = create();
    }
  }
  return params;
};
var hasParam = (name) => computeParams().has(name);
var getVariable = (name) => isNode ? undefinedToNull(process.env[name.toUpperCase().replaceAll("-", "_")]) : undefinedToNull(varStorage.getItem(name));
var hasConf = (name) => hasParam("--" + name) || getVariable(name) !== null;
var production = hasConf("production");
var forceColor = isNode && isOneOf(process.env.FORCE_COLOR, ["true", "1", "2"]);
var supportsColor = forceColor || !hasParam("--no-colors") && // @todo deprecate --no-colors
!hasConf("no-color") && (!isNode || process.stdout.isTTY) && (!isNode || hasParam("--color") || getVariable("COLORTERM") !== null || (getVariable("TERM") || "").includes("color"));

// node_modules/lib0/buffer.js
var createUint8ArrayFromLen = (len) => new Uint8Array(len);
var copyUint8Array = (uint8Array) => {
  const newBuf = createUint8ArrayFromLen(uint8Array.byteLength);
  newBuf.set(uint8Array);
  return newBuf;
};

// node_modules/lib0/pair.js
var Pair = class {
  /**
   * @param {L} left
   * @param {R} right
   */
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }
};
var create5 = (left, right) => new Pair(left, right);

// node_modules/lib0/prng.js
var bool = (gen) => gen.next() >= 0.5;
var int53 = (gen, min2, max2) => floor(gen.next() * (max2 + 1 - min2) + min2);
var int32 = (gen, min2, max2) => floor(gen.next() * (max2 + 1 - min2) + min2);
var int31 = (gen, min2, max2) => int32(gen, min2, max2);
var letter = (gen) => fromCharCode(int31(gen, 97, 122));
var word = (gen, minLen = 0, maxLen = 20) => {
  const len = int31(gen, minLen, maxLen);
  let str = "";
  for (let i = 0; i < len; i++) {
    str += letter(gen);
  }
  return str;
};
var oneOf = (gen, array) => array[int31(gen, 0, array.length - 1)];

// node_modules/lib0/schema.js
var schemaSymbol = /* @__PURE__ */ Symbol("0schema");
var ValidationError = class {
  constructor() {
    this._rerrs = [];
  }
  /**
   * @param {string?} path
   * @param {string} expected
   * @param {string} has
   * @param {string?} message
   */
  extend(path, expected, has, message = null) {
    this._rerrs.push({ path, expected, has, message });
  }
  toString() {
    const s = [];
    for (let i = this._rerrs.length - 1; i > 0; i--) {
      const r = this._rerrs[i];
      s.push(repeat(" ", (this._rerrs.length - i) * 2) + `${r.path != null ? `[${r.path}] ` : ""}${r.has} doesn't match ${r.expected}. ${r.message}`);
    }
    return s.join("\n");
  }
};
var shapeExtends = (a, b) => {
  if (a === b) return true;
  if (a == null || b == null || a.constructor !== b.constructor) return false;
  if (a[EqualityTraitSymbol]) return equals(a, b);
  if (isArray(a)) {
    return every(
      a,
      (aitem) => some(b, (bitem) => shapeExtends(aitem, bitem))
    );
  } else if (isObject(a)) {
    return every2(
      a,
      (aitem, akey) => shapeExtends(aitem, b[akey])
    );
  }
  return false;
};
var Schema = class {
  // this.shape must not be defined on Schema. Otherwise typecheck on metatypes (e.g. $$object) won't work as expected anymore
  /**
   * If true, the more things are added to the shape the more objects this schema will accept (e.g.
   * union). By default, the more objects are added, the the fewer objects this schema will accept.
   * @protected
   */
  static _dilutes = false;
  /**
   * @param {Schema<any>} other
   */
  extends(other) {
    let [a, b] = [
      /** @type {any} */
      this.shape,
      /** @type {any} */
      other.shape
    ];
    if (
      /** @type {typeof Schema<any>} */
      this.constructor._dilutes
    ) [b, a] = [a, b];
    return shapeExtends(a, b);
  }
  /**
   * Overwrite this when necessary. By default, we only check the `shape` property which every shape
   * should have.
   * @param {Schema<any>} other
   */
  equals(other) {
    return this.constructor === other.constructor && equalityDeep(this.shape, other.shape);
  }
  [schemaSymbol]() {
    return true;
  }
  /**
   * @param {object} other
   */
  [EqualityTraitSymbol](other) {
    return this.equals(
      /** @type {any} */
      other
    );
  }
  /**
   * Use `schema.validate(obj)` with a typed parameter that is already of typed to be an instance of
   * Schema. Validate will check the structure of the parameter and return true iff the instance
   * really is an instance of Schema.
   *
   * @param {T} o
   * @return {boolean}
   */
  validate(o) {
    return this.check(o);
  }
  /* c8 ignore start */
  /**
   * Similar to validate, but this method accepts untyped parameters.
   *
   * @param {any} _o
   * @param {ValidationError} [_err]
   * @return {_o is T}
   */
  check(_o, _err) {
    methodUnimplemented();
  }
  /* c8 ignore stop */
  /**
   * @type {Schema<T?>}
   */
  get nullable() {
    return $union(this, $null);
  }
  /**
   * @type {$Optional<Schema<T>>}
   */
  get optional() {
    return new $Optional(
      /** @type {Schema<T>} */
      this
    );
  }
  /**
   * Cast a variable to a specific type. Returns the casted value, or throws an exception otherwise.
   * Use this if you know that the type is of a specific type and you just want to convince the type
   * system.
   *
   * **Do not rely on these error messages!**
   * Performs an assertion check only if not in a production environment.
   *
   * @template OO
   * @param {OO} o
   * @return {Extract<OO, T> extends never ? T : (OO extends Array<never> ? T : Extract<OO,T>)}
   */
  cast(o) {
    assert(o, this);
    return (
      /** @type {any} */
      o
    );
  }
  /**
   * EXPECTO PATRONUM!! 🪄
   * This function protects against type errors. Though it may not work in the real world.
   *
   * "After all this time?"
   * "Always." - Snape, talking about type safety
   *
   * Ensures that a variable is a a specific type. Returns the value, or throws an exception if the assertion check failed.
   * Use this if you know that the type is of a specific type and you just want to convince the type
   * system.
   *
   * Can be useful when defining lambdas: `s.lambda(s.$number, s.$void).expect((n) => n + 1)`
   *
   * **Do not rely on these error messages!**
   * Performs an assertion check if not in a production environment.
   *
   * @param {T} o
   * @return {o extends T ? T : never}
   */
  expect(o) {
    assert(o, this);
    return o;
  }
};
var $ConstructedBy = class extends Schema {
  /**
   * @param {C} c
   * @param {((o:Instance<C>)=>boolean)|null} check
   */
  constructor(c, check2) {
    super();
    this.shape = c;
    this._c = check2;
  }
  /**
   * @param {any} o
   * @param {ValidationError} [err]
   * @return {o is C extends ((...args:any[]) => infer T) ? T : (C extends (new (...args:any[]) => any) ? InstanceType<C> : never)} o
   */
  check(o, err = void 0) {
    const c = o?.constructor === this.shape && (this._c == null || this._c(o));
    !c && err?.extend(null, this.shape.name, o?.constructor.name, o?.constructor !== this.shape ? "Constructor match failed" : "Check failed");
    return c;
  }
};
var $constructedBy = (c, check2 = null) => new $ConstructedBy(c, check2);
var $$constructedBy = $constructedBy($ConstructedBy);
var $Custom = class extends Schema {
  /**
   * @param {(o:any) => boolean} check
   */
  constructor(check2) {
    super();
    this.shape = check2;
  }
  /**
   * @param {any} o
   * @param {ValidationError} err
   * @return {o is any}
   */
  check(o, err) {
    const c = this.shape(o);
    !c && err?.extend(null, "custom prop", o?.constructor.name, "failed to check custom prop");
    return c;
  }
};
var $custom = (check2) => new $Custom(check2);
var $$custom = $constructedBy($Custom);
var $Literal = class extends Schema {
  /**
   * @param {Array<T>} literals
   */
  constructor(literals) {
    super();
    this.shape = literals;
  }
  /**
   *
   * @param {any} o
   * @param {ValidationError} [err]
   * @return {o is T}
   */
  check(o, err) {
    const c = this.shape.some((a) => a === o);
    !c && err?.extend(null, this.shape.join(" | "), o.toString());
    return c;
  }
};
var $literal = (...literals) => new $Literal(literals);
var $$literal = $constructedBy($Literal);
var _regexEscape = (
  /** @type {any} */
  RegExp.escape || /** @type {(str:string) => string} */
  ((str) => str.replace(/[().|&,$^[\]]/g, (s) => "\\" + s))
);
var _schemaStringTemplateToRegex = (s) => {
  if ($string.check(s)) {
    return [_regexEscape(s)];
  }
  if ($$literal.check(s)) {
    return (
      /** @type {Array<string|number>} */
      s.shape.map((v) => v + "")
    );
  }
  if ($$number.check(s)) {
    return ["[+-]?\\d+.?\\d*"];
  }
  if ($$string.check(s)) {
    return [".*"];
  }
  if ($$union.check(s)) {
    return s.shape.map(_schemaStringTemplateToRegex).flat(1);
  }
  unexpectedCase();
};
var $StringTemplate = class extends Schema {
  /**
   * @param {T} shape
   */
  constructor(shape) {
    super();
    this.shape = shape;
    this._r = new RegExp("^" + shape.map(_schemaStringTemplateToRegex).map((opts) => `(${opts.join("|")})`).join("") + "$");
  }
  /**
   * @param {any} o
   * @param {ValidationError} [err]
   * @return {o is CastStringTemplateArgsToTemplate<T>}
   */
  check(o, err) {
    const c = this._r.exec(o) != null;
    !c && err?.extend(null, this._r.toString(), o.toString(), "String doesn't match string template.");
    return c;
  }
};
var $$stringTemplate = $constructedBy($StringTemplate);
var isOptionalSymbol = /* @__PURE__ */ Symbol("optional");
var $Optional = class extends Schema {
  /**
   * @param {S} shape
   */
  constructor(shape) {
    super();
    this.shape = shape;
  }
  /**
   * @param {any} o
   * @param {ValidationError} [err]
   * @return {o is (Unwrap<S>|undefined)}
   */
  check(o, err) {
    const c = o === void 0 || this.shape.check(o);
    !c && err?.extend(null, "undefined (optional)", "()");
    return c;
  }
  get [isOptionalSymbol]() {
    return true;
  }
};
var $$optional = $constructedBy($Optional);
var $Never = class extends Schema {
  /**
   * @param {any} _o
   * @param {ValidationError} [err]
   * @return {_o is never}
   */
  check(_o, err) {
    err?.extend(null, "never", typeof _o);
    return false;
  }
};
var $never = new $Never();
var $$never = $constructedBy($Never);
var $Object = class _$Object extends Schema {
  /**
   * @param {S} shape
   * @param {boolean} partial
   */
  constructor(shape, partial = false) {
    super();
    this.shape = shape;
    this._isPartial = partial;
  }
  static _dilutes = true;
  /**
   * @type {Schema<Partial<$ObjectToType<S>>>}
   */
  get partial() {
    return new _$Object(this.shape, true);
  }
  /**
   * @param {any} o
   * @param {ValidationError} err
   * @return {o is $ObjectToType<S>}
   */
  check(o, err) {
    if (o == null) {
      err?.extend(null, "object", "null");
      return false;
    }
    return every2(this.shape, (vv, vk) => {
      const c = this._isPartial && !hasProperty(o, vk) || vv.check(o[vk], err);
      !c && err?.extend(vk.toString(), vv.toString(), typeof o[vk], "Object property does not match");
      return c;
    });
  }
};
var $object = (def) => (
  /** @type {any} */
  new $Object(def)
);
var $$object = $constructedBy($Object);
var $objectAny = $custom((o) => o != null && (o.constructor === Object || o.constructor == null));
var $Record = class extends Schema {
  /**
   * @param {Keys} keys
   * @param {Values} values
   */
  constructor(keys2, values) {
    super();
    this.shape = {
      keys: keys2,
      values
    };
  }
  /**
   * @param {any} o
   * @param {ValidationError} err
   * @return {o is { [key in Unwrap<Keys>]: Unwrap<Values> }}
   */
  check(o, err) {
    return o != null && every2(o, (vv, vk) => {
      const ck = this.shape.keys.check(vk, err);
      !ck && err?.extend(vk + "", "Record", typeof o, ck ? "Key doesn't match schema" : "Value doesn't match value");
      return ck && this.shape.values.check(vv, err);
    });
  }
};
var $record = (keys2, values) => new $Record(keys2, values);
var $$record = $constructedBy($Record);
var $Tuple = class extends Schema {
  /**
   * @param {S} shape
   */
  constructor(shape) {
    super();
    this.shape = shape;
  }
  /**
   * @param {any} o
   * @param {ValidationError} err
   * @return {o is { [K in keyof S]: S[K] extends Schema<infer Type> ? Type : never }}
   */
  check(o, err) {
    return o != null && every2(this.shape, (vv, vk) => {
      const c = (
        /** @type {Schema<any>} */
        vv.check(o[vk], err)
      );
      !c && err?.extend(vk.toString(), "Tuple", typeof vv);
      return c;
    });
  }
};
var $tuple = (...def) => new $Tuple(def);
var $$tuple = $constructedBy($Tuple);
var $Array = class extends Schema {
  /**
   * @param {Array<S>} v
   */
  constructor(v) {
    super();
    this.shape = v.length === 1 ? v[0] : new $Union(v);
  }
  /**
   * @param {any} o
   * @param {ValidationError} [err]
   * @return {o is Array<S extends Schema<infer T> ? T : never>} o
   */
  check(o, err) {
    const c = isArray(o) && every(o, (oi) => this.shape.check(oi));
    !c && err?.extend(null, "Array", "");
    return c;
  }
};
var $array = (...def) => new $Array(def);
var $$array = $constructedBy($Array);
var $arrayAny = $custom((o) => isArray(o));
var $InstanceOf = class extends Schema {
  /**
   * @param {new (...args:any) => T} constructor
   * @param {((o:T) => boolean)|null} check
   */
  constructor(constructor, check2) {
    super();
    this.shape = constructor;
    this._c = check2;
  }
  /**
   * @param {any} o
   * @param {ValidationError} err
   * @return {o is T}
   */
  check(o, err) {
    const c = o instanceof this.shape && (this._c == null || this._c(o));
    !c && err?.extend(null, this.shape.name, o?.constructor.name);
    return c;
  }
};
var $instanceOf = (c, check2 = null) => new $InstanceOf(c, check2);
var $$instanceOf = $constructedBy($InstanceOf);
var $$schema = $instanceOf(Schema);
var $Lambda = class extends Schema {
  /**
   * @param {Args} args
   */
  constructor(args2) {
    super();
    this.len = args2.length - 1;
    this.args = $tuple(...args2.slice(-1));
    this.res = args2[this.len];
  }
  /**
   * @param {any} f
   * @param {ValidationError} err
   * @return {f is _LArgsToLambdaDef<Args>}
   */
  check(f, err) {
    const c = f.constructor === Function && f.length <= this.len;
    !c && err?.extend(null, "function", typeof f);
    return c;
  }
};
var $$lambda = $constructedBy($Lambda);
var $function = $custom((o) => typeof o === "function");
var $Intersection = class extends Schema {
  /**
   * @param {T} v
   */
  constructor(v) {
    super();
    this.shape = v;
  }
  /**
   * @param {any} o
   * @param {ValidationError} [err]
   * @return {o is Intersect<UnwrapArray<T>>}
   */
  check(o, err) {
    const c = every(this.shape, (check2) => check2.check(o, err));
    !c && err?.extend(null, "Intersectinon", typeof o);
    return c;
  }
};
var $$intersect = $constructedBy($Intersection, (o) => o.shape.length > 0);
var $Union = class extends Schema {
  static _dilutes = true;
  /**
   * @param {Array<Schema<S>>} v
   */
  constructor(v) {
    super();
    this.shape = v;
  }
  /**
   * @param {any} o
   * @param {ValidationError} [err]
   * @return {o is S}
   */
  check(o, err) {
    const c = some(this.shape, (vv) => vv.check(o, err));
    err?.extend(null, "Union", typeof o);
    return c;
  }
};
var $union = (...schemas) => schemas.findIndex(($s) => $$union.check($s)) >= 0 ? $union(...schemas.map(($s) => $($s)).map(($s) => $$union.check($s) ? $s.shape : [$s]).flat(1)) : schemas.length === 1 ? schemas[0] : new $Union(schemas);
var $$union = (
  /** @type {Schema<$Union<any>>} */
  $constructedBy($Union)
);
var _t = () => true;
var $any = $custom(_t);
var $$any = (
  /** @type {Schema<Schema<any>>} */
  $constructedBy($Custom, (o) => o.shape === _t)
);
var $bigint = $custom((o) => typeof o === "bigint");
var $$bigint = (
  /** @type {Schema<Schema<BigInt>>} */
  $custom((o) => o === $bigint)
);
var $symbol = $custom((o) => typeof o === "symbol");
var $$symbol = (
  /** @type {Schema<Schema<Symbol>>} */
  $custom((o) => o === $symbol)
);
var $number = $custom((o) => typeof o === "number");
var $$number = (
  /** @type {Schema<Schema<number>>} */
  $custom((o) => o === $number)
);
var $string = $custom((o) => typeof o === "string");
var $$string = (
  /** @type {Schema<Schema<string>>} */
  $custom((o) => o === $string)
);
var $boolean = $custom((o) => typeof o === "boolean");
var $$boolean = (
  /** @type {Schema<Schema<Boolean>>} */
  $custom((o) => o === $boolean)
);
var $undefined = $literal(void 0);
var $$undefined = (
  /** @type {Schema<Schema<undefined>>} */
  $constructedBy($Literal, (o) => o.shape.length === 1 && o.shape[0] === void 0)
);
var $void = $literal(void 0);
var $null = $literal(null);
var $$null = (
  /** @type {Schema<Schema<null>>} */
  $constructedBy($Literal, (o) => o.shape.length === 1 && o.shape[0] === null)
);
var $uint8Array = $constructedBy(Uint8Array);
var $$uint8Array = (
  /** @type {Schema<Schema<Uint8Array>>} */
  $constructedBy($ConstructedBy, (o) => o.shape === Uint8Array)
);
var $primitive = $union($number, $string, $null, $undefined, $bigint, $boolean, $symbol);
var $json = (() => {
  const $jsonArr = (
    /** @type {$Array<$any>} */
    $array($any)
  );
  const $jsonRecord = (
    /** @type {$Record<$string,$any>} */
    $record($string, $any)
  );
  const $json2 = $union($number, $string, $null, $boolean, $jsonArr, $jsonRecord);
  $jsonArr.shape = $json2;
  $jsonRecord.shape.values = $json2;
  return $json2;
})();
var $ = (o) => {
  if ($$schema.check(o)) {
    return (
      /** @type {any} */
      o
    );
  } else if ($objectAny.check(o)) {
    const o2 = {};
    for (const k in o) {
      o2[k] = $(o[k]);
    }
    return (
      /** @type {any} */
      $object(o2)
    );
  } else if ($arrayAny.check(o)) {
    return (
      /** @type {any} */
      $union(...o.map($))
    );
  } else if ($primitive.check(o)) {
    return (
      /** @type {any} */
      $literal(o)
    );
  } else if ($function.check(o)) {
    return (
      /** @type {any} */
      $constructedBy(
        /** @type {any} */
        o
      )
    );
  }
  unexpectedCase();
};
var assert = production ? () => {
} : (o, schema) => {
  const err = new ValidationError();
  if (!schema.check(o, err)) {
    throw create3(`Expected value to be of type ${schema.constructor.name}.
${err.toString()}`);
  }
};
var PatternMatcher = class {
  /**
   * @param {Schema<State>} [$state]
   */
  constructor($state) {
    this.patterns = [];
    this.$state = $state;
  }
  /**
   * @template P
   * @template R
   * @param {P} pattern
   * @param {(o:NoInfer<Unwrap<ReadSchema<P>>>,s:State)=>R} handler
   * @return {PatternMatcher<State,Patterns|Pattern<Unwrap<ReadSchema<P>>,R>>}
   */
  if(pattern, handler) {
    this.patterns.push({ if: $(pattern), h: handler });
    return this;
  }
  /**
   * @template R
   * @param {(o:any,s:State)=>R} h
   */
  else(h) {
    return this.if($any, h);
  }
  /**
   * @return {State extends undefined
   *   ? <In extends Unwrap<Patterns['if']>>(o:In,state?:undefined)=>PatternMatchResult<Patterns,In>
   *   : <In extends Unwrap<Patterns['if']>>(o:In,state:State)=>PatternMatchResult<Patterns,In>}
   */
  done() {
    return (
      /** @type {any} */
      (o, s) => {
        for (let i = 0; i < this.patterns.length; i++) {
          const p = this.patterns[i];
          if (p.if.check(o)) {
            return p.h(o, s);
          }
        }
        throw create3("Unhandled pattern");
      }
    );
  }
};
var match = (state) => new PatternMatcher(
  /** @type {any} */
  state
);
var _random = (
  /** @type {any} */
  match(
    /** @type {Schema<prng.PRNG>} */
    $any
  ).if($$number, (_o, gen) => int53(gen, MIN_SAFE_INTEGER, MAX_SAFE_INTEGER)).if($$string, (_o, gen) => word(gen)).if($$boolean, (_o, gen) => bool(gen)).if($$bigint, (_o, gen) => BigInt(int53(gen, MIN_SAFE_INTEGER, MAX_SAFE_INTEGER))).if($$union, (o, gen) => random(gen, oneOf(gen, o.shape))).if($$object, (o, gen) => {
    const res = {};
    for (const k in o.shape) {
      let prop = o.shape[k];
      if ($$optional.check(prop)) {
        if (bool(gen)) {
          continue;
        }
        prop = prop.shape;
      }
      res[k] = _random(prop, gen);
    }
    return res;
  }).if($$array, (o, gen) => {
    const arr = [];
    const n = int32(gen, 0, 42);
    for (let i = 0; i < n; i++) {
      arr.push(random(gen, o.shape));
    }
    return arr;
  }).if($$literal, (o, gen) => {
    return oneOf(gen, o.shape);
  }).if($$null, (o, gen) => {
    return null;
  }).if($$lambda, (o, gen) => {
    const res = random(gen, o.res);
    return () => res;
  }).if($$any, (o, gen) => random(gen, oneOf(gen, [
    $number,
    $string,
    $null,
    $undefined,
    $bigint,
    $boolean,
    $array($number),
    $record($union("a", "b", "c"), $number)
  ]))).if($$record, (o, gen) => {
    const res = {};
    const keysN = int53(gen, 0, 3);
    for (let i = 0; i < keysN; i++) {
      const key = random(gen, o.shape.keys);
      const val = random(gen, o.shape.values);
      res[key] = val;
    }
    return res;
  }).done()
);
var random = (gen, schema) => (
  /** @type {any} */
  _random($(schema), gen)
);

// node_modules/lib0/dom.js
var doc = (
  /** @type {Document} */
  typeof document !== "undefined" ? document : {}
);
var $fragment = $custom((el) => el.nodeType === DOCUMENT_FRAGMENT_NODE);
var domParser = (
  /** @type {DOMParser} */
  typeof DOMParser !== "undefined" ? new DOMParser() : null
);
var $element = $custom((el) => el.nodeType === ELEMENT_NODE);
var $text = $custom((el) => el.nodeType === TEXT_NODE);
var mapToStyleString = (m) => map(m, (value, key) => `${key}:${value};`).join("");
var ELEMENT_NODE = doc.ELEMENT_NODE;
var TEXT_NODE = doc.TEXT_NODE;
var CDATA_SECTION_NODE = doc.CDATA_SECTION_NODE;
var COMMENT_NODE = doc.COMMENT_NODE;
var DOCUMENT_NODE = doc.DOCUMENT_NODE;
var DOCUMENT_TYPE_NODE = doc.DOCUMENT_TYPE_NODE;
var DOCUMENT_FRAGMENT_NODE = doc.DOCUMENT_FRAGMENT_NODE;
var $node = $custom((el) => el.nodeType === DOCUMENT_NODE);

// node_modules/lib0/symbol.js
var create6 = Symbol;

// node_modules/lib0/logging.common.js
var BOLD = create6();
var UNBOLD = create6();
var BLUE = create6();
var GREY = create6();
var GREEN = create6();
var RED = create6();
var PURPLE = create6();
var ORANGE = create6();
var UNCOLOR = create6();
var computeNoColorLoggingArgs = (args2) => {
  if (args2.length === 1 && args2[0]?.constructor === Function) {
    args2 = /** @type {Array<string|Symbol|Object|number>} */
    /** @type {[function]} */
    args2[0]();
  }
  const strBuilder = [];
  const logArgs = [];
  let i = 0;
  for (; i < args2.length; i++) {
    const arg = args2[i];
    if (arg === void 0) {
      break;
    } else if (arg.constructor === String || arg.constructor === Number) {
      strBuilder.push(arg);
    } else if (arg.constructor === Object) {
      break;
    }
  }
  if (i > 0) {
    logArgs.push(strBuilder.join(""));
  }
  for (; i < args2.length; i++) {
    const arg = args2[i];
    if (!(arg instanceof Symbol)) {
      logArgs.push(arg);
    }
  }
  return logArgs;
};
var lastLoggingTime = getUnixTime();

// node_modules/lib0/logging.js
var _browserStyleMap = {
  [BOLD]: create5("font-weight", "bold"),
  [UNBOLD]: create5("font-weight", "normal"),
  [BLUE]: create5("color", "blue"),
  [GREEN]: create5("color", "green"),
  [GREY]: create5("color", "grey"),
  [RED]: create5("color", "red"),
  [PURPLE]: create5("color", "purple"),
  [ORANGE]: create5("color", "orange"),
  // not well supported in chrome when debugging node with inspector - TODO: deprecate
  [UNCOLOR]: create5("color", "black")
};
var computeBrowserLoggingArgs = (args2) => {
  if (args2.length === 1 && args2[0]?.constructor === Function) {
    args2 = /** @type {Array<string|Symbol|Object|number>} */
    /** @type {[function]} */
    args2[0]();
  }
  const strBuilder = [];
  const styles = [];
  const currentStyle = create();
  let logArgs = [];
  let i = 0;
  for (; i < args2.length; i++) {
    const arg = args2[i];
    const style = _browserStyleMap[arg];
    if (style !== void 0) {
      currentStyle.set(style.left, style.right);
    } else {
      if (arg === void 0) {
        break;
      }
      if (arg.constructor === String || arg.constructor === Number) {
        const style2 = mapToStyleString(currentStyle);
        if (i > 0 || style2.length > 0) {
          strBuilder.push("%c" + arg);
          styles.push(style2);
        } else {
          strBuilder.push(arg);
        }
      } else {
        break;
      }
    }
  }
  if (i > 0) {
    logArgs = styles;
    logArgs.unshift(strBuilder.join(""));
  }
  for (; i < args2.length; i++) {
    const arg = args2[i];
    if (!(arg instanceof Symbol)) {
      logArgs.push(arg);
    }
  }
  return logArgs;
};
var computeLoggingArgs = supportsColor ? computeBrowserLoggingArgs : computeNoColorLoggingArgs;
var print = (...args2) => {
  console.log(...computeLoggingArgs(args2));
  vconsoles.forEach((vc) => vc.print(args2));
};
var warn = (...args2) => {
  console.warn(...computeLoggingArgs(args2));
  args2.unshift(ORANGE);
  vconsoles.forEach((vc) => vc.print(args2));
};
var vconsoles = create2();

// node_modules/lib0/iterator.js
var createIterator = (next) => ({
  /**
   * @return {IterableIterator<T>}
   */
  [Symbol.iterator]() {
    return this;
  },
  // @ts-ignore
  next
});
var iteratorFilter = (iterator, filter) => createIterator(() => {
  let res;
  do {
    res = iterator.next();
  } while (!res.done && !filter(res.value));
  return res;
});
var iteratorMap = (iterator, fmap) => createIterator(() => {
  const { done, value } = iterator.next();
  return { done, value: done ? void 0 : fmap(value) };
});

// node_modules/yjs/dist/yjs.mjs
var DeleteItem = class {
  /**
   * @param {number} clock
   * @param {number} len
   */
  constructor(clock, len) {
    this.clock = clock;
    this.len = len;
  }
};
var DeleteSet = class {
  constructor() {
    this.clients = /* @__PURE__ */ new Map();
  }
};
var iterateDeletedStructs = (transaction, ds, f) => ds.clients.forEach((deletes, clientid) => {
  const structs = (
    /** @type {Array<GC|Item>} */
    transaction.doc.store.clients.get(clientid)
  );
  if (structs != null) {
    const lastStruct = structs[structs.length - 1];
    const clockState = lastStruct.id.clock + lastStruct.length;
    for (let i = 0, del = deletes[i]; i < deletes.length && del.clock < clockState; del = deletes[++i]) {
      iterateStructs(transaction, structs, del.clock, del.len, f);
    }
  }
});
var findIndexDS = (dis, clock) => {
  let left = 0;
  let right = dis.length - 1;
  while (left <= right) {
    const midindex = floor((left + right) / 2);
    const mid = dis[midindex];
    const midclock = mid.clock;
    if (midclock <= clock) {
      if (clock < midclock + mid.len) {
        return midindex;
      }
      left = midindex + 1;
    } else {
      right = midindex - 1;
    }
  }
  return null;
};
var isDeleted = (ds, id2) => {
  const dis = ds.clients.get(id2.client);
  return dis !== void 0 && findIndexDS(dis, id2.clock) !== null;
};
var sortAndMergeDeleteSet = (ds) => {
  ds.clients.forEach((dels) => {
    dels.sort((a, b) => a.clock - b.clock);
    let i, j;
    for (i = 1, j = 1; i < dels.length; i++) {
      const left = dels[j - 1];
      const right = dels[i];
      if (left.clock + left.len >= right.clock) {
        dels[j - 1] = new DeleteItem(left.clock, max(left.len, right.clock + right.len - left.clock));
      } else {
        if (j < i) {
          dels[j] = right;
        }
        j++;
      }
    }
    dels.length = j;
  });
};
var mergeDeleteSets = (dss) => {
  const merged = new DeleteSet();
  for (let dssI = 0; dssI < dss.length; dssI++) {
    dss[dssI].clients.forEach((delsLeft, client) => {
      if (!merged.clients.has(client)) {
        const dels = delsLeft.slice();
        for (let i = dssI + 1; i < dss.length; i++) {
          appendTo(dels, dss[i].clients.get(client) || []);
        }
        merged.clients.set(client, dels);
      }
    });
  }
  sortAndMergeDeleteSet(merged);
  return merged;
};
var addToDeleteSet = (ds, client, clock, length2) => {
  setIfUndefined(ds.clients, client, () => (
    /** @type {Array<DeleteItem>} */
    []
  )).push(new DeleteItem(clock, length2));
};
var createDeleteSet = () => new DeleteSet();
var createDeleteSetFromStructStore = (ss) => {
  const ds = createDeleteSet();
  ss.clients.forEach((structs, client) => {
    const dsitems = [];
    for (let i = 0; i < structs.length; i++) {
      const struct = structs[i];
      if (struct.deleted) {
        const clock = struct.id.clock;
        let len = struct.length;
        if (i + 1 < structs.length) {
          for (let next = structs[i + 1]; i + 1 < structs.length && next.deleted; next = structs[++i + 1]) {
            len += next.length;
          }
        }
        dsitems.push(new DeleteItem(clock, len));
      }
    }
    if (dsitems.length > 0) {
      ds.clients.set(client, dsitems);
    }
  });
  return ds;
};
var writeDeleteSet = (encoder, ds) => {
  writeVarUint(encoder.restEncoder, ds.clients.size);
  from(ds.clients.entries()).sort((a, b) => b[0] - a[0]).forEach(([client, dsitems]) => {
    encoder.resetDsCurVal();
    writeVarUint(encoder.restEncoder, client);
    const len = dsitems.length;
    writeVarUint(encoder.restEncoder, len);
    for (let i = 0; i < len; i++) {
      const item = dsitems[i];
      encoder.writeDsClock(item.clock);
      encoder.writeDsLen(item.len);
    }
  });
};
var readDeleteSet = (decoder) => {
  const ds = new DeleteSet();
  const numClients = readVarUint(decoder.restDecoder);
  for (let i = 0; i < numClients; i++) {
    decoder.resetDsCurVal();
    const client = readVarUint(decoder.restDecoder);
    const numberOfDeletes = readVarUint(decoder.restDecoder);
    if (numberOfDeletes > 0) {
      const dsField = setIfUndefined(ds.clients, client, () => (
        /** @type {Array<DeleteItem>} */
        []
      ));
      for (let i2 = 0; i2 < numberOfDeletes; i2++) {
        dsField.push(new DeleteItem(decoder.readDsClock(), decoder.readDsLen()));
      }
    }
  }
  return ds;
};
var readAndApplyDeleteSet = (decoder, transaction, store) => {
  const unappliedDS = new DeleteSet();
  const numClients = readVarUint(decoder.restDecoder);
  for (let i = 0; i < numClients; i++) {
    decoder.resetDsCurVal();
    const client = readVarUint(decoder.restDecoder);
    const numberOfDeletes = readVarUint(decoder.restDecoder);
    const structs = store.clients.get(client) || [];
    const state = getState(store, client);
    for (let i2 = 0; i2 < numberOfDeletes; i2++) {
      const clock = decoder.readDsClock();
      const clockEnd = clock + decoder.readDsLen();
      if (clock < state) {
        if (state < clockEnd) {
          addToDeleteSet(unappliedDS, client, state, clockEnd - state);
        }
        let index = findIndexSS(structs, clock);
        let struct = structs[index];
        if (!struct.deleted && struct.id.clock < clock) {
          structs.splice(index + 1, 0, splitItem(transaction, struct, clock - struct.id.clock));
          index++;
        }
        while (index < structs.length) {
          struct = structs[index++];
          if (struct.id.clock < clockEnd) {
            if (!struct.deleted) {
              if (clockEnd < struct.id.clock + struct.length) {
                structs.splice(index, 0, splitItem(transaction, struct, clockEnd - struct.id.clock));
              }
              struct.delete(transaction);
            }
          } else {
            break;
          }
        }
      } else {
        addToDeleteSet(unappliedDS, client, clock, clockEnd - clock);
      }
    }
  }
  if (unappliedDS.clients.size > 0) {
    const ds = new UpdateEncoderV2();
    writeVarUint(ds.restEncoder, 0);
    writeDeleteSet(ds, unappliedDS);
    return ds.toUint8Array();
  }
  return null;
};
var generateNewClientId = uint32;
var Doc = class _Doc extends ObservableV2 {
  /**
   * @param {DocOpts} opts configuration
   */
  constructor({ guid = uuidv4(), collectionid = null, gc = true, gcFilter = () => true, meta = null, autoLoad = false, shouldLoad = true } = {}) {
    super();
    this.gc = gc;
    this.gcFilter = gcFilter;
    this.clientID = generateNewClientId();
    this.guid = guid;
    this.collectionid = collectionid;
    this.share = /* @__PURE__ */ new Map();
    this.store = new StructStore();
    this._transaction = null;
    this._transactionCleanups = [];
    this.subdocs = /* @__PURE__ */ new Set();
    this._item = null;
    this.shouldLoad = shouldLoad;
    this.autoLoad = autoLoad;
    this.meta = meta;
    this.isLoaded = false;
    this.isSynced = false;
    this.isDestroyed = false;
    this.whenLoaded = create4((resolve) => {
      this.on("load", () => {
        this.isLoaded = true;
        resolve(this);
      });
    });
    const provideSyncedPromise = () => create4((resolve) => {
      const eventHandler = (isSynced) => {
        if (isSynced === void 0 || isSynced === true) {
          this.off("sync", eventHandler);
          resolve();
        }
      };
      this.on("sync", eventHandler);
    });
    this.on("sync", (isSynced) => {
      if (isSynced === false && this.isSynced) {
        this.whenSynced = provideSyncedPromise();
      }
      this.isSynced = isSynced === void 0 || isSynced === true;
      if (this.isSynced && !this.isLoaded) {
        this.emit("load", [this]);
      }
    });
    this.whenSynced = provideSyncedPromise();
  }
  /**
   * Notify the parent document that you request to load data into this subdocument (if it is a subdocument).
   *
   * `load()` might be used in the future to request any provider to load the most current data.
   *
   * It is safe to call `load()` multiple times.
   */
  load() {
    const item = this._item;
    if (item !== null && !this.shouldLoad) {
      transact(
        /** @type {any} */
        item.parent.doc,
        (transaction) => {
          transaction.subdocsLoaded.add(this);
        },
        null,
        true
      );
    }
    this.shouldLoad = true;
  }
  getSubdocs() {
    return this.subdocs;
  }
  getSubdocGuids() {
    return new Set(from(this.subdocs).map((doc2) => doc2.guid));
  }
  /**
   * Changes that happen inside of a transaction are bundled. This means that
   * the observer fires _after_ the transaction is finished and that all changes
   * that happened inside of the transaction are sent as one message to the
   * other peers.
   *
   * @template T
   * @param {function(Transaction):T} f The function that should be executed as a transaction
   * @param {any} [origin] Origin of who started the transaction. Will be stored on transaction.origin
   * @return T
   *
   * @public
   */
  transact(f, origin = null) {
    return transact(this, f, origin);
  }
  /**
   * Define a shared data type.
   *
   * Multiple calls of `ydoc.get(name, TypeConstructor)` yield the same result
   * and do not overwrite each other. I.e.
   * `ydoc.get(name, Y.Array) === ydoc.get(name, Y.Array)`
   *
   * After this method is called, the type is also available on `ydoc.share.get(name)`.
   *
   * *Best Practices:*
   * Define all types right after the Y.Doc instance is created and store them in a separate object.
   * Also use the typed methods `getText(name)`, `getArray(name)`, ..
   *
   * @template {typeof AbstractType<any>} Type
   * @example
   *   const ydoc = new Y.Doc(..)
   *   const appState = {
   *     document: ydoc.getText('document')
   *     comments: ydoc.getArray('comments')
   *   }
   *
   * @param {string} name
   * @param {Type} TypeConstructor The constructor of the type definition. E.g. Y.Text, Y.Array, Y.Map, ...
   * @return {InstanceType<Type>} The created type. Constructed with TypeConstructor
   *
   * @public
   */
  get(name, TypeConstructor = (
    /** @type {any} */
    AbstractType
  )) {
    const type = setIfUndefined(this.share, name, () => {
      const t = new TypeConstructor();
      t._integrate(this, null);
      return t;
    });
    const Constr = type.constructor;
    if (TypeConstructor !== AbstractType && Constr !== TypeConstructor) {
      if (Constr === AbstractType) {
        const t = new TypeConstructor();
        t._map = type._map;
        type._map.forEach(
          /** @param {Item?} n */
          (n) => {
            for (; n !== null; n = n.left) {
              n.parent = t;
            }
          }
        );
        t._start = type._start;
        for (let n = t._start; n !== null; n = n.right) {
          n.parent = t;
        }
        t._length = type._length;
        this.share.set(name, t);
        t._integrate(this, null);
        return (
          /** @type {InstanceType<Type>} */
          t
        );
      } else {
        throw new Error(`Type with the name ${name} has already been defined with a different constructor`);
      }
    }
    return (
      /** @type {InstanceType<Type>} */
      type
    );
  }
  /**
   * @template T
   * @param {string} [name]
   * @return {YArray<T>}
   *
   * @public
   */
  getArray(name = "") {
    return (
      /** @type {YArray<T>} */
      this.get(name, YArray)
    );
  }
  /**
   * @param {string} [name]
   * @return {YText}
   *
   * @public
   */
  getText(name = "") {
    return this.get(name, YText);
  }
  /**
   * @template T
   * @param {string} [name]
   * @return {YMap<T>}
   *
   * @public
   */
  getMap(name = "") {
    return (
      /** @type {YMap<T>} */
      this.get(name, YMap)
    );
  }
  /**
   * @param {string} [name]
   * @return {YXmlElement}
   *
   * @public
   */
  getXmlElement(name = "") {
    return (
      /** @type {YXmlElement<{[key:string]:string}>} */
      this.get(name, YXmlElement)
    );
  }
  /**
   * @param {string} [name]
   * @return {YXmlFragment}
   *
   * @public
   */
  getXmlFragment(name = "") {
    return this.get(name, YXmlFragment);
  }
  /**
   * Converts the entire document into a js object, recursively traversing each yjs type
   * Doesn't log types that have not been defined (using ydoc.getType(..)).
   *
   * @deprecated Do not use this method and rather call toJSON directly on the shared types.
   *
   * @return {Object<string, any>}
   */
  toJSON() {
    const doc2 = {};
    this.share.forEach((value, key) => {
      doc2[key] = value.toJSON();
    });
    return doc2;
  }
  /**
   * Emit `destroy` event and unregister all event handlers.
   */
  destroy() {
    this.isDestroyed = true;
    from(this.subdocs).forEach((subdoc) => subdoc.destroy());
    const item = this._item;
    if (item !== null) {
      this._item = null;
      const content = (
        /** @type {ContentDoc} */
        item.content
      );
      content.doc = new _Doc({ guid: this.guid, ...content.opts, shouldLoad: false });
      content.doc._item = item;
      transact(
        /** @type {any} */
        item.parent.doc,
        (transaction) => {
          const doc2 = content.doc;
          if (!item.deleted) {
            transaction.subdocsAdded.add(doc2);
          }
          transaction.subdocsRemoved.add(this);
        },
        null,
        true
      );
    }
    this.emit("destroyed", [true]);
    this.emit("destroy", [this]);
    super.destroy();
  }
};
var DSDecoderV1 = class {
  /**
   * @param {decoding.Decoder} decoder
   */
  constructor(decoder) {
    this.restDecoder = decoder;
  }
  resetDsCurVal() {
  }
  /**
   * @return {number}
   */
  readDsClock() {
    return readVarUint(this.restDecoder);
  }
  /**
   * @return {number}
   */
  readDsLen() {
    return readVarUint(this.restDecoder);
  }
};
var UpdateDecoderV1 = class extends DSDecoderV1 {
  /**
   * @return {ID}
   */
  readLeftID() {
    return createID(readVarUint(this.restDecoder), readVarUint(this.restDecoder));
  }
  /**
   * @return {ID}
   */
  readRightID() {
    return createID(readVarUint(this.restDecoder), readVarUint(this.restDecoder));
  }
  /**
   * Read the next client id.
   * Use this in favor of readID whenever possible to reduce the number of objects created.
   */
  readClient() {
    return readVarUint(this.restDecoder);
  }
  /**
   * @return {number} info An unsigned 8-bit integer
   */
  readInfo() {
    return readUint8(this.restDecoder);
  }
  /**
   * @return {string}
   */
  readString() {
    return readVarString(this.restDecoder);
  }
  /**
   * @return {boolean} isKey
   */
  readParentInfo() {
    return readVarUint(this.restDecoder) === 1;
  }
  /**
   * @return {number} info An unsigned 8-bit integer
   */
  readTypeRef() {
    return readVarUint(this.restDecoder);
  }
  /**
   * Write len of a struct - well suited for Opt RLE encoder.
   *
   * @return {number} len
   */
  readLen() {
    return readVarUint(this.restDecoder);
  }
  /**
   * @return {any}
   */
  readAny() {
    return readAny(this.restDecoder);
  }
  /**
   * @return {Uint8Array}
   */
  readBuf() {
    return copyUint8Array(readVarUint8Array(this.restDecoder));
  }
  /**
   * Legacy implementation uses JSON parse. We use any-decoding in v2.
   *
   * @return {any}
   */
  readJSON() {
    return JSON.parse(readVarString(this.restDecoder));
  }
  /**
   * @return {string}
   */
  readKey() {
    return readVarString(this.restDecoder);
  }
};
var DSDecoderV2 = class {
  /**
   * @param {decoding.Decoder} decoder
   */
  constructor(decoder) {
    this.dsCurrVal = 0;
    this.restDecoder = decoder;
  }
  resetDsCurVal() {
    this.dsCurrVal = 0;
  }
  /**
   * @return {number}
   */
  readDsClock() {
    this.dsCurrVal += readVarUint(this.restDecoder);
    return this.dsCurrVal;
  }
  /**
   * @return {number}
   */
  readDsLen() {
    const diff = readVarUint(this.restDecoder) + 1;
    this.dsCurrVal += diff;
    return diff;
  }
};
var UpdateDecoderV2 = class extends DSDecoderV2 {
  /**
   * @param {decoding.Decoder} decoder
   */
  constructor(decoder) {
    super(decoder);
    this.keys = [];
    readVarUint(decoder);
    this.keyClockDecoder = new IntDiffOptRleDecoder(readVarUint8Array(decoder));
    this.clientDecoder = new UintOptRleDecoder(readVarUint8Array(decoder));
    this.leftClockDecoder = new IntDiffOptRleDecoder(readVarUint8Array(decoder));
    this.rightClockDecoder = new IntDiffOptRleDecoder(readVarUint8Array(decoder));
    this.infoDecoder = new RleDecoder(readVarUint8Array(decoder), readUint8);
    this.stringDecoder = new StringDecoder(readVarUint8Array(decoder));
    this.parentInfoDecoder = new RleDecoder(readVarUint8Array(decoder), readUint8);
    this.typeRefDecoder = new UintOptRleDecoder(readVarUint8Array(decoder));
    this.lenDecoder = new UintOptRleDecoder(readVarUint8Array(decoder));
  }
  /**
   * @return {ID}
   */
  readLeftID() {
    return new ID(this.clientDecoder.read(), this.leftClockDecoder.read());
  }
  /**
   * @return {ID}
   */
  readRightID() {
    return new ID(this.clientDecoder.read(), this.rightClockDecoder.read());
  }
  /**
   * Read the next client id.
   * Use this in favor of readID whenever possible to reduce the number of objects created.
   */
  readClient() {
    return this.clientDecoder.read();
  }
  /**
   * @return {number} info An unsigned 8-bit integer
   */
  readInfo() {
    return (
      /** @type {number} */
      this.infoDecoder.read()
    );
  }
  /**
   * @return {string}
   */
  readString() {
    return this.stringDecoder.read();
  }
  /**
   * @return {boolean}
   */
  readParentInfo() {
    return this.parentInfoDecoder.read() === 1;
  }
  /**
   * @return {number} An unsigned 8-bit integer
   */
  readTypeRef() {
    return this.typeRefDecoder.read();
  }
  /**
   * Write len of a struct - well suited for Opt RLE encoder.
   *
   * @return {number}
   */
  readLen() {
    return this.lenDecoder.read();
  }
  /**
   * @return {any}
   */
  readAny() {
    return readAny(this.restDecoder);
  }
  /**
   * @return {Uint8Array}
   */
  readBuf() {
    return readVarUint8Array(this.restDecoder);
  }
  /**
   * This is mainly here for legacy purposes.
   *
   * Initial we incoded objects using JSON. Now we use the much faster lib0/any-encoder. This method mainly exists for legacy purposes for the v1 encoder.
   *
   * @return {any}
   */
  readJSON() {
    return readAny(this.restDecoder);
  }
  /**
   * @return {string}
   */
  readKey() {
    const keyClock = this.keyClockDecoder.read();
    if (keyClock < this.keys.length) {
      return this.keys[keyClock];
    } else {
      const key = this.stringDecoder.read();
      this.keys.push(key);
      return key;
    }
  }
};
var DSEncoderV1 = class {
  constructor() {
    this.restEncoder = createEncoder();
  }
  toUint8Array() {
    return toUint8Array(this.restEncoder);
  }
  resetDsCurVal() {
  }
  /**
   * @param {number} clock
   */
  writeDsClock(clock) {
    writeVarUint(this.restEncoder, clock);
  }
  /**
   * @param {number} len
   */
  writeDsLen(len) {
    writeVarUint(this.restEncoder, len);
  }
};
var UpdateEncoderV1 = class extends DSEncoderV1 {
  /**
   * @param {ID} id
   */
  writeLeftID(id2) {
    writeVarUint(this.restEncoder, id2.client);
    writeVarUint(this.restEncoder, id2.clock);
  }
  /**
   * @param {ID} id
   */
  writeRightID(id2) {
    writeVarUint(this.restEncoder, id2.client);
    writeVarUint(this.restEncoder, id2.clock);
  }
  /**
   * Use writeClient and writeClock instead of writeID if possible.
   * @param {number} client
   */
  writeClient(client) {
    writeVarUint(this.restEncoder, client);
  }
  /**
   * @param {number} info An unsigned 8-bit integer
   */
  writeInfo(info) {
    writeUint8(this.restEncoder, info);
  }
  /**
   * @param {string} s
   */
  writeString(s) {
    writeVarString(this.restEncoder, s);
  }
  /**
   * @param {boolean} isYKey
   */
  writeParentInfo(isYKey) {
    writeVarUint(this.restEncoder, isYKey ? 1 : 0);
  }
  /**
   * @param {number} info An unsigned 8-bit integer
   */
  writeTypeRef(info) {
    writeVarUint(this.restEncoder, info);
  }
  /**
   * Write len of a struct - well suited for Opt RLE encoder.
   *
   * @param {number} len
   */
  writeLen(len) {
    writeVarUint(this.restEncoder, len);
  }
  /**
   * @param {any} any
   */
  writeAny(any2) {
    writeAny(this.restEncoder, any2);
  }
  /**
   * @param {Uint8Array} buf
   */
  writeBuf(buf) {
    writeVarUint8Array(this.restEncoder, buf);
  }
  /**
   * @param {any} embed
   */
  writeJSON(embed) {
    writeVarString(this.restEncoder, JSON.stringify(embed));
  }
  /**
   * @param {string} key
   */
  writeKey(key) {
    writeVarString(this.restEncoder, key);
  }
};
var DSEncoderV2 = class {
  constructor() {
    this.restEncoder = createEncoder();
    this.dsCurrVal = 0;
  }
  toUint8Array() {
    return toUint8Array(this.restEncoder);
  }
  resetDsCurVal() {
    this.dsCurrVal = 0;
  }
  /**
   * @param {number} clock
   */
  writeDsClock(clock) {
    const diff = clock - this.dsCurrVal;
    this.dsCurrVal = clock;
    writeVarUint(this.restEncoder, diff);
  }
  /**
   * @param {number} len
   */
  writeDsLen(len) {
    if (len === 0) {
      unexpectedCase();
    }
    writeVarUint(this.restEncoder, len - 1);
    this.dsCurrVal += len;
  }
};
var UpdateEncoderV2 = class extends DSEncoderV2 {
  constructor() {
    super();
    this.keyMap = /* @__PURE__ */ new Map();
    this.keyClock = 0;
    this.keyClockEncoder = new IntDiffOptRleEncoder();
    this.clientEncoder = new UintOptRleEncoder();
    this.leftClockEncoder = new IntDiffOptRleEncoder();
    this.rightClockEncoder = new IntDiffOptRleEncoder();
    this.infoEncoder = new RleEncoder(writeUint8);
    this.stringEncoder = new StringEncoder();
    this.parentInfoEncoder = new RleEncoder(writeUint8);
    this.typeRefEncoder = new UintOptRleEncoder();
    this.lenEncoder = new UintOptRleEncoder();
  }
  toUint8Array() {
    const encoder = createEncoder();
    writeVarUint(encoder, 0);
    writeVarUint8Array(encoder, this.keyClockEncoder.toUint8Array());
    writeVarUint8Array(encoder, this.clientEncoder.toUint8Array());
    writeVarUint8Array(encoder, this.leftClockEncoder.toUint8Array());
    writeVarUint8Array(encoder, this.rightClockEncoder.toUint8Array());
    writeVarUint8Array(encoder, toUint8Array(this.infoEncoder));
    writeVarUint8Array(encoder, this.stringEncoder.toUint8Array());
    writeVarUint8Array(encoder, toUint8Array(this.parentInfoEncoder));
    writeVarUint8Array(encoder, this.typeRefEncoder.toUint8Array());
    writeVarUint8Array(encoder, this.lenEncoder.toUint8Array());
    writeUint8Array(encoder, toUint8Array(this.restEncoder));
    return toUint8Array(encoder);
  }
  /**
   * @param {ID} id
   */
  writeLeftID(id2) {
    this.clientEncoder.write(id2.client);
    this.leftClockEncoder.write(id2.clock);
  }
  /**
   * @param {ID} id
   */
  writeRightID(id2) {
    this.clientEncoder.write(id2.client);
    this.rightClockEncoder.write(id2.clock);
  }
  /**
   * @param {number} client
   */
  writeClient(client) {
    this.clientEncoder.write(client);
  }
  /**
   * @param {number} info An unsigned 8-bit integer
   */
  writeInfo(info) {
    this.infoEncoder.write(info);
  }
  /**
   * @param {string} s
   */
  writeString(s) {
    this.stringEncoder.write(s);
  }
  /**
   * @param {boolean} isYKey
   */
  writeParentInfo(isYKey) {
    this.parentInfoEncoder.write(isYKey ? 1 : 0);
  }
  /**
   * @param {number} info An unsigned 8-bit integer
   */
  writeTypeRef(info) {
    this.typeRefEncoder.write(info);
  }
  /**
   * Write len of a struct - well suited for Opt RLE encoder.
   *
   * @param {number} len
   */
  writeLen(len) {
    this.lenEncoder.write(len);
  }
  /**
   * @param {any} any
   */
  writeAny(any2) {
    writeAny(this.restEncoder, any2);
  }
  /**
   * @param {Uint8Array} buf
   */
  writeBuf(buf) {
    writeVarUint8Array(this.restEncoder, buf);
  }
  /**
   * This is mainly here for legacy purposes.
   *
   * Initial we incoded objects using JSON. Now we use the much faster lib0/any-encoder. This method mainly exists for legacy purposes for the v1 encoder.
   *
   * @param {any} embed
   */
  writeJSON(embed) {
    writeAny(this.restEncoder, embed);
  }
  /**
   * Property keys are often reused. For example, in y-prosemirror the key `bold` might
   * occur very often. For a 3d application, the key `position` might occur very often.
   *
   * We cache these keys in a Map and refer to them via a unique number.
   *
   * @param {string} key
   */
  writeKey(key) {
    const clock = this.keyMap.get(key);
    if (clock === void 0) {
      this.keyClockEncoder.write(this.keyClock++);
      this.stringEncoder.write(key);
    } else {
      this.keyClockEncoder.write(clock);
    }
  }
};
var writeStructs = (encoder, structs, client, clock) => {
  clock = max(clock, structs[0].id.clock);
  const startNewStructs = findIndexSS(structs, clock);
  writeVarUint(encoder.restEncoder, structs.length - startNewStructs);
  encoder.writeClient(client);
  writeVarUint(encoder.restEncoder, clock);
  const firstStruct = structs[startNewStructs];
  firstStruct.write(encoder, clock - firstStruct.id.clock);
  for (let i = startNewStructs + 1; i < structs.length; i++) {
    structs[i].write(encoder, 0);
  }
};
var writeClientsStructs = (encoder, store, _sm) => {
  const sm = /* @__PURE__ */ new Map();
  _sm.forEach((clock, client) => {
    if (getState(store, client) > clock) {
      sm.set(client, clock);
    }
  });
  getStateVector(store).forEach((_clock, client) => {
    if (!_sm.has(client)) {
      sm.set(client, 0);
    }
  });
  writeVarUint(encoder.restEncoder, sm.size);
  from(sm.entries()).sort((a, b) => b[0] - a[0]).forEach(([client, clock]) => {
    writeStructs(
      encoder,
      /** @type {Array<GC|Item>} */
      store.clients.get(client),
      client,
      clock
    );
  });
};
var readClientsStructRefs = (decoder, doc2) => {
  const clientRefs = create();
  const numOfStateUpdates = readVarUint(decoder.restDecoder);
  for (let i = 0; i < numOfStateUpdates; i++) {
    const numberOfStructs = readVarUint(decoder.restDecoder);
    const refs = new Array(numberOfStructs);
    const client = decoder.readClient();
    let clock = readVarUint(decoder.restDecoder);
    clientRefs.set(client, { i: 0, refs });
    for (let i2 = 0; i2 < numberOfStructs; i2++) {
      const info = decoder.readInfo();
      switch (BITS5 & info) {
        case 0: {
          const len = decoder.readLen();
          refs[i2] = new GC(createID(client, clock), len);
          clock += len;
          break;
        }
        case 10: {
          const len = readVarUint(decoder.restDecoder);
          refs[i2] = new Skip(createID(client, clock), len);
          clock += len;
          break;
        }
        default: {
          const cantCopyParentInfo = (info & (BIT7 | BIT8)) === 0;
          const struct = new Item(
            createID(client, clock),
            null,
            // left
            (info & BIT8) === BIT8 ? decoder.readLeftID() : null,
            // origin
            null,
            // right
            (info & BIT7) === BIT7 ? decoder.readRightID() : null,
            // right origin
            cantCopyParentInfo ? decoder.readParentInfo() ? doc2.get(decoder.readString()) : decoder.readLeftID() : null,
            // parent
            cantCopyParentInfo && (info & BIT6) === BIT6 ? decoder.readString() : null,
            // parentSub
            readItemContent(decoder, info)
            // item content
          );
          refs[i2] = struct;
          clock += struct.length;
        }
      }
    }
  }
  return clientRefs;
};
var integrateStructs = (transaction, store, clientsStructRefs) => {
  const stack = [];
  let clientsStructRefsIds = from(clientsStructRefs.keys()).sort((a, b) => a - b);
  if (clientsStructRefsIds.length === 0) {
    return null;
  }
  const getNextStructTarget = () => {
    if (clientsStructRefsIds.length === 0) {
      return null;
    }
    let nextStructsTarget = (
      /** @type {{i:number,refs:Array<GC|Item>}} */
      clientsStructRefs.get(clientsStructRefsIds[clientsStructRefsIds.length - 1])
    );
    while (nextStructsTarget.refs.length === nextStructsTarget.i) {
      clientsStructRefsIds.pop();
      if (clientsStructRefsIds.length > 0) {
        nextStructsTarget = /** @type {{i:number,refs:Array<GC|Item>}} */
        clientsStructRefs.get(clientsStructRefsIds[clientsStructRefsIds.length - 1]);
      } else {
        return null;
      }
    }
    return nextStructsTarget;
  };
  let curStructsTarget = getNextStructTarget();
  if (curStructsTarget === null) {
    return null;
  }
  const restStructs = new StructStore();
  const missingSV = /* @__PURE__ */ new Map();
  const updateMissingSv = (client, clock) => {
    const mclock = missingSV.get(client);
    if (mclock == null || mclock > clock) {
      missingSV.set(client, clock);
    }
  };
  let stackHead = (
    /** @type {any} */
    curStructsTarget.refs[
      /** @type {any} */
      curStructsTarget.i++
    ]
  );
  const state = /* @__PURE__ */ new Map();
  const addStackToRestSS = () => {
    for (const item of stack) {
      const client = item.id.client;
      const inapplicableItems = clientsStructRefs.get(client);
      if (inapplicableItems) {
        inapplicableItems.i--;
        restStructs.clients.set(client, inapplicableItems.refs.slice(inapplicableItems.i));
        clientsStructRefs.delete(client);
        inapplicableItems.i = 0;
        inapplicableItems.refs = [];
      } else {
        restStructs.clients.set(client, [item]);
      }
      clientsStructRefsIds = clientsStructRefsIds.filter((c) => c !== client);
    }
    stack.length = 0;
  };
  while (true) {
    if (stackHead.constructor !== Skip) {
      const localClock = setIfUndefined(state, stackHead.id.client, () => getState(store, stackHead.id.client));
      const offset = localClock - stackHead.id.clock;
      if (offset < 0) {
        stack.push(stackHead);
        updateMissingSv(stackHead.id.client, stackHead.id.clock - 1);
        addStackToRestSS();
      } else {
        const missing = stackHead.getMissing(transaction, store);
        if (missing !== null) {
          stack.push(stackHead);
          const structRefs = clientsStructRefs.get(
            /** @type {number} */
            missing
          ) || { refs: [], i: 0 };
          if (structRefs.refs.length === structRefs.i) {
            updateMissingSv(
              /** @type {number} */
              missing,
              getState(store, missing)
            );
            addStackToRestSS();
          } else {
            stackHead = structRefs.refs[structRefs.i++];
            continue;
          }
        } else if (offset === 0 || offset < stackHead.length) {
          stackHead.integrate(transaction, offset);
          state.set(stackHead.id.client, stackHead.id.clock + stackHead.length);
        }
      }
    }
    if (stack.length > 0) {
      stackHead = /** @type {GC|Item} */
      stack.pop();
    } else if (curStructsTarget !== null && curStructsTarget.i < curStructsTarget.refs.length) {
      stackHead = /** @type {GC|Item} */
      curStructsTarget.refs[curStructsTarget.i++];
    } else {
      curStructsTarget = getNextStructTarget();
      if (curStructsTarget === null) {
        break;
      } else {
        stackHead = /** @type {GC|Item} */
        curStructsTarget.refs[curStructsTarget.i++];
      }
    }
  }
  if (restStructs.clients.size > 0) {
    const encoder = new UpdateEncoderV2();
    writeClientsStructs(encoder, restStructs, /* @__PURE__ */ new Map());
    writeVarUint(encoder.restEncoder, 0);
    return { missing: missingSV, update: encoder.toUint8Array() };
  }
  return null;
};
var writeStructsFromTransaction = (encoder, transaction) => writeClientsStructs(encoder, transaction.doc.store, transaction.beforeState);
var readUpdateV2 = (decoder, ydoc, transactionOrigin, structDecoder = new UpdateDecoderV2(decoder)) => transact(ydoc, (transaction) => {
  transaction.local = false;
  let retry = false;
  const doc2 = transaction.doc;
  const store = doc2.store;
  const ss = readClientsStructRefs(structDecoder, doc2);
  const restStructs = integrateStructs(transaction, store, ss);
  const pending = store.pendingStructs;
  if (pending) {
    for (const [client, clock] of pending.missing) {
      if (clock < getState(store, client)) {
        retry = true;
        break;
      }
    }
    if (restStructs) {
      for (const [client, clock] of restStructs.missing) {
        const mclock = pending.missing.get(client);
        if (mclock == null || mclock > clock) {
          pending.missing.set(client, clock);
        }
      }
      pending.update = mergeUpdatesV2([pending.update, restStructs.update]);
    }
  } else {
    store.pendingStructs = restStructs;
  }
  const dsRest = readAndApplyDeleteSet(structDecoder, transaction, store);
  if (store.pendingDs) {
    const pendingDSUpdate = new UpdateDecoderV2(createDecoder(store.pendingDs));
    readVarUint(pendingDSUpdate.restDecoder);
    const dsRest2 = readAndApplyDeleteSet(pendingDSUpdate, transaction, store);
    if (dsRest && dsRest2) {
      store.pendingDs = mergeUpdatesV2([dsRest, dsRest2]);
    } else {
      store.pendingDs = dsRest || dsRest2;
    }
  } else {
    store.pendingDs = dsRest;
  }
  if (retry) {
    const update = (
      /** @type {{update: Uint8Array}} */
      store.pendingStructs.update
    );
    store.pendingStructs = null;
    applyUpdateV2(transaction.doc, update);
  }
}, transactionOrigin, false);
var applyUpdateV2 = (ydoc, update, transactionOrigin, YDecoder = UpdateDecoderV2) => {
  const decoder = createDecoder(update);
  readUpdateV2(decoder, ydoc, transactionOrigin, new YDecoder(decoder));
};
var applyUpdate = (ydoc, update, transactionOrigin) => applyUpdateV2(ydoc, update, transactionOrigin, UpdateDecoderV1);
var writeStateAsUpdate = (encoder, doc2, targetStateVector = /* @__PURE__ */ new Map()) => {
  writeClientsStructs(encoder, doc2.store, targetStateVector);
  writeDeleteSet(encoder, createDeleteSetFromStructStore(doc2.store));
};
var encodeStateAsUpdateV2 = (doc2, encodedTargetStateVector = new Uint8Array([0]), encoder = new UpdateEncoderV2()) => {
  const targetStateVector = decodeStateVector(encodedTargetStateVector);
  writeStateAsUpdate(encoder, doc2, targetStateVector);
  const updates = [encoder.toUint8Array()];
  if (doc2.store.pendingDs) {
    updates.push(doc2.store.pendingDs);
  }
  if (doc2.store.pendingStructs) {
    updates.push(diffUpdateV2(doc2.store.pendingStructs.update, encodedTargetStateVector));
  }
  if (updates.length > 1) {
    if (encoder.constructor === UpdateEncoderV1) {
      return mergeUpdates(updates.map((update, i) => i === 0 ? update : convertUpdateFormatV2ToV1(update)));
    } else if (encoder.constructor === UpdateEncoderV2) {
      return mergeUpdatesV2(updates);
    }
  }
  return updates[0];
};
var encodeStateAsUpdate = (doc2, encodedTargetStateVector) => encodeStateAsUpdateV2(doc2, encodedTargetStateVector, new UpdateEncoderV1());
var readStateVector = (decoder) => {
  const ss = /* @__PURE__ */ new Map();
  const ssLength = readVarUint(decoder.restDecoder);
  for (let i = 0; i < ssLength; i++) {
    const client = readVarUint(decoder.restDecoder);
    const clock = readVarUint(decoder.restDecoder);
    ss.set(client, clock);
  }
  return ss;
};
var decodeStateVector = (decodedState) => readStateVector(new DSDecoderV1(createDecoder(decodedState)));
var writeStateVector = (encoder, sv) => {
  writeVarUint(encoder.restEncoder, sv.size);
  from(sv.entries()).sort((a, b) => b[0] - a[0]).forEach(([client, clock]) => {
    writeVarUint(encoder.restEncoder, client);
    writeVarUint(encoder.restEncoder, clock);
  });
  return encoder;
};
var writeDocumentStateVector = (encoder, doc2) => writeStateVector(encoder, getStateVector(doc2.store));
var encodeStateVectorV2 = (doc2, encoder = new DSEncoderV2()) => {
  if (doc2 instanceof Map) {
    writeStateVector(encoder, doc2);
  } else {
    writeDocumentStateVector(encoder, doc2);
  }
  return encoder.toUint8Array();
};
var encodeStateVector = (doc2) => encodeStateVectorV2(doc2, new DSEncoderV1());
var EventHandler = class {
  constructor() {
    this.l = [];
  }
};
var createEventHandler = () => new EventHandler();
var addEventHandlerListener = (eventHandler, f) => eventHandler.l.push(f);
var removeEventHandlerListener = (eventHandler, f) => {
  const l = eventHandler.l;
  const len = l.length;
  eventHandler.l = l.filter((g) => f !== g);
  if (len === eventHandler.l.length) {
    console.error("[yjs] Tried to remove event handler that doesn't exist.");
  }
};
var callEventHandlerListeners = (eventHandler, arg0, arg1) => callAll(eventHandler.l, [arg0, arg1]);
var ID = class {
  /**
   * @param {number} client client id
   * @param {number} clock unique per client id, continuous number
   */
  constructor(client, clock) {
    this.client = client;
    this.clock = clock;
  }
};
var compareIDs = (a, b) => a === b || a !== null && b !== null && a.client === b.client && a.clock === b.clock;
var createID = (client, clock) => new ID(client, clock);
var findRootTypeKey = (type) => {
  for (const [key, value] of type.doc.share.entries()) {
    if (value === type) {
      return key;
    }
  }
  throw unexpectedCase();
};
var Snapshot = class {
  /**
   * @param {DeleteSet} ds
   * @param {Map<number,number>} sv state map
   */
  constructor(ds, sv) {
    this.ds = ds;
    this.sv = sv;
  }
};
var createSnapshot = (ds, sm) => new Snapshot(ds, sm);
var emptySnapshot = createSnapshot(createDeleteSet(), /* @__PURE__ */ new Map());
var isVisible = (item, snapshot) => snapshot === void 0 ? !item.deleted : snapshot.sv.has(item.id.client) && (snapshot.sv.get(item.id.client) || 0) > item.id.clock && !isDeleted(snapshot.ds, item.id);
var splitSnapshotAffectedStructs = (transaction, snapshot) => {
  const meta = setIfUndefined(transaction.meta, splitSnapshotAffectedStructs, create2);
  const store = transaction.doc.store;
  if (!meta.has(snapshot)) {
    snapshot.sv.forEach((clock, client) => {
      if (clock < getState(store, client)) {
        getItemCleanStart(transaction, createID(client, clock));
      }
    });
    iterateDeletedStructs(transaction, snapshot.ds, (_item) => {
    });
    meta.add(snapshot);
  }
};
var StructStore = class {
  constructor() {
    this.clients = /* @__PURE__ */ new Map();
    this.pendingStructs = null;
    this.pendingDs = null;
  }
};
var getStateVector = (store) => {
  const sm = /* @__PURE__ */ new Map();
  store.clients.forEach((structs, client) => {
    const struct = structs[structs.length - 1];
    sm.set(client, struct.id.clock + struct.length);
  });
  return sm;
};
var getState = (store, client) => {
  const structs = store.clients.get(client);
  if (structs === void 0) {
    return 0;
  }
  const lastStruct = structs[structs.length - 1];
  return lastStruct.id.clock + lastStruct.length;
};
var addStruct = (store, struct) => {
  let structs = store.clients.get(struct.id.client);
  if (structs === void 0) {
    structs = [];
    store.clients.set(struct.id.client, structs);
  } else {
    const lastStruct = structs[structs.length - 1];
    if (lastStruct.id.clock + lastStruct.length !== struct.id.clock) {
      throw unexpectedCase();
    }
  }
  structs.push(struct);
};
var findIndexSS = (structs, clock) => {
  let left = 0;
  let right = structs.length - 1;
  let mid = structs[right];
  let midclock = mid.id.clock;
  if (midclock === clock) {
    return right;
  }
  let midindex = floor(clock / (midclock + mid.length - 1) * right);
  while (left <= right) {
    mid = structs[midindex];
    midclock = mid.id.clock;
    if (midclock <= clock) {
      if (clock < midclock + mid.length) {
        return midindex;
      }
      left = midindex + 1;
    } else {
      right = midindex - 1;
    }
    midindex = floor((left + right) / 2);
  }
  throw unexpectedCase();
};
var find = (store, id2) => {
  const structs = store.clients.get(id2.client);
  return structs[findIndexSS(structs, id2.clock)];
};
var getItem = (
  /** @type {function(StructStore,ID):Item} */
  find
);
var findIndexCleanStart = (transaction, structs, clock) => {
  const index = findIndexSS(structs, clock);
  const struct = structs[index];
  if (struct.id.clock < clock && struct instanceof Item) {
    structs.splice(index + 1, 0, splitItem(transaction, struct, clock - struct.id.clock));
    return index + 1;
  }
  return index;
};
var getItemCleanStart = (transaction, id2) => {
  const structs = (
    /** @type {Array<Item>} */
    transaction.doc.store.clients.get(id2.client)
  );
  return structs[findIndexCleanStart(transaction, structs, id2.clock)];
};
var getItemCleanEnd = (transaction, store, id2) => {
  const structs = store.clients.get(id2.client);
  const index = findIndexSS(structs, id2.clock);
  const struct = structs[index];
  if (id2.clock !== struct.id.clock + struct.length - 1 && struct.constructor !== GC) {
    structs.splice(index + 1, 0, splitItem(transaction, struct, id2.clock - struct.id.clock + 1));
  }
  return struct;
};
var replaceStruct = (store, struct, newStruct) => {
  const structs = (
    /** @type {Array<GC|Item>} */
    store.clients.get(struct.id.client)
  );
  structs[findIndexSS(structs, struct.id.clock)] = newStruct;
};
var iterateStructs = (transaction, structs, clockStart, len, f) => {
  if (len === 0) {
    return;
  }
  const clockEnd = clockStart + len;
  let index = findIndexCleanStart(transaction, structs, clockStart);
  let struct;
  do {
    struct = structs[index++];
    if (clockEnd < struct.id.clock + struct.length) {
      findIndexCleanStart(transaction, structs, clockEnd);
    }
    f(struct);
  } while (index < structs.length && structs[index].id.clock < clockEnd);
};
var Transaction = class {
  /**
   * @param {Doc} doc
   * @param {any} origin
   * @param {boolean} local
   */
  constructor(doc2, origin, local) {
    this.doc = doc2;
    this.deleteSet = new DeleteSet();
    this.beforeState = getStateVector(doc2.store);
    this.afterState = /* @__PURE__ */ new Map();
    this.changed = /* @__PURE__ */ new Map();
    this.changedParentTypes = /* @__PURE__ */ new Map();
    this._mergeStructs = [];
    this.origin = origin;
    this.meta = /* @__PURE__ */ new Map();
    this.local = local;
    this.subdocsAdded = /* @__PURE__ */ new Set();
    this.subdocsRemoved = /* @__PURE__ */ new Set();
    this.subdocsLoaded = /* @__PURE__ */ new Set();
    this._needFormattingCleanup = false;
  }
};
var writeUpdateMessageFromTransaction = (encoder, transaction) => {
  if (transaction.deleteSet.clients.size === 0 && !any(transaction.afterState, (clock, client) => transaction.beforeState.get(client) !== clock)) {
    return false;
  }
  sortAndMergeDeleteSet(transaction.deleteSet);
  writeStructsFromTransaction(encoder, transaction);
  writeDeleteSet(encoder, transaction.deleteSet);
  return true;
};
var addChangedTypeToTransaction = (transaction, type, parentSub) => {
  const item = type._item;
  if (item === null || item.id.clock < (transaction.beforeState.get(item.id.client) || 0) && !item.deleted) {
    setIfUndefined(transaction.changed, type, create2).add(parentSub);
  }
};
var tryToMergeWithLefts = (structs, pos) => {
  let right = structs[pos];
  let left = structs[pos - 1];
  let i = pos;
  for (; i > 0; right = left, left = structs[--i - 1]) {
    if (left.deleted === right.deleted && left.constructor === right.constructor) {
      if (left.mergeWith(right)) {
        if (right instanceof Item && right.parentSub !== null && /** @type {AbstractType<any>} */
        right.parent._map.get(right.parentSub) === right) {
          right.parent._map.set(
            right.parentSub,
            /** @type {Item} */
            left
          );
        }
        continue;
      }
    }
    break;
  }
  const merged = pos - i;
  if (merged) {
    structs.splice(pos + 1 - merged, merged);
  }
  return merged;
};
var tryGcDeleteSet = (ds, store, gcFilter) => {
  for (const [client, deleteItems] of ds.clients.entries()) {
    const structs = (
      /** @type {Array<GC|Item>} */
      store.clients.get(client)
    );
    for (let di = deleteItems.length - 1; di >= 0; di--) {
      const deleteItem = deleteItems[di];
      const endDeleteItemClock = deleteItem.clock + deleteItem.len;
      for (let si = findIndexSS(structs, deleteItem.clock), struct = structs[si]; si < structs.length && struct.id.clock < endDeleteItemClock; struct = structs[++si]) {
        const struct2 = structs[si];
        if (deleteItem.clock + deleteItem.len <= struct2.id.clock) {
          break;
        }
        if (struct2 instanceof Item && struct2.deleted && !struct2.keep && gcFilter(struct2)) {
          struct2.gc(store, false);
        }
      }
    }
  }
};
var tryMergeDeleteSet = (ds, store) => {
  ds.clients.forEach((deleteItems, client) => {
    const structs = (
      /** @type {Array<GC|Item>} */
      store.clients.get(client)
    );
    for (let di = deleteItems.length - 1; di >= 0; di--) {
      const deleteItem = deleteItems[di];
      const mostRightIndexToCheck = min(structs.length - 1, 1 + findIndexSS(structs, deleteItem.clock + deleteItem.len - 1));
      for (let si = mostRightIndexToCheck, struct = structs[si]; si > 0 && struct.id.clock >= deleteItem.clock; struct = structs[si]) {
        si -= 1 + tryToMergeWithLefts(structs, si);
      }
    }
  });
};
var cleanupTransactions = (transactionCleanups, i) => {
  if (i < transactionCleanups.length) {
    const transaction = transactionCleanups[i];
    const doc2 = transaction.doc;
    const store = doc2.store;
    const ds = transaction.deleteSet;
    const mergeStructs = transaction._mergeStructs;
    try {
      sortAndMergeDeleteSet(ds);
      transaction.afterState = getStateVector(transaction.doc.store);
      doc2.emit("beforeObserverCalls", [transaction, doc2]);
      const fs = [];
      transaction.changed.forEach(
        (subs, itemtype) => fs.push(() => {
          if (itemtype._item === null || !itemtype._item.deleted) {
            itemtype._callObserver(transaction, subs);
          }
        })
      );
      fs.push(() => {
        transaction.changedParentTypes.forEach((events, type) => {
          if (type._dEH.l.length > 0 && (type._item === null || !type._item.deleted)) {
            fs.push(() => {
              events = events.filter(
                (event) => event.target._item === null || !event.target._item.deleted
              );
              events.forEach((event) => {
                event.currentTarget = type;
                event._path = null;
              });
              events.sort((event1, event2) => event1.path.length - event2.path.length);
              callEventHandlerListeners(type._dEH, events, transaction);
            });
          }
        });
        fs.push(() => doc2.emit("afterTransaction", [transaction, doc2]));
        fs.push(() => {
          if (transaction._needFormattingCleanup) {
            cleanupYTextAfterTransaction(transaction);
          }
        });
      });
      callAll(fs, []);
    } finally {
      if (doc2.gc) {
        tryGcDeleteSet(ds, store, doc2.gcFilter);
      }
      tryMergeDeleteSet(ds, store);
      transaction.afterState.forEach((clock, client) => {
        const beforeClock = transaction.beforeState.get(client) || 0;
        if (beforeClock !== clock) {
          const structs = (
            /** @type {Array<GC|Item>} */
            store.clients.get(client)
          );
          const firstChangePos = max(findIndexSS(structs, beforeClock), 1);
          for (let i2 = structs.length - 1; i2 >= firstChangePos; ) {
            i2 -= 1 + tryToMergeWithLefts(structs, i2);
          }
        }
      });
      for (let i2 = mergeStructs.length - 1; i2 >= 0; i2--) {
        const { client, clock } = mergeStructs[i2].id;
        const structs = (
          /** @type {Array<GC|Item>} */
          store.clients.get(client)
        );
        const replacedStructPos = findIndexSS(structs, clock);
        if (replacedStructPos + 1 < structs.length) {
          if (tryToMergeWithLefts(structs, replacedStructPos + 1) > 1) {
            continue;
          }
        }
        if (replacedStructPos > 0) {
          tryToMergeWithLefts(structs, replacedStructPos);
        }
      }
      if (!transaction.local && transaction.afterState.get(doc2.clientID) !== transaction.beforeState.get(doc2.clientID)) {
        print(ORANGE, BOLD, "[yjs] ", UNBOLD, RED, "Changed the client-id because another client seems to be using it.");
        doc2.clientID = generateNewClientId();
      }
      doc2.emit("afterTransactionCleanup", [transaction, doc2]);
      if (doc2._observers.has("update")) {
        const encoder = new UpdateEncoderV1();
        const hasContent2 = writeUpdateMessageFromTransaction(encoder, transaction);
        if (hasContent2) {
          doc2.emit("update", [encoder.toUint8Array(), transaction.origin, doc2, transaction]);
        }
      }
      if (doc2._observers.has("updateV2")) {
        const encoder = new UpdateEncoderV2();
        const hasContent2 = writeUpdateMessageFromTransaction(encoder, transaction);
        if (hasContent2) {
          doc2.emit("updateV2", [encoder.toUint8Array(), transaction.origin, doc2, transaction]);
        }
      }
      const { subdocsAdded, subdocsLoaded, subdocsRemoved } = transaction;
      if (subdocsAdded.size > 0 || subdocsRemoved.size > 0 || subdocsLoaded.size > 0) {
        subdocsAdded.forEach((subdoc) => {
          subdoc.clientID = doc2.clientID;
          if (subdoc.collectionid == null) {
            subdoc.collectionid = doc2.collectionid;
          }
          doc2.subdocs.add(subdoc);
        });
        subdocsRemoved.forEach((subdoc) => doc2.subdocs.delete(subdoc));
        doc2.emit("subdocs", [{ loaded: subdocsLoaded, added: subdocsAdded, removed: subdocsRemoved }, doc2, transaction]);
        subdocsRemoved.forEach((subdoc) => subdoc.destroy());
      }
      if (transactionCleanups.length <= i + 1) {
        doc2._transactionCleanups = [];
        doc2.emit("afterAllTransactions", [doc2, transactionCleanups]);
      } else {
        cleanupTransactions(transactionCleanups, i + 1);
      }
    }
  }
};
var transact = (doc2, f, origin = null, local = true) => {
  const transactionCleanups = doc2._transactionCleanups;
  let initialCall = false;
  let result = null;
  if (doc2._transaction === null) {
    initialCall = true;
    doc2._transaction = new Transaction(doc2, origin, local);
    transactionCleanups.push(doc2._transaction);
    if (transactionCleanups.length === 1) {
      doc2.emit("beforeAllTransactions", [doc2]);
    }
    doc2.emit("beforeTransaction", [doc2._transaction, doc2]);
  }
  try {
    result = f(doc2._transaction);
  } finally {
    if (initialCall) {
      const finishCleanup = doc2._transaction === transactionCleanups[0];
      doc2._transaction = null;
      if (finishCleanup) {
        cleanupTransactions(transactionCleanups, 0);
      }
    }
  }
  return result;
};
function* lazyStructReaderGenerator(decoder) {
  const numOfStateUpdates = readVarUint(decoder.restDecoder);
  for (let i = 0; i < numOfStateUpdates; i++) {
    const numberOfStructs = readVarUint(decoder.restDecoder);
    const client = decoder.readClient();
    let clock = readVarUint(decoder.restDecoder);
    for (let i2 = 0; i2 < numberOfStructs; i2++) {
      const info = decoder.readInfo();
      if (info === 10) {
        const len = readVarUint(decoder.restDecoder);
        yield new Skip(createID(client, clock), len);
        clock += len;
      } else if ((BITS5 & info) !== 0) {
        const cantCopyParentInfo = (info & (BIT7 | BIT8)) === 0;
        const struct = new Item(
          createID(client, clock),
          null,
          // left
          (info & BIT8) === BIT8 ? decoder.readLeftID() : null,
          // origin
          null,
          // right
          (info & BIT7) === BIT7 ? decoder.readRightID() : null,
          // right origin
          // @ts-ignore Force writing a string here.
          cantCopyParentInfo ? decoder.readParentInfo() ? decoder.readString() : decoder.readLeftID() : null,
          // parent
          cantCopyParentInfo && (info & BIT6) === BIT6 ? decoder.readString() : null,
          // parentSub
          readItemContent(decoder, info)
          // item content
        );
        yield struct;
        clock += struct.length;
      } else {
        const len = decoder.readLen();
        yield new GC(createID(client, clock), len);
        clock += len;
      }
    }
  }
}
var LazyStructReader = class {
  /**
   * @param {UpdateDecoderV1 | UpdateDecoderV2} decoder
   * @param {boolean} filterSkips
   */
  constructor(decoder, filterSkips) {
    this.gen = lazyStructReaderGenerator(decoder);
    this.curr = null;
    this.done = false;
    this.filterSkips = filterSkips;
    this.next();
  }
  /**
   * @return {Item | GC | Skip |null}
   */
  next() {
    do {
      this.curr = this.gen.next().value || null;
    } while (this.filterSkips && this.curr !== null && this.curr.constructor === Skip);
    return this.curr;
  }
};
var decodeUpdate = (update) => decodeUpdateV2(update, UpdateDecoderV1);
var decodeUpdateV2 = (update, YDecoder = UpdateDecoderV2) => {
  const structs = [];
  const updateDecoder = new YDecoder(createDecoder(update));
  const lazyDecoder = new LazyStructReader(updateDecoder, false);
  for (let curr = lazyDecoder.curr; curr !== null; curr = lazyDecoder.next()) {
    structs.push(curr);
  }
  return {
    structs,
    ds: readDeleteSet(updateDecoder)
  };
};
var LazyStructWriter = class {
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   */
  constructor(encoder) {
    this.currClient = 0;
    this.startClock = 0;
    this.written = 0;
    this.encoder = encoder;
    this.clientStructs = [];
  }
};
var mergeUpdates = (updates) => mergeUpdatesV2(updates, UpdateDecoderV1, UpdateEncoderV1);
var sliceStruct = (left, diff) => {
  if (left.constructor === GC) {
    const { client, clock } = left.id;
    return new GC(createID(client, clock + diff), left.length - diff);
  } else if (left.constructor === Skip) {
    const { client, clock } = left.id;
    return new Skip(createID(client, clock + diff), left.length - diff);
  } else {
    const leftItem = (
      /** @type {Item} */
      left
    );
    const { client, clock } = leftItem.id;
    return new Item(
      createID(client, clock + diff),
      null,
      createID(client, clock + diff - 1),
      null,
      leftItem.rightOrigin,
      leftItem.parent,
      leftItem.parentSub,
      leftItem.content.splice(diff)
    );
  }
};
var mergeUpdatesV2 = (updates, YDecoder = UpdateDecoderV2, YEncoder = UpdateEncoderV2) => {
  if (updates.length === 1) {
    return updates[0];
  }
  const updateDecoders = updates.map((update) => new YDecoder(createDecoder(update)));
  let lazyStructDecoders = updateDecoders.map((decoder) => new LazyStructReader(decoder, true));
  let currWrite = null;
  const updateEncoder = new YEncoder();
  const lazyStructEncoder = new LazyStructWriter(updateEncoder);
  while (true) {
    lazyStructDecoders = lazyStructDecoders.filter((dec) => dec.curr !== null);
    lazyStructDecoders.sort(
      /** @type {function(any,any):number} */
      (dec1, dec2) => {
        if (dec1.curr.id.client === dec2.curr.id.client) {
          const clockDiff = dec1.curr.id.clock - dec2.curr.id.clock;
          if (clockDiff === 0) {
            return dec1.curr.constructor === dec2.curr.constructor ? 0 : dec1.curr.constructor === Skip ? 1 : -1;
          } else {
            return clockDiff;
          }
        } else {
          return dec2.curr.id.client - dec1.curr.id.client;
        }
      }
    );
    if (lazyStructDecoders.length === 0) {
      break;
    }
    const currDecoder = lazyStructDecoders[0];
    const firstClient = (
      /** @type {Item | GC} */
      currDecoder.curr.id.client
    );
    if (currWrite !== null) {
      let curr = (
        /** @type {Item | GC | null} */
        currDecoder.curr
      );
      let iterated = false;
      while (curr !== null && curr.id.clock + curr.length <= currWrite.struct.id.clock + currWrite.struct.length && curr.id.client >= currWrite.struct.id.client) {
        curr = currDecoder.next();
        iterated = true;
      }
      if (curr === null || // current decoder is empty
      curr.id.client !== firstClient || // check whether there is another decoder that has has updates from `firstClient`
      iterated && curr.id.clock > currWrite.struct.id.clock + currWrite.struct.length) {
        continue;
      }
      if (firstClient !== currWrite.struct.id.client) {
        writeStructToLazyStructWriter(lazyStructEncoder, currWrite.struct, currWrite.offset);
        currWrite = { struct: curr, offset: 0 };
        currDecoder.next();
      } else {
        if (currWrite.struct.id.clock + currWrite.struct.length < curr.id.clock) {
          if (currWrite.struct.constructor === Skip) {
            currWrite.struct.length = curr.id.clock + curr.length - currWrite.struct.id.clock;
          } else {
            writeStructToLazyStructWriter(lazyStructEncoder, currWrite.struct, currWrite.offset);
            const diff = curr.id.clock - currWrite.struct.id.clock - currWrite.struct.length;
            const struct = new Skip(createID(firstClient, currWrite.struct.id.clock + currWrite.struct.length), diff);
            currWrite = { struct, offset: 0 };
          }
        } else {
          const diff = currWrite.struct.id.clock + currWrite.struct.length - curr.id.clock;
          if (diff > 0) {
            if (currWrite.struct.constructor === Skip) {
              currWrite.struct.length -= diff;
            } else {
              curr = sliceStruct(curr, diff);
            }
          }
          if (!currWrite.struct.mergeWith(
            /** @type {any} */
            curr
          )) {
            writeStructToLazyStructWriter(lazyStructEncoder, currWrite.struct, currWrite.offset);
            currWrite = { struct: curr, offset: 0 };
            currDecoder.next();
          }
        }
      }
    } else {
      currWrite = { struct: (
        /** @type {Item | GC} */
        currDecoder.curr
      ), offset: 0 };
      currDecoder.next();
    }
    for (let next = currDecoder.curr; next !== null && next.id.client === firstClient && next.id.clock === currWrite.struct.id.clock + currWrite.struct.length && next.constructor !== Skip; next = currDecoder.next()) {
      writeStructToLazyStructWriter(lazyStructEncoder, currWrite.struct, currWrite.offset);
      currWrite = { struct: next, offset: 0 };
    }
  }
  if (currWrite !== null) {
    writeStructToLazyStructWriter(lazyStructEncoder, currWrite.struct, currWrite.offset);
    currWrite = null;
  }
  finishLazyStructWriting(lazyStructEncoder);
  const dss = updateDecoders.map((decoder) => readDeleteSet(decoder));
  const ds = mergeDeleteSets(dss);
  writeDeleteSet(updateEncoder, ds);
  return updateEncoder.toUint8Array();
};
var diffUpdateV2 = (update, sv, YDecoder = UpdateDecoderV2, YEncoder = UpdateEncoderV2) => {
  const state = decodeStateVector(sv);
  const encoder = new YEncoder();
  const lazyStructWriter = new LazyStructWriter(encoder);
  const decoder = new YDecoder(createDecoder(update));
  const reader = new LazyStructReader(decoder, false);
  while (reader.curr) {
    const curr = reader.curr;
    const currClient = curr.id.client;
    const svClock = state.get(currClient) || 0;
    if (reader.curr.constructor === Skip) {
      reader.next();
      continue;
    }
    if (curr.id.clock + curr.length > svClock) {
      writeStructToLazyStructWriter(lazyStructWriter, curr, max(svClock - curr.id.clock, 0));
      reader.next();
      while (reader.curr && reader.curr.id.client === currClient) {
        writeStructToLazyStructWriter(lazyStructWriter, reader.curr, 0);
        reader.next();
      }
    } else {
      while (reader.curr && reader.curr.id.client === currClient && reader.curr.id.clock + reader.curr.length <= svClock) {
        reader.next();
      }
    }
  }
  finishLazyStructWriting(lazyStructWriter);
  const ds = readDeleteSet(decoder);
  writeDeleteSet(encoder, ds);
  return encoder.toUint8Array();
};
var flushLazyStructWriter = (lazyWriter) => {
  if (lazyWriter.written > 0) {
    lazyWriter.clientStructs.push({ written: lazyWriter.written, restEncoder: toUint8Array(lazyWriter.encoder.restEncoder) });
    lazyWriter.encoder.restEncoder = createEncoder();
    lazyWriter.written = 0;
  }
};
var writeStructToLazyStructWriter = (lazyWriter, struct, offset) => {
  if (lazyWriter.written > 0 && lazyWriter.currClient !== struct.id.client) {
    flushLazyStructWriter(lazyWriter);
  }
  if (lazyWriter.written === 0) {
    lazyWriter.currClient = struct.id.client;
    lazyWriter.encoder.writeClient(struct.id.client);
    writeVarUint(lazyWriter.encoder.restEncoder, struct.id.clock + offset);
  }
  struct.write(lazyWriter.encoder, offset);
  lazyWriter.written++;
};
var finishLazyStructWriting = (lazyWriter) => {
  flushLazyStructWriter(lazyWriter);
  const restEncoder = lazyWriter.encoder.restEncoder;
  writeVarUint(restEncoder, lazyWriter.clientStructs.length);
  for (let i = 0; i < lazyWriter.clientStructs.length; i++) {
    const partStructs = lazyWriter.clientStructs[i];
    writeVarUint(restEncoder, partStructs.written);
    writeUint8Array(restEncoder, partStructs.restEncoder);
  }
};
var convertUpdateFormat = (update, blockTransformer, YDecoder, YEncoder) => {
  const updateDecoder = new YDecoder(createDecoder(update));
  const lazyDecoder = new LazyStructReader(updateDecoder, false);
  const updateEncoder = new YEncoder();
  const lazyWriter = new LazyStructWriter(updateEncoder);
  for (let curr = lazyDecoder.curr; curr !== null; curr = lazyDecoder.next()) {
    writeStructToLazyStructWriter(lazyWriter, blockTransformer(curr), 0);
  }
  finishLazyStructWriting(lazyWriter);
  const ds = readDeleteSet(updateDecoder);
  writeDeleteSet(updateEncoder, ds);
  return updateEncoder.toUint8Array();
};
var convertUpdateFormatV2ToV1 = (update) => convertUpdateFormat(update, id, UpdateDecoderV2, UpdateEncoderV1);
var errorComputeChanges = "You must not compute changes after the event-handler fired.";
var YEvent = class {
  /**
   * @param {T} target The changed type.
   * @param {Transaction} transaction
   */
  constructor(target, transaction) {
    this.target = target;
    this.currentTarget = target;
    this.transaction = transaction;
    this._changes = null;
    this._keys = null;
    this._delta = null;
    this._path = null;
  }
  /**
   * Computes the path from `y` to the changed type.
   *
   * @todo v14 should standardize on path: Array<{parent, index}> because that is easier to work with.
   *
   * The following property holds:
   * @example
   *   let type = y
   *   event.path.forEach(dir => {
   *     type = type.get(dir)
   *   })
   *   type === event.target // => true
   */
  get path() {
    return this._path || (this._path = getPathTo(this.currentTarget, this.target));
  }
  /**
   * Check if a struct is deleted by this event.
   *
   * In contrast to change.deleted, this method also returns true if the struct was added and then deleted.
   *
   * @param {AbstractStruct} struct
   * @return {boolean}
   */
  deletes(struct) {
    return isDeleted(this.transaction.deleteSet, struct.id);
  }
  /**
   * @type {Map<string, { action: 'add' | 'update' | 'delete', oldValue: any }>}
   */
  get keys() {
    if (this._keys === null) {
      if (this.transaction.doc._transactionCleanups.length === 0) {
        throw create3(errorComputeChanges);
      }
      const keys2 = /* @__PURE__ */ new Map();
      const target = this.target;
      const changed = (
        /** @type Set<string|null> */
        this.transaction.changed.get(target)
      );
      changed.forEach((key) => {
        if (key !== null) {
          const item = (
            /** @type {Item} */
            target._map.get(key)
          );
          let action;
          let oldValue;
          if (this.adds(item)) {
            let prev = item.left;
            while (prev !== null && this.adds(prev)) {
              prev = prev.left;
            }
            if (this.deletes(item)) {
              if (prev !== null && this.deletes(prev)) {
                action = "delete";
                oldValue = last(prev.content.getContent());
              } else {
                return;
              }
            } else {
              if (prev !== null && this.deletes(prev)) {
                action = "update";
                oldValue = last(prev.content.getContent());
              } else {
                action = "add";
                oldValue = void 0;
              }
            }
          } else {
            if (this.deletes(item)) {
              action = "delete";
              oldValue = last(
                /** @type {Item} */
                item.content.getContent()
              );
            } else {
              return;
            }
          }
          keys2.set(key, { action, oldValue });
        }
      });
      this._keys = keys2;
    }
    return this._keys;
  }
  /**
   * This is a computed property. Note that this can only be safely computed during the
   * event call. Computing this property after other changes happened might result in
   * unexpected behavior (incorrect computation of deltas). A safe way to collect changes
   * is to store the `changes` or the `delta` object. Avoid storing the `transaction` object.
   *
   * @type {Array<{insert?: string | Array<any> | object | AbstractType<any>, retain?: number, delete?: number, attributes?: Object<string, any>}>}
   */
  get delta() {
    return this.changes.delta;
  }
  /**
   * Check if a struct is added by this event.
   *
   * In contrast to change.deleted, this method also returns true if the struct was added and then deleted.
   *
   * @param {AbstractStruct} struct
   * @return {boolean}
   */
  adds(struct) {
    return struct.id.clock >= (this.transaction.beforeState.get(struct.id.client) || 0);
  }
  /**
   * This is a computed property. Note that this can only be safely computed during the
   * event call. Computing this property after other changes happened might result in
   * unexpected behavior (incorrect computation of deltas). A safe way to collect changes
   * is to store the `changes` or the `delta` object. Avoid storing the `transaction` object.
   *
   * @type {{added:Set<Item>,deleted:Set<Item>,keys:Map<string,{action:'add'|'update'|'delete',oldValue:any}>,delta:Array<{insert?:Array<any>|string, delete?:number, retain?:number}>}}
   */
  get changes() {
    let changes = this._changes;
    if (changes === null) {
      if (this.transaction.doc._transactionCleanups.length === 0) {
        throw create3(errorComputeChanges);
      }
      const target = this.target;
      const added = create2();
      const deleted = create2();
      const delta = [];
      changes = {
        added,
        deleted,
        delta,
        keys: this.keys
      };
      const changed = (
        /** @type Set<string|null> */
        this.transaction.changed.get(target)
      );
      if (changed.has(null)) {
        let lastOp = null;
        const packOp = () => {
          if (lastOp) {
            delta.push(lastOp);
          }
        };
        for (let item = target._start; item !== null; item = item.right) {
          if (item.deleted) {
            if (this.deletes(item) && !this.adds(item)) {
              if (lastOp === null || lastOp.delete === void 0) {
                packOp();
                lastOp = { delete: 0 };
              }
              lastOp.delete += item.length;
              deleted.add(item);
            }
          } else {
            if (this.adds(item)) {
              if (lastOp === null || lastOp.insert === void 0) {
                packOp();
                lastOp = { insert: [] };
              }
              lastOp.insert = lastOp.insert.concat(item.content.getContent());
              added.add(item);
            } else {
              if (lastOp === null || lastOp.retain === void 0) {
                packOp();
                lastOp = { retain: 0 };
              }
              lastOp.retain += item.length;
            }
          }
        }
        if (lastOp !== null && lastOp.retain === void 0) {
          packOp();
        }
      }
      this._changes = changes;
    }
    return (
      /** @type {any} */
      changes
    );
  }
};
var getPathTo = (parent, child) => {
  const path = [];
  while (child._item !== null && child !== parent) {
    if (child._item.parentSub !== null) {
      path.unshift(child._item.parentSub);
    } else {
      let i = 0;
      let c = (
        /** @type {AbstractType<any>} */
        child._item.parent._start
      );
      while (c !== child._item && c !== null) {
        if (!c.deleted && c.countable) {
          i += c.length;
        }
        c = c.right;
      }
      path.unshift(i);
    }
    child = /** @type {AbstractType<any>} */
    child._item.parent;
  }
  return path;
};
var warnPrematureAccess = () => {
  warn("Invalid access: Add Yjs type to a document before reading data.");
};
var maxSearchMarker = 80;
var globalSearchMarkerTimestamp = 0;
var ArraySearchMarker = class {
  /**
   * @param {Item} p
   * @param {number} index
   */
  constructor(p, index) {
    p.marker = true;
    this.p = p;
    this.index = index;
    this.timestamp = globalSearchMarkerTimestamp++;
  }
};
var refreshMarkerTimestamp = (marker) => {
  marker.timestamp = globalSearchMarkerTimestamp++;
};
var overwriteMarker = (marker, p, index) => {
  marker.p.marker = false;
  marker.p = p;
  p.marker = true;
  marker.index = index;
  marker.timestamp = globalSearchMarkerTimestamp++;
};
var markPosition = (searchMarker, p, index) => {
  if (searchMarker.length >= maxSearchMarker) {
    const marker = searchMarker.reduce((a, b) => a.timestamp < b.timestamp ? a : b);
    overwriteMarker(marker, p, index);
    return marker;
  } else {
    const pm = new ArraySearchMarker(p, index);
    searchMarker.push(pm);
    return pm;
  }
};
var findMarker = (yarray, index) => {
  if (yarray._start === null || index === 0 || yarray._searchMarker === null) {
    return null;
  }
  const marker = yarray._searchMarker.length === 0 ? null : yarray._searchMarker.reduce((a, b) => abs(index - a.index) < abs(index - b.index) ? a : b);
  let p = yarray._start;
  let pindex = 0;
  if (marker !== null) {
    p = marker.p;
    pindex = marker.index;
    refreshMarkerTimestamp(marker);
  }
  while (p.right !== null && pindex < index) {
    if (!p.deleted && p.countable) {
      if (index < pindex + p.length) {
        break;
      }
      pindex += p.length;
    }
    p = p.right;
  }
  while (p.left !== null && pindex > index) {
    p = p.left;
    if (!p.deleted && p.countable) {
      pindex -= p.length;
    }
  }
  while (p.left !== null && p.left.id.client === p.id.client && p.left.id.clock + p.left.length === p.id.clock) {
    p = p.left;
    if (!p.deleted && p.countable) {
      pindex -= p.length;
    }
  }
  if (marker !== null && abs(marker.index - pindex) < /** @type {YText|YArray<any>} */
  p.parent.length / maxSearchMarker) {
    overwriteMarker(marker, p, pindex);
    return marker;
  } else {
    return markPosition(yarray._searchMarker, p, pindex);
  }
};
var updateMarkerChanges = (searchMarker, index, len) => {
  for (let i = searchMarker.length - 1; i >= 0; i--) {
    const m = searchMarker[i];
    if (len > 0) {
      let p = m.p;
      p.marker = false;
      while (p && (p.deleted || !p.countable)) {
        p = p.left;
        if (p && !p.deleted && p.countable) {
          m.index -= p.length;
        }
      }
      if (p === null || p.marker === true) {
        searchMarker.splice(i, 1);
        continue;
      }
      m.p = p;
      p.marker = true;
    }
    if (index < m.index || len > 0 && index === m.index) {
      m.index = max(index, m.index + len);
    }
  }
};
var callTypeObservers = (type, transaction, event) => {
  const changedType = type;
  const changedParentTypes = transaction.changedParentTypes;
  while (true) {
    setIfUndefined(changedParentTypes, type, () => []).push(event);
    if (type._item === null) {
      break;
    }
    type = /** @type {AbstractType<any>} */
    type._item.parent;
  }
  callEventHandlerListeners(changedType._eH, event, transaction);
};
var AbstractType = class {
  constructor() {
    this._item = null;
    this._map = /* @__PURE__ */ new Map();
    this._start = null;
    this.doc = null;
    this._length = 0;
    this._eH = createEventHandler();
    this._dEH = createEventHandler();
    this._searchMarker = null;
  }
  /**
   * @return {AbstractType<any>|null}
   */
  get parent() {
    return this._item ? (
      /** @type {AbstractType<any>} */
      this._item.parent
    ) : null;
  }
  /**
   * Integrate this type into the Yjs instance.
   *
   * * Save this struct in the os
   * * This type is sent to other client
   * * Observer functions are fired
   *
   * @param {Doc} y The Yjs instance
   * @param {Item|null} item
   */
  _integrate(y, item) {
    this.doc = y;
    this._item = item;
  }
  /**
   * @return {AbstractType<EventType>}
   */
  _copy() {
    throw methodUnimplemented();
  }
  /**
   * Makes a copy of this data type that can be included somewhere else.
   *
   * Note that the content is only readable _after_ it has been included somewhere in the Ydoc.
   *
   * @return {AbstractType<EventType>}
   */
  clone() {
    throw methodUnimplemented();
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} _encoder
   */
  _write(_encoder) {
  }
  /**
   * The first non-deleted item
   */
  get _first() {
    let n = this._start;
    while (n !== null && n.deleted) {
      n = n.right;
    }
    return n;
  }
  /**
   * Creates YEvent and calls all type observers.
   * Must be implemented by each type.
   *
   * @param {Transaction} transaction
   * @param {Set<null|string>} _parentSubs Keys changed on this type. `null` if list was modified.
   */
  _callObserver(transaction, _parentSubs) {
    if (!transaction.local && this._searchMarker) {
      this._searchMarker.length = 0;
    }
  }
  /**
   * Observe all events that are created on this type.
   *
   * @param {function(EventType, Transaction):void} f Observer function
   */
  observe(f) {
    addEventHandlerListener(this._eH, f);
  }
  /**
   * Observe all events that are created by this type and its children.
   *
   * @param {function(Array<YEvent<any>>,Transaction):void} f Observer function
   */
  observeDeep(f) {
    addEventHandlerListener(this._dEH, f);
  }
  /**
   * Unregister an observer function.
   *
   * @param {function(EventType,Transaction):void} f Observer function
   */
  unobserve(f) {
    removeEventHandlerListener(this._eH, f);
  }
  /**
   * Unregister an observer function.
   *
   * @param {function(Array<YEvent<any>>,Transaction):void} f Observer function
   */
  unobserveDeep(f) {
    removeEventHandlerListener(this._dEH, f);
  }
  /**
   * @abstract
   * @return {any}
   */
  toJSON() {
  }
};
var typeListSlice = (type, start, end) => {
  type.doc ?? warnPrematureAccess();
  if (start < 0) {
    start = type._length + start;
  }
  if (end < 0) {
    end = type._length + end;
  }
  let len = end - start;
  const cs = [];
  let n = type._start;
  while (n !== null && len > 0) {
    if (n.countable && !n.deleted) {
      const c = n.content.getContent();
      if (c.length <= start) {
        start -= c.length;
      } else {
        for (let i = start; i < c.length && len > 0; i++) {
          cs.push(c[i]);
          len--;
        }
        start = 0;
      }
    }
    n = n.right;
  }
  return cs;
};
var typeListToArray = (type) => {
  type.doc ?? warnPrematureAccess();
  const cs = [];
  let n = type._start;
  while (n !== null) {
    if (n.countable && !n.deleted) {
      const c = n.content.getContent();
      for (let i = 0; i < c.length; i++) {
        cs.push(c[i]);
      }
    }
    n = n.right;
  }
  return cs;
};
var typeListForEach = (type, f) => {
  let index = 0;
  let n = type._start;
  type.doc ?? warnPrematureAccess();
  while (n !== null) {
    if (n.countable && !n.deleted) {
      const c = n.content.getContent();
      for (let i = 0; i < c.length; i++) {
        f(c[i], index++, type);
      }
    }
    n = n.right;
  }
};
var typeListMap = (type, f) => {
  const result = [];
  typeListForEach(type, (c, i) => {
    result.push(f(c, i, type));
  });
  return result;
};
var typeListCreateIterator = (type) => {
  let n = type._start;
  let currentContent = null;
  let currentContentIndex = 0;
  return {
    [Symbol.iterator]() {
      return this;
    },
    next: () => {
      if (currentContent === null) {
        while (n !== null && n.deleted) {
          n = n.right;
        }
        if (n === null) {
          return {
            done: true,
            value: void 0
          };
        }
        currentContent = n.content.getContent();
        currentContentIndex = 0;
        n = n.right;
      }
      const value = currentContent[currentContentIndex++];
      if (currentContent.length <= currentContentIndex) {
        currentContent = null;
      }
      return {
        done: false,
        value
      };
    }
  };
};
var typeListGet = (type, index) => {
  type.doc ?? warnPrematureAccess();
  const marker = findMarker(type, index);
  let n = type._start;
  if (marker !== null) {
    n = marker.p;
    index -= marker.index;
  }
  for (; n !== null; n = n.right) {
    if (!n.deleted && n.countable) {
      if (index < n.length) {
        return n.content.getContent()[index];
      }
      index -= n.length;
    }
  }
};
var typeListInsertGenericsAfter = (transaction, parent, referenceItem, content) => {
  let left = referenceItem;
  const doc2 = transaction.doc;
  const ownClientId = doc2.clientID;
  const store = doc2.store;
  const right = referenceItem === null ? parent._start : referenceItem.right;
  let jsonContent = [];
  const packJsonContent = () => {
    if (jsonContent.length > 0) {
      left = new Item(createID(ownClientId, getState(store, ownClientId)), left, left && left.lastId, right, right && right.id, parent, null, new ContentAny(jsonContent));
      left.integrate(transaction, 0);
      jsonContent = [];
    }
  };
  content.forEach((c) => {
    if (c === null) {
      jsonContent.push(c);
    } else {
      switch (c.constructor) {
        case Number:
        case Object:
        case Boolean:
        case Array:
        case String:
          jsonContent.push(c);
          break;
        default:
          packJsonContent();
          switch (c.constructor) {
            case Uint8Array:
            case ArrayBuffer:
              left = new Item(createID(ownClientId, getState(store, ownClientId)), left, left && left.lastId, right, right && right.id, parent, null, new ContentBinary(new Uint8Array(
                /** @type {Uint8Array} */
                c
              )));
              left.integrate(transaction, 0);
              break;
            case Doc:
              left = new Item(createID(ownClientId, getState(store, ownClientId)), left, left && left.lastId, right, right && right.id, parent, null, new ContentDoc(
                /** @type {Doc} */
                c
              ));
              left.integrate(transaction, 0);
              break;
            default:
              if (c instanceof AbstractType) {
                left = new Item(createID(ownClientId, getState(store, ownClientId)), left, left && left.lastId, right, right && right.id, parent, null, new ContentType(c));
                left.integrate(transaction, 0);
              } else {
                throw new Error("Unexpected content type in insert operation");
              }
          }
      }
    }
  });
  packJsonContent();
};
var lengthExceeded = () => create3("Length exceeded!");
var typeListInsertGenerics = (transaction, parent, index, content) => {
  if (index > parent._length) {
    throw lengthExceeded();
  }
  if (index === 0) {
    if (parent._searchMarker) {
      updateMarkerChanges(parent._searchMarker, index, content.length);
    }
    return typeListInsertGenericsAfter(transaction, parent, null, content);
  }
  const startIndex = index;
  const marker = findMarker(parent, index);
  let n = parent._start;
  if (marker !== null) {
    n = marker.p;
    index -= marker.index;
    if (index === 0) {
      n = n.prev;
      index += n && n.countable && !n.deleted ? n.length : 0;
    }
  }
  for (; n !== null; n = n.right) {
    if (!n.deleted && n.countable) {
      if (index <= n.length) {
        if (index < n.length) {
          getItemCleanStart(transaction, createID(n.id.client, n.id.clock + index));
        }
        break;
      }
      index -= n.length;
    }
  }
  if (parent._searchMarker) {
    updateMarkerChanges(parent._searchMarker, startIndex, content.length);
  }
  return typeListInsertGenericsAfter(transaction, parent, n, content);
};
var typeListPushGenerics = (transaction, parent, content) => {
  const marker = (parent._searchMarker || []).reduce((maxMarker, currMarker) => currMarker.index > maxMarker.index ? currMarker : maxMarker, { index: 0, p: parent._start });
  let n = marker.p;
  if (n) {
    while (n.right) {
      n = n.right;
    }
  }
  return typeListInsertGenericsAfter(transaction, parent, n, content);
};
var typeListDelete = (transaction, parent, index, length2) => {
  if (length2 === 0) {
    return;
  }
  const startIndex = index;
  const startLength = length2;
  const marker = findMarker(parent, index);
  let n = parent._start;
  if (marker !== null) {
    n = marker.p;
    index -= marker.index;
  }
  for (; n !== null && index > 0; n = n.right) {
    if (!n.deleted && n.countable) {
      if (index < n.length) {
        getItemCleanStart(transaction, createID(n.id.client, n.id.clock + index));
      }
      index -= n.length;
    }
  }
  while (length2 > 0 && n !== null) {
    if (!n.deleted) {
      if (length2 < n.length) {
        getItemCleanStart(transaction, createID(n.id.client, n.id.clock + length2));
      }
      n.delete(transaction);
      length2 -= n.length;
    }
    n = n.right;
  }
  if (length2 > 0) {
    throw lengthExceeded();
  }
  if (parent._searchMarker) {
    updateMarkerChanges(
      parent._searchMarker,
      startIndex,
      -startLength + length2
      /* in case we remove the above exception */
    );
  }
};
var typeMapDelete = (transaction, parent, key) => {
  const c = parent._map.get(key);
  if (c !== void 0) {
    c.delete(transaction);
  }
};
var typeMapSet = (transaction, parent, key, value) => {
  const left = parent._map.get(key) || null;
  const doc2 = transaction.doc;
  const ownClientId = doc2.clientID;
  let content;
  if (value == null) {
    content = new ContentAny([value]);
  } else {
    switch (value.constructor) {
      case Number:
      case Object:
      case Boolean:
      case Array:
      case String:
      case Date:
      case BigInt:
        content = new ContentAny([value]);
        break;
      case Uint8Array:
        content = new ContentBinary(
          /** @type {Uint8Array} */
          value
        );
        break;
      case Doc:
        content = new ContentDoc(
          /** @type {Doc} */
          value
        );
        break;
      default:
        if (value instanceof AbstractType) {
          content = new ContentType(value);
        } else {
          throw new Error("Unexpected content type");
        }
    }
  }
  new Item(createID(ownClientId, getState(doc2.store, ownClientId)), left, left && left.lastId, null, null, parent, key, content).integrate(transaction, 0);
};
var typeMapGet = (parent, key) => {
  parent.doc ?? warnPrematureAccess();
  const val = parent._map.get(key);
  return val !== void 0 && !val.deleted ? val.content.getContent()[val.length - 1] : void 0;
};
var typeMapGetAll = (parent) => {
  const res = {};
  parent.doc ?? warnPrematureAccess();
  parent._map.forEach((value, key) => {
    if (!value.deleted) {
      res[key] = value.content.getContent()[value.length - 1];
    }
  });
  return res;
};
var typeMapHas = (parent, key) => {
  parent.doc ?? warnPrematureAccess();
  const val = parent._map.get(key);
  return val !== void 0 && !val.deleted;
};
var typeMapGetAllSnapshot = (parent, snapshot) => {
  const res = {};
  parent._map.forEach((value, key) => {
    let v = value;
    while (v !== null && (!snapshot.sv.has(v.id.client) || v.id.clock >= (snapshot.sv.get(v.id.client) || 0))) {
      v = v.left;
    }
    if (v !== null && isVisible(v, snapshot)) {
      res[key] = v.content.getContent()[v.length - 1];
    }
  });
  return res;
};
var createMapIterator = (type) => {
  type.doc ?? warnPrematureAccess();
  return iteratorFilter(
    type._map.entries(),
    /** @param {any} entry */
    (entry) => !entry[1].deleted
  );
};
var YArrayEvent = class extends YEvent {
};
var YArray = class _YArray extends AbstractType {
  constructor() {
    super();
    this._prelimContent = [];
    this._searchMarker = [];
  }
  /**
   * Construct a new YArray containing the specified items.
   * @template {Object<string,any>|Array<any>|number|null|string|Uint8Array} T
   * @param {Array<T>} items
   * @return {YArray<T>}
   */
  static from(items) {
    const a = new _YArray();
    a.push(items);
    return a;
  }
  /**
   * Integrate this type into the Yjs instance.
   *
   * * Save this struct in the os
   * * This type is sent to other client
   * * Observer functions are fired
   *
   * @param {Doc} y The Yjs instance
   * @param {Item} item
   */
  _integrate(y, item) {
    super._integrate(y, item);
    this.insert(
      0,
      /** @type {Array<any>} */
      this._prelimContent
    );
    this._prelimContent = null;
  }
  /**
   * @return {YArray<T>}
   */
  _copy() {
    return new _YArray();
  }
  /**
   * Makes a copy of this data type that can be included somewhere else.
   *
   * Note that the content is only readable _after_ it has been included somewhere in the Ydoc.
   *
   * @return {YArray<T>}
   */
  clone() {
    const arr = new _YArray();
    arr.insert(0, this.toArray().map(
      (el) => el instanceof AbstractType ? (
        /** @type {typeof el} */
        el.clone()
      ) : el
    ));
    return arr;
  }
  get length() {
    this.doc ?? warnPrematureAccess();
    return this._length;
  }
  /**
   * Creates YArrayEvent and calls observers.
   *
   * @param {Transaction} transaction
   * @param {Set<null|string>} parentSubs Keys changed on this type. `null` if list was modified.
   */
  _callObserver(transaction, parentSubs) {
    super._callObserver(transaction, parentSubs);
    callTypeObservers(this, transaction, new YArrayEvent(this, transaction));
  }
  /**
   * Inserts new content at an index.
   *
   * Important: This function expects an array of content. Not just a content
   * object. The reason for this "weirdness" is that inserting several elements
   * is very efficient when it is done as a single operation.
   *
   * @example
   *  // Insert character 'a' at position 0
   *  yarray.insert(0, ['a'])
   *  // Insert numbers 1, 2 at position 1
   *  yarray.insert(1, [1, 2])
   *
   * @param {number} index The index to insert content at.
   * @param {Array<T>} content The array of content
   */
  insert(index, content) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeListInsertGenerics(
          transaction,
          this,
          index,
          /** @type {any} */
          content
        );
      });
    } else {
      this._prelimContent.splice(index, 0, ...content);
    }
  }
  /**
   * Appends content to this YArray.
   *
   * @param {Array<T>} content Array of content to append.
   *
   * @todo Use the following implementation in all types.
   */
  push(content) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeListPushGenerics(
          transaction,
          this,
          /** @type {any} */
          content
        );
      });
    } else {
      this._prelimContent.push(...content);
    }
  }
  /**
   * Prepends content to this YArray.
   *
   * @param {Array<T>} content Array of content to prepend.
   */
  unshift(content) {
    this.insert(0, content);
  }
  /**
   * Deletes elements starting from an index.
   *
   * @param {number} index Index at which to start deleting elements
   * @param {number} length The number of elements to remove. Defaults to 1.
   */
  delete(index, length2 = 1) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeListDelete(transaction, this, index, length2);
      });
    } else {
      this._prelimContent.splice(index, length2);
    }
  }
  /**
   * Returns the i-th element from a YArray.
   *
   * @param {number} index The index of the element to return from the YArray
   * @return {T}
   */
  get(index) {
    return typeListGet(this, index);
  }
  /**
   * Transforms this YArray to a JavaScript Array.
   *
   * @return {Array<T>}
   */
  toArray() {
    return typeListToArray(this);
  }
  /**
   * Returns a portion of this YArray into a JavaScript Array selected
   * from start to end (end not included).
   *
   * @param {number} [start]
   * @param {number} [end]
   * @return {Array<T>}
   */
  slice(start = 0, end = this.length) {
    return typeListSlice(this, start, end);
  }
  /**
   * Transforms this Shared Type to a JSON object.
   *
   * @return {Array<any>}
   */
  toJSON() {
    return this.map((c) => c instanceof AbstractType ? c.toJSON() : c);
  }
  /**
   * Returns an Array with the result of calling a provided function on every
   * element of this YArray.
   *
   * @template M
   * @param {function(T,number,YArray<T>):M} f Function that produces an element of the new Array
   * @return {Array<M>} A new array with each element being the result of the
   *                 callback function
   */
  map(f) {
    return typeListMap(
      this,
      /** @type {any} */
      f
    );
  }
  /**
   * Executes a provided function once on every element of this YArray.
   *
   * @param {function(T,number,YArray<T>):void} f A function to execute on every element of this YArray.
   */
  forEach(f) {
    typeListForEach(this, f);
  }
  /**
   * @return {IterableIterator<T>}
   */
  [Symbol.iterator]() {
    return typeListCreateIterator(this);
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   */
  _write(encoder) {
    encoder.writeTypeRef(YArrayRefID);
  }
};
var readYArray = (_decoder) => new YArray();
var YMapEvent = class extends YEvent {
  /**
   * @param {YMap<T>} ymap The YArray that changed.
   * @param {Transaction} transaction
   * @param {Set<any>} subs The keys that changed.
   */
  constructor(ymap, transaction, subs) {
    super(ymap, transaction);
    this.keysChanged = subs;
  }
};
var YMap = class _YMap extends AbstractType {
  /**
   *
   * @param {Iterable<readonly [string, any]>=} entries - an optional iterable to initialize the YMap
   */
  constructor(entries) {
    super();
    this._prelimContent = null;
    if (entries === void 0) {
      this._prelimContent = /* @__PURE__ */ new Map();
    } else {
      this._prelimContent = new Map(entries);
    }
  }
  /**
   * Integrate this type into the Yjs instance.
   *
   * * Save this struct in the os
   * * This type is sent to other client
   * * Observer functions are fired
   *
   * @param {Doc} y The Yjs instance
   * @param {Item} item
   */
  _integrate(y, item) {
    super._integrate(y, item);
    this._prelimContent.forEach((value, key) => {
      this.set(key, value);
    });
    this._prelimContent = null;
  }
  /**
   * @return {YMap<MapType>}
   */
  _copy() {
    return new _YMap();
  }
  /**
   * Makes a copy of this data type that can be included somewhere else.
   *
   * Note that the content is only readable _after_ it has been included somewhere in the Ydoc.
   *
   * @return {YMap<MapType>}
   */
  clone() {
    const map2 = new _YMap();
    this.forEach((value, key) => {
      map2.set(key, value instanceof AbstractType ? (
        /** @type {typeof value} */
        value.clone()
      ) : value);
    });
    return map2;
  }
  /**
   * Creates YMapEvent and calls observers.
   *
   * @param {Transaction} transaction
   * @param {Set<null|string>} parentSubs Keys changed on this type. `null` if list was modified.
   */
  _callObserver(transaction, parentSubs) {
    callTypeObservers(this, transaction, new YMapEvent(this, transaction, parentSubs));
  }
  /**
   * Transforms this Shared Type to a JSON object.
   *
   * @return {Object<string,any>}
   */
  toJSON() {
    this.doc ?? warnPrematureAccess();
    const map2 = {};
    this._map.forEach((item, key) => {
      if (!item.deleted) {
        const v = item.content.getContent()[item.length - 1];
        map2[key] = v instanceof AbstractType ? v.toJSON() : v;
      }
    });
    return map2;
  }
  /**
   * Returns the size of the YMap (count of key/value pairs)
   *
   * @return {number}
   */
  get size() {
    return [...createMapIterator(this)].length;
  }
  /**
   * Returns the keys for each element in the YMap Type.
   *
   * @return {IterableIterator<string>}
   */
  keys() {
    return iteratorMap(
      createMapIterator(this),
      /** @param {any} v */
      (v) => v[0]
    );
  }
  /**
   * Returns the values for each element in the YMap Type.
   *
   * @return {IterableIterator<MapType>}
   */
  values() {
    return iteratorMap(
      createMapIterator(this),
      /** @param {any} v */
      (v) => v[1].content.getContent()[v[1].length - 1]
    );
  }
  /**
   * Returns an Iterator of [key, value] pairs
   *
   * @return {IterableIterator<[string, MapType]>}
   */
  entries() {
    return iteratorMap(
      createMapIterator(this),
      /** @param {any} v */
      (v) => (
        /** @type {any} */
        [v[0], v[1].content.getContent()[v[1].length - 1]]
      )
    );
  }
  /**
   * Executes a provided function on once on every key-value pair.
   *
   * @param {function(MapType,string,YMap<MapType>):void} f A function to execute on every element of this YArray.
   */
  forEach(f) {
    this.doc ?? warnPrematureAccess();
    this._map.forEach((item, key) => {
      if (!item.deleted) {
        f(item.content.getContent()[item.length - 1], key, this);
      }
    });
  }
  /**
   * Returns an Iterator of [key, value] pairs
   *
   * @return {IterableIterator<[string, MapType]>}
   */
  [Symbol.iterator]() {
    return this.entries();
  }
  /**
   * Remove a specified element from this YMap.
   *
   * @param {string} key The key of the element to remove.
   */
  delete(key) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeMapDelete(transaction, this, key);
      });
    } else {
      this._prelimContent.delete(key);
    }
  }
  /**
   * Adds or updates an element with a specified key and value.
   * @template {MapType} VAL
   *
   * @param {string} key The key of the element to add to this YMap
   * @param {VAL} value The value of the element to add
   * @return {VAL}
   */
  set(key, value) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeMapSet(
          transaction,
          this,
          key,
          /** @type {any} */
          value
        );
      });
    } else {
      this._prelimContent.set(key, value);
    }
    return value;
  }
  /**
   * Returns a specified element from this YMap.
   *
   * @param {string} key
   * @return {MapType|undefined}
   */
  get(key) {
    return (
      /** @type {any} */
      typeMapGet(this, key)
    );
  }
  /**
   * Returns a boolean indicating whether the specified key exists or not.
   *
   * @param {string} key The key to test.
   * @return {boolean}
   */
  has(key) {
    return typeMapHas(this, key);
  }
  /**
   * Removes all elements from this YMap.
   */
  clear() {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        this.forEach(function(_value, key, map2) {
          typeMapDelete(transaction, map2, key);
        });
      });
    } else {
      this._prelimContent.clear();
    }
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   */
  _write(encoder) {
    encoder.writeTypeRef(YMapRefID);
  }
};
var readYMap = (_decoder) => new YMap();
var equalAttrs = (a, b) => a === b || typeof a === "object" && typeof b === "object" && a && b && equalFlat(a, b);
var ItemTextListPosition = class {
  /**
   * @param {Item|null} left
   * @param {Item|null} right
   * @param {number} index
   * @param {Map<string,any>} currentAttributes
   */
  constructor(left, right, index, currentAttributes) {
    this.left = left;
    this.right = right;
    this.index = index;
    this.currentAttributes = currentAttributes;
  }
  /**
   * Only call this if you know that this.right is defined
   */
  forward() {
    if (this.right === null) {
      unexpectedCase();
    }
    switch (this.right.content.constructor) {
      case ContentFormat:
        if (!this.right.deleted) {
          updateCurrentAttributes(
            this.currentAttributes,
            /** @type {ContentFormat} */
            this.right.content
          );
        }
        break;
      default:
        if (!this.right.deleted) {
          this.index += this.right.length;
        }
        break;
    }
    this.left = this.right;
    this.right = this.right.right;
  }
};
var findNextPosition = (transaction, pos, count) => {
  while (pos.right !== null && count > 0) {
    switch (pos.right.content.constructor) {
      case ContentFormat:
        if (!pos.right.deleted) {
          updateCurrentAttributes(
            pos.currentAttributes,
            /** @type {ContentFormat} */
            pos.right.content
          );
        }
        break;
      default:
        if (!pos.right.deleted) {
          if (count < pos.right.length) {
            getItemCleanStart(transaction, createID(pos.right.id.client, pos.right.id.clock + count));
          }
          pos.index += pos.right.length;
          count -= pos.right.length;
        }
        break;
    }
    pos.left = pos.right;
    pos.right = pos.right.right;
  }
  return pos;
};
var findPosition = (transaction, parent, index, useSearchMarker) => {
  const currentAttributes = /* @__PURE__ */ new Map();
  const marker = useSearchMarker ? findMarker(parent, index) : null;
  if (marker) {
    const pos = new ItemTextListPosition(marker.p.left, marker.p, marker.index, currentAttributes);
    return findNextPosition(transaction, pos, index - marker.index);
  } else {
    const pos = new ItemTextListPosition(null, parent._start, 0, currentAttributes);
    return findNextPosition(transaction, pos, index);
  }
};
var insertNegatedAttributes = (transaction, parent, currPos, negatedAttributes) => {
  while (currPos.right !== null && (currPos.right.deleted === true || currPos.right.content.constructor === ContentFormat && equalAttrs(
    negatedAttributes.get(
      /** @type {ContentFormat} */
      currPos.right.content.key
    ),
    /** @type {ContentFormat} */
    currPos.right.content.value
  ))) {
    if (!currPos.right.deleted) {
      negatedAttributes.delete(
        /** @type {ContentFormat} */
        currPos.right.content.key
      );
    }
    currPos.forward();
  }
  const doc2 = transaction.doc;
  const ownClientId = doc2.clientID;
  negatedAttributes.forEach((val, key) => {
    const left = currPos.left;
    const right = currPos.right;
    const nextFormat = new Item(createID(ownClientId, getState(doc2.store, ownClientId)), left, left && left.lastId, right, right && right.id, parent, null, new ContentFormat(key, val));
    nextFormat.integrate(transaction, 0);
    currPos.right = nextFormat;
    currPos.forward();
  });
};
var updateCurrentAttributes = (currentAttributes, format) => {
  const { key, value } = format;
  if (value === null) {
    currentAttributes.delete(key);
  } else {
    currentAttributes.set(key, value);
  }
};
var minimizeAttributeChanges = (currPos, attributes) => {
  while (true) {
    if (currPos.right === null) {
      break;
    } else if (currPos.right.deleted || currPos.right.content.constructor === ContentFormat && equalAttrs(
      attributes[
        /** @type {ContentFormat} */
        currPos.right.content.key
      ] ?? null,
      /** @type {ContentFormat} */
      currPos.right.content.value
    )) ;
    else {
      break;
    }
    currPos.forward();
  }
};
var insertAttributes = (transaction, parent, currPos, attributes) => {
  const doc2 = transaction.doc;
  const ownClientId = doc2.clientID;
  const negatedAttributes = /* @__PURE__ */ new Map();
  for (const key in attributes) {
    const val = attributes[key];
    const currentVal = currPos.currentAttributes.get(key) ?? null;
    if (!equalAttrs(currentVal, val)) {
      negatedAttributes.set(key, currentVal);
      const { left, right } = currPos;
      currPos.right = new Item(createID(ownClientId, getState(doc2.store, ownClientId)), left, left && left.lastId, right, right && right.id, parent, null, new ContentFormat(key, val));
      currPos.right.integrate(transaction, 0);
      currPos.forward();
    }
  }
  return negatedAttributes;
};
var insertText = (transaction, parent, currPos, text3, attributes) => {
  currPos.currentAttributes.forEach((_val, key) => {
    if (attributes[key] === void 0) {
      attributes[key] = null;
    }
  });
  const doc2 = transaction.doc;
  const ownClientId = doc2.clientID;
  minimizeAttributeChanges(currPos, attributes);
  const negatedAttributes = insertAttributes(transaction, parent, currPos, attributes);
  const content = text3.constructor === String ? new ContentString(
    /** @type {string} */
    text3
  ) : text3 instanceof AbstractType ? new ContentType(text3) : new ContentEmbed(text3);
  let { left, right, index } = currPos;
  if (parent._searchMarker) {
    updateMarkerChanges(parent._searchMarker, currPos.index, content.getLength());
  }
  right = new Item(createID(ownClientId, getState(doc2.store, ownClientId)), left, left && left.lastId, right, right && right.id, parent, null, content);
  right.integrate(transaction, 0);
  currPos.right = right;
  currPos.index = index;
  currPos.forward();
  insertNegatedAttributes(transaction, parent, currPos, negatedAttributes);
};
var formatText = (transaction, parent, currPos, length2, attributes) => {
  const doc2 = transaction.doc;
  const ownClientId = doc2.clientID;
  minimizeAttributeChanges(currPos, attributes);
  const negatedAttributes = insertAttributes(transaction, parent, currPos, attributes);
  iterationLoop: while (currPos.right !== null && (length2 > 0 || negatedAttributes.size > 0 && (currPos.right.deleted || currPos.right.content.constructor === ContentFormat))) {
    if (!currPos.right.deleted) {
      switch (currPos.right.content.constructor) {
        case ContentFormat: {
          const { key, value } = (
            /** @type {ContentFormat} */
            currPos.right.content
          );
          const attr = attributes[key];
          if (attr !== void 0) {
            if (equalAttrs(attr, value)) {
              negatedAttributes.delete(key);
            } else {
              if (length2 === 0) {
                break iterationLoop;
              }
              negatedAttributes.set(key, value);
            }
            currPos.right.delete(transaction);
          } else {
            currPos.currentAttributes.set(key, value);
          }
          break;
        }
        default:
          if (length2 < currPos.right.length) {
            getItemCleanStart(transaction, createID(currPos.right.id.client, currPos.right.id.clock + length2));
          }
          length2 -= currPos.right.length;
          break;
      }
    }
    currPos.forward();
  }
  if (length2 > 0) {
    let newlines = "";
    for (; length2 > 0; length2--) {
      newlines += "\n";
    }
    currPos.right = new Item(createID(ownClientId, getState(doc2.store, ownClientId)), currPos.left, currPos.left && currPos.left.lastId, currPos.right, currPos.right && currPos.right.id, parent, null, new ContentString(newlines));
    currPos.right.integrate(transaction, 0);
    currPos.forward();
  }
  insertNegatedAttributes(transaction, parent, currPos, negatedAttributes);
};
var cleanupFormattingGap = (transaction, start, curr, startAttributes, currAttributes) => {
  let end = start;
  const endFormats = create();
  while (end && (!end.countable || end.deleted)) {
    if (!end.deleted && end.content.constructor === ContentFormat) {
      const cf = (
        /** @type {ContentFormat} */
        end.content
      );
      endFormats.set(cf.key, cf);
    }
    end = end.right;
  }
  let cleanups = 0;
  let reachedCurr = false;
  while (start !== end) {
    if (curr === start) {
      reachedCurr = true;
    }
    if (!start.deleted) {
      const content = start.content;
      switch (content.constructor) {
        case ContentFormat: {
          const { key, value } = (
            /** @type {ContentFormat} */
            content
          );
          const startAttrValue = startAttributes.get(key) ?? null;
          if (endFormats.get(key) !== content || startAttrValue === value) {
            start.delete(transaction);
            cleanups++;
            if (!reachedCurr && (currAttributes.get(key) ?? null) === value && startAttrValue !== value) {
              if (startAttrValue === null) {
                currAttributes.delete(key);
              } else {
                currAttributes.set(key, startAttrValue);
              }
            }
          }
          if (!reachedCurr && !start.deleted) {
            updateCurrentAttributes(
              currAttributes,
              /** @type {ContentFormat} */
              content
            );
          }
          break;
        }
      }
    }
    start = /** @type {Item} */
    start.right;
  }
  return cleanups;
};
var cleanupContextlessFormattingGap = (transaction, item) => {
  while (item && item.right && (item.right.deleted || !item.right.countable)) {
    item = item.right;
  }
  const attrs = /* @__PURE__ */ new Set();
  while (item && (item.deleted || !item.countable)) {
    if (!item.deleted && item.content.constructor === ContentFormat) {
      const key = (
        /** @type {ContentFormat} */
        item.content.key
      );
      if (attrs.has(key)) {
        item.delete(transaction);
      } else {
        attrs.add(key);
      }
    }
    item = item.left;
  }
};
var cleanupYTextFormatting = (type) => {
  let res = 0;
  transact(
    /** @type {Doc} */
    type.doc,
    (transaction) => {
      let start = (
        /** @type {Item} */
        type._start
      );
      let end = type._start;
      let startAttributes = create();
      const currentAttributes = copy(startAttributes);
      while (end) {
        if (end.deleted === false) {
          switch (end.content.constructor) {
            case ContentFormat:
              updateCurrentAttributes(
                currentAttributes,
                /** @type {ContentFormat} */
                end.content
              );
              break;
            default:
              res += cleanupFormattingGap(transaction, start, end, startAttributes, currentAttributes);
              startAttributes = copy(currentAttributes);
              start = end;
              break;
          }
        }
        end = end.right;
      }
    }
  );
  return res;
};
var cleanupYTextAfterTransaction = (transaction) => {
  const needFullCleanup = /* @__PURE__ */ new Set();
  const doc2 = transaction.doc;
  for (const [client, afterClock] of transaction.afterState.entries()) {
    const clock = transaction.beforeState.get(client) || 0;
    if (afterClock === clock) {
      continue;
    }
    iterateStructs(
      transaction,
      /** @type {Array<Item|GC>} */
      doc2.store.clients.get(client),
      clock,
      afterClock,
      (item) => {
        if (!item.deleted && /** @type {Item} */
        item.content.constructor === ContentFormat && item.constructor !== GC) {
          needFullCleanup.add(
            /** @type {any} */
            item.parent
          );
        }
      }
    );
  }
  transact(doc2, (t) => {
    iterateDeletedStructs(transaction, transaction.deleteSet, (item) => {
      if (item instanceof GC || !/** @type {YText} */
      item.parent._hasFormatting || needFullCleanup.has(
        /** @type {YText} */
        item.parent
      )) {
        return;
      }
      const parent = (
        /** @type {YText} */
        item.parent
      );
      if (item.content.constructor === ContentFormat) {
        needFullCleanup.add(parent);
      } else {
        cleanupContextlessFormattingGap(t, item);
      }
    });
    for (const yText of needFullCleanup) {
      cleanupYTextFormatting(yText);
    }
  });
};
var deleteText = (transaction, currPos, length2) => {
  const startLength = length2;
  const startAttrs = copy(currPos.currentAttributes);
  const start = currPos.right;
  while (length2 > 0 && currPos.right !== null) {
    if (currPos.right.deleted === false) {
      switch (currPos.right.content.constructor) {
        case ContentType:
        case ContentEmbed:
        case ContentString:
          if (length2 < currPos.right.length) {
            getItemCleanStart(transaction, createID(currPos.right.id.client, currPos.right.id.clock + length2));
          }
          length2 -= currPos.right.length;
          currPos.right.delete(transaction);
          break;
      }
    }
    currPos.forward();
  }
  if (start) {
    cleanupFormattingGap(transaction, start, currPos.right, startAttrs, currPos.currentAttributes);
  }
  const parent = (
    /** @type {AbstractType<any>} */
    /** @type {Item} */
    (currPos.left || currPos.right).parent
  );
  if (parent._searchMarker) {
    updateMarkerChanges(parent._searchMarker, currPos.index, -startLength + length2);
  }
  return currPos;
};
var YTextEvent = class extends YEvent {
  /**
   * @param {YText} ytext
   * @param {Transaction} transaction
   * @param {Set<any>} subs The keys that changed
   */
  constructor(ytext, transaction, subs) {
    super(ytext, transaction);
    this.childListChanged = false;
    this.keysChanged = /* @__PURE__ */ new Set();
    subs.forEach((sub) => {
      if (sub === null) {
        this.childListChanged = true;
      } else {
        this.keysChanged.add(sub);
      }
    });
  }
  /**
   * @type {{added:Set<Item>,deleted:Set<Item>,keys:Map<string,{action:'add'|'update'|'delete',oldValue:any}>,delta:Array<{insert?:Array<any>|string, delete?:number, retain?:number}>}}
   */
  get changes() {
    if (this._changes === null) {
      const changes = {
        keys: this.keys,
        delta: this.delta,
        added: /* @__PURE__ */ new Set(),
        deleted: /* @__PURE__ */ new Set()
      };
      this._changes = changes;
    }
    return (
      /** @type {any} */
      this._changes
    );
  }
  /**
   * Compute the changes in the delta format.
   * A {@link https://quilljs.com/docs/delta/|Quill Delta}) that represents the changes on the document.
   *
   * @type {Array<{insert?:string|object|AbstractType<any>, delete?:number, retain?:number, attributes?: Object<string,any>}>}
   *
   * @public
   */
  get delta() {
    if (this._delta === null) {
      const y = (
        /** @type {Doc} */
        this.target.doc
      );
      const delta = [];
      transact(y, (transaction) => {
        const currentAttributes = /* @__PURE__ */ new Map();
        const oldAttributes = /* @__PURE__ */ new Map();
        let item = this.target._start;
        let action = null;
        const attributes = {};
        let insert = "";
        let retain = 0;
        let deleteLen = 0;
        const addOp = () => {
          if (action !== null) {
            let op = null;
            switch (action) {
              case "delete":
                if (deleteLen > 0) {
                  op = { delete: deleteLen };
                }
                deleteLen = 0;
                break;
              case "insert":
                if (typeof insert === "object" || insert.length > 0) {
                  op = { insert };
                  if (currentAttributes.size > 0) {
                    op.attributes = {};
                    currentAttributes.forEach((value, key) => {
                      if (value !== null) {
                        op.attributes[key] = value;
                      }
                    });
                  }
                }
                insert = "";
                break;
              case "retain":
                if (retain > 0) {
                  op = { retain };
                  if (!isEmpty(attributes)) {
                    op.attributes = assign({}, attributes);
                  }
                }
                retain = 0;
                break;
            }
            if (op) delta.push(op);
            action = null;
          }
        };
        while (item !== null) {
          switch (item.content.constructor) {
            case ContentType:
            case ContentEmbed:
              if (this.adds(item)) {
                if (!this.deletes(item)) {
                  addOp();
                  action = "insert";
                  insert = item.content.getContent()[0];
                  addOp();
                }
              } else if (this.deletes(item)) {
                if (action !== "delete") {
                  addOp();
                  action = "delete";
                }
                deleteLen += 1;
              } else if (!item.deleted) {
                if (action !== "retain") {
                  addOp();
                  action = "retain";
                }
                retain += 1;
              }
              break;
            case ContentString:
              if (this.adds(item)) {
                if (!this.deletes(item)) {
                  if (action !== "insert") {
                    addOp();
                    action = "insert";
                  }
                  insert += /** @type {ContentString} */
                  item.content.str;
                }
              } else if (this.deletes(item)) {
                if (action !== "delete") {
                  addOp();
                  action = "delete";
                }
                deleteLen += item.length;
              } else if (!item.deleted) {
                if (action !== "retain") {
                  addOp();
                  action = "retain";
                }
                retain += item.length;
              }
              break;
            case ContentFormat: {
              const { key, value } = (
                /** @type {ContentFormat} */
                item.content
              );
              if (this.adds(item)) {
                if (!this.deletes(item)) {
                  const curVal = currentAttributes.get(key) ?? null;
                  if (!equalAttrs(curVal, value)) {
                    if (action === "retain") {
                      addOp();
                    }
                    if (equalAttrs(value, oldAttributes.get(key) ?? null)) {
                      delete attributes[key];
                    } else {
                      attributes[key] = value;
                    }
                  } else if (value !== null) {
                    item.delete(transaction);
                  }
                }
              } else if (this.deletes(item)) {
                oldAttributes.set(key, value);
                const curVal = currentAttributes.get(key) ?? null;
                if (!equalAttrs(curVal, value)) {
                  if (action === "retain") {
                    addOp();
                  }
                  attributes[key] = curVal;
                }
              } else if (!item.deleted) {
                oldAttributes.set(key, value);
                const attr = attributes[key];
                if (attr !== void 0) {
                  if (!equalAttrs(attr, value)) {
                    if (action === "retain") {
                      addOp();
                    }
                    if (value === null) {
                      delete attributes[key];
                    } else {
                      attributes[key] = value;
                    }
                  } else if (attr !== null) {
                    item.delete(transaction);
                  }
                }
              }
              if (!item.deleted) {
                if (action === "insert") {
                  addOp();
                }
                updateCurrentAttributes(
                  currentAttributes,
                  /** @type {ContentFormat} */
                  item.content
                );
              }
              break;
            }
          }
          item = item.right;
        }
        addOp();
        while (delta.length > 0) {
          const lastOp = delta[delta.length - 1];
          if (lastOp.retain !== void 0 && lastOp.attributes === void 0) {
            delta.pop();
          } else {
            break;
          }
        }
      });
      this._delta = delta;
    }
    return (
      /** @type {any} */
      this._delta
    );
  }
};
var YText = class _YText extends AbstractType {
  /**
   * @param {String} [string] The initial value of the YText.
   */
  constructor(string) {
    super();
    this._pending = string !== void 0 ? [() => this.insert(0, string)] : [];
    this._searchMarker = [];
    this._hasFormatting = false;
  }
  /**
   * Number of characters of this text type.
   *
   * @type {number}
   */
  get length() {
    this.doc ?? warnPrematureAccess();
    return this._length;
  }
  /**
   * @param {Doc} y
   * @param {Item} item
   */
  _integrate(y, item) {
    super._integrate(y, item);
    try {
      this._pending.forEach((f) => f());
    } catch (e) {
      console.error(e);
    }
    this._pending = null;
  }
  _copy() {
    return new _YText();
  }
  /**
   * Makes a copy of this data type that can be included somewhere else.
   *
   * Note that the content is only readable _after_ it has been included somewhere in the Ydoc.
   *
   * @return {YText}
   */
  clone() {
    const text3 = new _YText();
    text3.applyDelta(this.toDelta());
    return text3;
  }
  /**
   * Creates YTextEvent and calls observers.
   *
   * @param {Transaction} transaction
   * @param {Set<null|string>} parentSubs Keys changed on this type. `null` if list was modified.
   */
  _callObserver(transaction, parentSubs) {
    super._callObserver(transaction, parentSubs);
    const event = new YTextEvent(this, transaction, parentSubs);
    callTypeObservers(this, transaction, event);
    if (!transaction.local && this._hasFormatting) {
      transaction._needFormattingCleanup = true;
    }
  }
  /**
   * Returns the unformatted string representation of this YText type.
   *
   * @public
   */
  toString() {
    this.doc ?? warnPrematureAccess();
    let str = "";
    let n = this._start;
    while (n !== null) {
      if (!n.deleted && n.countable && n.content.constructor === ContentString) {
        str += /** @type {ContentString} */
        n.content.str;
      }
      n = n.right;
    }
    return str;
  }
  /**
   * Returns the unformatted string representation of this YText type.
   *
   * @return {string}
   * @public
   */
  toJSON() {
    return this.toString();
  }
  /**
   * Apply a {@link Delta} on this shared YText type.
   *
   * @param {Array<any>} delta The changes to apply on this element.
   * @param {object}  opts
   * @param {boolean} [opts.sanitize] Sanitize input delta. Removes ending newlines if set to true.
   *
   *
   * @public
   */
  applyDelta(delta, { sanitize = true } = {}) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        const currPos = new ItemTextListPosition(null, this._start, 0, /* @__PURE__ */ new Map());
        for (let i = 0; i < delta.length; i++) {
          const op = delta[i];
          if (op.insert !== void 0) {
            const ins = !sanitize && typeof op.insert === "string" && i === delta.length - 1 && currPos.right === null && op.insert.slice(-1) === "\n" ? op.insert.slice(0, -1) : op.insert;
            if (typeof ins !== "string" || ins.length > 0) {
              insertText(transaction, this, currPos, ins, op.attributes || {});
            }
          } else if (op.retain !== void 0) {
            formatText(transaction, this, currPos, op.retain, op.attributes || {});
          } else if (op.delete !== void 0) {
            deleteText(transaction, currPos, op.delete);
          }
        }
      });
    } else {
      this._pending.push(() => this.applyDelta(delta));
    }
  }
  /**
   * Returns the Delta representation of this YText type.
   *
   * @param {Snapshot} [snapshot]
   * @param {Snapshot} [prevSnapshot]
   * @param {function('removed' | 'added', ID):any} [computeYChange]
   * @return {any} The Delta representation of this type.
   *
   * @public
   */
  toDelta(snapshot, prevSnapshot, computeYChange) {
    this.doc ?? warnPrematureAccess();
    const ops = [];
    const currentAttributes = /* @__PURE__ */ new Map();
    const doc2 = (
      /** @type {Doc} */
      this.doc
    );
    let str = "";
    let n = this._start;
    function packStr() {
      if (str.length > 0) {
        const attributes = {};
        let addAttributes = false;
        currentAttributes.forEach((value, key) => {
          addAttributes = true;
          attributes[key] = value;
        });
        const op = { insert: str };
        if (addAttributes) {
          op.attributes = attributes;
        }
        ops.push(op);
        str = "";
      }
    }
    const computeDelta = () => {
      while (n !== null) {
        if (isVisible(n, snapshot) || prevSnapshot !== void 0 && isVisible(n, prevSnapshot)) {
          switch (n.content.constructor) {
            case ContentString: {
              const cur = currentAttributes.get("ychange");
              if (snapshot !== void 0 && !isVisible(n, snapshot)) {
                if (cur === void 0 || cur.user !== n.id.client || cur.type !== "removed") {
                  packStr();
                  currentAttributes.set("ychange", computeYChange ? computeYChange("removed", n.id) : { type: "removed" });
                }
              } else if (prevSnapshot !== void 0 && !isVisible(n, prevSnapshot)) {
                if (cur === void 0 || cur.user !== n.id.client || cur.type !== "added") {
                  packStr();
                  currentAttributes.set("ychange", computeYChange ? computeYChange("added", n.id) : { type: "added" });
                }
              } else if (cur !== void 0) {
                packStr();
                currentAttributes.delete("ychange");
              }
              str += /** @type {ContentString} */
              n.content.str;
              break;
            }
            case ContentType:
            case ContentEmbed: {
              packStr();
              const op = {
                insert: n.content.getContent()[0]
              };
              if (currentAttributes.size > 0) {
                const attrs = (
                  /** @type {Object<string,any>} */
                  {}
                );
                op.attributes = attrs;
                currentAttributes.forEach((value, key) => {
                  attrs[key] = value;
                });
              }
              ops.push(op);
              break;
            }
            case ContentFormat:
              if (isVisible(n, snapshot)) {
                packStr();
                updateCurrentAttributes(
                  currentAttributes,
                  /** @type {ContentFormat} */
                  n.content
                );
              }
              break;
          }
        }
        n = n.right;
      }
      packStr();
    };
    if (snapshot || prevSnapshot) {
      transact(doc2, (transaction) => {
        if (snapshot) {
          splitSnapshotAffectedStructs(transaction, snapshot);
        }
        if (prevSnapshot) {
          splitSnapshotAffectedStructs(transaction, prevSnapshot);
        }
        computeDelta();
      }, "cleanup");
    } else {
      computeDelta();
    }
    return ops;
  }
  /**
   * Insert text at a given index.
   *
   * @param {number} index The index at which to start inserting.
   * @param {String} text The text to insert at the specified position.
   * @param {TextAttributes} [attributes] Optionally define some formatting
   *                                    information to apply on the inserted
   *                                    Text.
   * @public
   */
  insert(index, text3, attributes) {
    if (text3.length <= 0) {
      return;
    }
    const y = this.doc;
    if (y !== null) {
      transact(y, (transaction) => {
        const pos = findPosition(transaction, this, index, !attributes);
        if (!attributes) {
          attributes = {};
          pos.currentAttributes.forEach((v, k) => {
            attributes[k] = v;
          });
        }
        insertText(transaction, this, pos, text3, attributes);
      });
    } else {
      this._pending.push(() => this.insert(index, text3, attributes));
    }
  }
  /**
   * Inserts an embed at a index.
   *
   * @param {number} index The index to insert the embed at.
   * @param {Object | AbstractType<any>} embed The Object that represents the embed.
   * @param {TextAttributes} [attributes] Attribute information to apply on the
   *                                    embed
   *
   * @public
   */
  insertEmbed(index, embed, attributes) {
    const y = this.doc;
    if (y !== null) {
      transact(y, (transaction) => {
        const pos = findPosition(transaction, this, index, !attributes);
        insertText(transaction, this, pos, embed, attributes || {});
      });
    } else {
      this._pending.push(() => this.insertEmbed(index, embed, attributes || {}));
    }
  }
  /**
   * Deletes text starting from an index.
   *
   * @param {number} index Index at which to start deleting.
   * @param {number} length The number of characters to remove. Defaults to 1.
   *
   * @public
   */
  delete(index, length2) {
    if (length2 === 0) {
      return;
    }
    const y = this.doc;
    if (y !== null) {
      transact(y, (transaction) => {
        deleteText(transaction, findPosition(transaction, this, index, true), length2);
      });
    } else {
      this._pending.push(() => this.delete(index, length2));
    }
  }
  /**
   * Assigns properties to a range of text.
   *
   * @param {number} index The position where to start formatting.
   * @param {number} length The amount of characters to assign properties to.
   * @param {TextAttributes} attributes Attribute information to apply on the
   *                                    text.
   *
   * @public
   */
  format(index, length2, attributes) {
    if (length2 === 0) {
      return;
    }
    const y = this.doc;
    if (y !== null) {
      transact(y, (transaction) => {
        const pos = findPosition(transaction, this, index, false);
        if (pos.right === null) {
          return;
        }
        formatText(transaction, this, pos, length2, attributes);
      });
    } else {
      this._pending.push(() => this.format(index, length2, attributes));
    }
  }
  /**
   * Removes an attribute.
   *
   * @note Xml-Text nodes don't have attributes. You can use this feature to assign properties to complete text-blocks.
   *
   * @param {String} attributeName The attribute name that is to be removed.
   *
   * @public
   */
  removeAttribute(attributeName) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeMapDelete(transaction, this, attributeName);
      });
    } else {
      this._pending.push(() => this.removeAttribute(attributeName));
    }
  }
  /**
   * Sets or updates an attribute.
   *
   * @note Xml-Text nodes don't have attributes. You can use this feature to assign properties to complete text-blocks.
   *
   * @param {String} attributeName The attribute name that is to be set.
   * @param {any} attributeValue The attribute value that is to be set.
   *
   * @public
   */
  setAttribute(attributeName, attributeValue) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeMapSet(transaction, this, attributeName, attributeValue);
      });
    } else {
      this._pending.push(() => this.setAttribute(attributeName, attributeValue));
    }
  }
  /**
   * Returns an attribute value that belongs to the attribute name.
   *
   * @note Xml-Text nodes don't have attributes. You can use this feature to assign properties to complete text-blocks.
   *
   * @param {String} attributeName The attribute name that identifies the
   *                               queried value.
   * @return {any} The queried attribute value.
   *
   * @public
   */
  getAttribute(attributeName) {
    return (
      /** @type {any} */
      typeMapGet(this, attributeName)
    );
  }
  /**
   * Returns all attribute name/value pairs in a JSON Object.
   *
   * @note Xml-Text nodes don't have attributes. You can use this feature to assign properties to complete text-blocks.
   *
   * @return {Object<string, any>} A JSON Object that describes the attributes.
   *
   * @public
   */
  getAttributes() {
    return typeMapGetAll(this);
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   */
  _write(encoder) {
    encoder.writeTypeRef(YTextRefID);
  }
};
var readYText = (_decoder) => new YText();
var YXmlTreeWalker = class {
  /**
   * @param {YXmlFragment | YXmlElement} root
   * @param {function(AbstractType<any>):boolean} [f]
   */
  constructor(root, f = () => true) {
    this._filter = f;
    this._root = root;
    this._currentNode = /** @type {Item} */
    root._start;
    this._firstCall = true;
    root.doc ?? warnPrematureAccess();
  }
  [Symbol.iterator]() {
    return this;
  }
  /**
   * Get the next node.
   *
   * @return {IteratorResult<YXmlElement|YXmlText|YXmlHook>} The next node.
   *
   * @public
   */
  next() {
    let n = this._currentNode;
    let type = n && n.content && /** @type {any} */
    n.content.type;
    if (n !== null && (!this._firstCall || n.deleted || !this._filter(type))) {
      do {
        type = /** @type {any} */
        n.content.type;
        if (!n.deleted && (type.constructor === YXmlElement || type.constructor === YXmlFragment) && type._start !== null) {
          n = type._start;
        } else {
          while (n !== null) {
            const nxt = n.next;
            if (nxt !== null) {
              n = nxt;
              break;
            } else if (n.parent === this._root) {
              n = null;
            } else {
              n = /** @type {AbstractType<any>} */
              n.parent._item;
            }
          }
        }
      } while (n !== null && (n.deleted || !this._filter(
        /** @type {ContentType} */
        n.content.type
      )));
    }
    this._firstCall = false;
    if (n === null) {
      return { value: void 0, done: true };
    }
    this._currentNode = n;
    return { value: (
      /** @type {any} */
      n.content.type
    ), done: false };
  }
};
var YXmlFragment = class _YXmlFragment extends AbstractType {
  constructor() {
    super();
    this._prelimContent = [];
  }
  /**
   * @type {YXmlElement|YXmlText|null}
   */
  get firstChild() {
    const first = this._first;
    return first ? first.content.getContent()[0] : null;
  }
  /**
   * Integrate this type into the Yjs instance.
   *
   * * Save this struct in the os
   * * This type is sent to other client
   * * Observer functions are fired
   *
   * @param {Doc} y The Yjs instance
   * @param {Item} item
   */
  _integrate(y, item) {
    super._integrate(y, item);
    this.insert(
      0,
      /** @type {Array<any>} */
      this._prelimContent
    );
    this._prelimContent = null;
  }
  _copy() {
    return new _YXmlFragment();
  }
  /**
   * Makes a copy of this data type that can be included somewhere else.
   *
   * Note that the content is only readable _after_ it has been included somewhere in the Ydoc.
   *
   * @return {YXmlFragment}
   */
  clone() {
    const el = new _YXmlFragment();
    el.insert(0, this.toArray().map((item) => item instanceof AbstractType ? item.clone() : item));
    return el;
  }
  get length() {
    this.doc ?? warnPrematureAccess();
    return this._prelimContent === null ? this._length : this._prelimContent.length;
  }
  /**
   * Create a subtree of childNodes.
   *
   * @example
   * const walker = elem.createTreeWalker(dom => dom.nodeName === 'div')
   * for (let node in walker) {
   *   // `node` is a div node
   *   nop(node)
   * }
   *
   * @param {function(AbstractType<any>):boolean} filter Function that is called on each child element and
   *                          returns a Boolean indicating whether the child
   *                          is to be included in the subtree.
   * @return {YXmlTreeWalker} A subtree and a position within it.
   *
   * @public
   */
  createTreeWalker(filter) {
    return new YXmlTreeWalker(this, filter);
  }
  /**
   * Returns the first YXmlElement that matches the query.
   * Similar to DOM's {@link querySelector}.
   *
   * Query support:
   *   - tagname
   * TODO:
   *   - id
   *   - attribute
   *
   * @param {CSS_Selector} query The query on the children.
   * @return {YXmlElement|YXmlText|YXmlHook|null} The first element that matches the query or null.
   *
   * @public
   */
  querySelector(query) {
    query = query.toUpperCase();
    const iterator = new YXmlTreeWalker(this, (element2) => element2.nodeName && element2.nodeName.toUpperCase() === query);
    const next = iterator.next();
    if (next.done) {
      return null;
    } else {
      return next.value;
    }
  }
  /**
   * Returns all YXmlElements that match the query.
   * Similar to Dom's {@link querySelectorAll}.
   *
   * @todo Does not yet support all queries. Currently only query by tagName.
   *
   * @param {CSS_Selector} query The query on the children
   * @return {Array<YXmlElement|YXmlText|YXmlHook|null>} The elements that match this query.
   *
   * @public
   */
  querySelectorAll(query) {
    query = query.toUpperCase();
    return from(new YXmlTreeWalker(this, (element2) => element2.nodeName && element2.nodeName.toUpperCase() === query));
  }
  /**
   * Creates YXmlEvent and calls observers.
   *
   * @param {Transaction} transaction
   * @param {Set<null|string>} parentSubs Keys changed on this type. `null` if list was modified.
   */
  _callObserver(transaction, parentSubs) {
    callTypeObservers(this, transaction, new YXmlEvent(this, parentSubs, transaction));
  }
  /**
   * Get the string representation of all the children of this YXmlFragment.
   *
   * @return {string} The string representation of all children.
   */
  toString() {
    return typeListMap(this, (xml) => xml.toString()).join("");
  }
  /**
   * @return {string}
   */
  toJSON() {
    return this.toString();
  }
  /**
   * Creates a Dom Element that mirrors this YXmlElement.
   *
   * @param {Document} [_document=document] The document object (you must define
   *                                        this when calling this method in
   *                                        nodejs)
   * @param {Object<string, any>} [hooks={}] Optional property to customize how hooks
   *                                             are presented in the DOM
   * @param {any} [binding] You should not set this property. This is
   *                               used if DomBinding wants to create a
   *                               association to the created DOM type.
   * @return {Node} The {@link https://developer.mozilla.org/en-US/docs/Web/API/Element|Dom Element}
   *
   * @public
   */
  toDOM(_document = document, hooks = {}, binding) {
    const fragment = _document.createDocumentFragment();
    if (binding !== void 0) {
      binding._createAssociation(fragment, this);
    }
    typeListForEach(this, (xmlType) => {
      fragment.insertBefore(xmlType.toDOM(_document, hooks, binding), null);
    });
    return fragment;
  }
  /**
   * Inserts new content at an index.
   *
   * @example
   *  // Insert character 'a' at position 0
   *  xml.insert(0, [new Y.XmlText('text')])
   *
   * @param {number} index The index to insert content at
   * @param {Array<YXmlElement|YXmlText>} content The array of content
   */
  insert(index, content) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeListInsertGenerics(transaction, this, index, content);
      });
    } else {
      this._prelimContent.splice(index, 0, ...content);
    }
  }
  /**
   * Inserts new content at an index.
   *
   * @example
   *  // Insert character 'a' at position 0
   *  xml.insert(0, [new Y.XmlText('text')])
   *
   * @param {null|Item|YXmlElement|YXmlText} ref The index to insert content at
   * @param {Array<YXmlElement|YXmlText>} content The array of content
   */
  insertAfter(ref, content) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        const refItem = ref && ref instanceof AbstractType ? ref._item : ref;
        typeListInsertGenericsAfter(transaction, this, refItem, content);
      });
    } else {
      const pc = (
        /** @type {Array<any>} */
        this._prelimContent
      );
      const index = ref === null ? 0 : pc.findIndex((el) => el === ref) + 1;
      if (index === 0 && ref !== null) {
        throw create3("Reference item not found");
      }
      pc.splice(index, 0, ...content);
    }
  }
  /**
   * Deletes elements starting from an index.
   *
   * @param {number} index Index at which to start deleting elements
   * @param {number} [length=1] The number of elements to remove. Defaults to 1.
   */
  delete(index, length2 = 1) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeListDelete(transaction, this, index, length2);
      });
    } else {
      this._prelimContent.splice(index, length2);
    }
  }
  /**
   * Transforms this YArray to a JavaScript Array.
   *
   * @return {Array<YXmlElement|YXmlText|YXmlHook>}
   */
  toArray() {
    return typeListToArray(this);
  }
  /**
   * Appends content to this YArray.
   *
   * @param {Array<YXmlElement|YXmlText>} content Array of content to append.
   */
  push(content) {
    this.insert(this.length, content);
  }
  /**
   * Prepends content to this YArray.
   *
   * @param {Array<YXmlElement|YXmlText>} content Array of content to prepend.
   */
  unshift(content) {
    this.insert(0, content);
  }
  /**
   * Returns the i-th element from a YArray.
   *
   * @param {number} index The index of the element to return from the YArray
   * @return {YXmlElement|YXmlText}
   */
  get(index) {
    return typeListGet(this, index);
  }
  /**
   * Returns a portion of this YXmlFragment into a JavaScript Array selected
   * from start to end (end not included).
   *
   * @param {number} [start]
   * @param {number} [end]
   * @return {Array<YXmlElement|YXmlText>}
   */
  slice(start = 0, end = this.length) {
    return typeListSlice(this, start, end);
  }
  /**
   * Executes a provided function on once on every child element.
   *
   * @param {function(YXmlElement|YXmlText,number, typeof self):void} f A function to execute on every element of this YArray.
   */
  forEach(f) {
    typeListForEach(this, f);
  }
  /**
   * Transform the properties of this type to binary and write it to an
   * BinaryEncoder.
   *
   * This is called when this Item is sent to a remote peer.
   *
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder The encoder to write data to.
   */
  _write(encoder) {
    encoder.writeTypeRef(YXmlFragmentRefID);
  }
};
var readYXmlFragment = (_decoder) => new YXmlFragment();
var YXmlElement = class _YXmlElement extends YXmlFragment {
  constructor(nodeName = "UNDEFINED") {
    super();
    this.nodeName = nodeName;
    this._prelimAttrs = /* @__PURE__ */ new Map();
  }
  /**
   * @type {YXmlElement|YXmlText|null}
   */
  get nextSibling() {
    const n = this._item ? this._item.next : null;
    return n ? (
      /** @type {YXmlElement|YXmlText} */
      /** @type {ContentType} */
      n.content.type
    ) : null;
  }
  /**
   * @type {YXmlElement|YXmlText|null}
   */
  get prevSibling() {
    const n = this._item ? this._item.prev : null;
    return n ? (
      /** @type {YXmlElement|YXmlText} */
      /** @type {ContentType} */
      n.content.type
    ) : null;
  }
  /**
   * Integrate this type into the Yjs instance.
   *
   * * Save this struct in the os
   * * This type is sent to other client
   * * Observer functions are fired
   *
   * @param {Doc} y The Yjs instance
   * @param {Item} item
   */
  _integrate(y, item) {
    super._integrate(y, item);
    /** @type {Map<string, any>} */
    this._prelimAttrs.forEach((value, key) => {
      this.setAttribute(key, value);
    });
    this._prelimAttrs = null;
  }
  /**
   * Creates an Item with the same effect as this Item (without position effect)
   *
   * @return {YXmlElement}
   */
  _copy() {
    return new _YXmlElement(this.nodeName);
  }
  /**
   * Makes a copy of this data type that can be included somewhere else.
   *
   * Note that the content is only readable _after_ it has been included somewhere in the Ydoc.
   *
   * @return {YXmlElement<KV>}
   */
  clone() {
    const el = new _YXmlElement(this.nodeName);
    const attrs = this.getAttributes();
    forEach(attrs, (value, key) => {
      el.setAttribute(
        key,
        /** @type {any} */
        value
      );
    });
    el.insert(0, this.toArray().map((v) => v instanceof AbstractType ? v.clone() : v));
    return el;
  }
  /**
   * Returns the XML serialization of this YXmlElement.
   * The attributes are ordered by attribute-name, so you can easily use this
   * method to compare YXmlElements
   *
   * @return {string} The string representation of this type.
   *
   * @public
   */
  toString() {
    const attrs = this.getAttributes();
    const stringBuilder = [];
    const keys2 = [];
    for (const key in attrs) {
      keys2.push(key);
    }
    keys2.sort();
    const keysLen = keys2.length;
    for (let i = 0; i < keysLen; i++) {
      const key = keys2[i];
      stringBuilder.push(key + '="' + attrs[key] + '"');
    }
    const nodeName = this.nodeName.toLocaleLowerCase();
    const attrsString = stringBuilder.length > 0 ? " " + stringBuilder.join(" ") : "";
    return `<${nodeName}${attrsString}>${super.toString()}</${nodeName}>`;
  }
  /**
   * Removes an attribute from this YXmlElement.
   *
   * @param {string} attributeName The attribute name that is to be removed.
   *
   * @public
   */
  removeAttribute(attributeName) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeMapDelete(transaction, this, attributeName);
      });
    } else {
      this._prelimAttrs.delete(attributeName);
    }
  }
  /**
   * Sets or updates an attribute.
   *
   * @template {keyof KV & string} KEY
   *
   * @param {KEY} attributeName The attribute name that is to be set.
   * @param {KV[KEY]} attributeValue The attribute value that is to be set.
   *
   * @public
   */
  setAttribute(attributeName, attributeValue) {
    if (this.doc !== null) {
      transact(this.doc, (transaction) => {
        typeMapSet(transaction, this, attributeName, attributeValue);
      });
    } else {
      this._prelimAttrs.set(attributeName, attributeValue);
    }
  }
  /**
   * Returns an attribute value that belongs to the attribute name.
   *
   * @template {keyof KV & string} KEY
   *
   * @param {KEY} attributeName The attribute name that identifies the
   *                               queried value.
   * @return {KV[KEY]|undefined} The queried attribute value.
   *
   * @public
   */
  getAttribute(attributeName) {
    return (
      /** @type {any} */
      typeMapGet(this, attributeName)
    );
  }
  /**
   * Returns whether an attribute exists
   *
   * @param {string} attributeName The attribute name to check for existence.
   * @return {boolean} whether the attribute exists.
   *
   * @public
   */
  hasAttribute(attributeName) {
    return (
      /** @type {any} */
      typeMapHas(this, attributeName)
    );
  }
  /**
   * Returns all attribute name/value pairs in a JSON Object.
   *
   * @param {Snapshot} [snapshot]
   * @return {{ [Key in Extract<keyof KV,string>]?: KV[Key]}} A JSON Object that describes the attributes.
   *
   * @public
   */
  getAttributes(snapshot) {
    return (
      /** @type {any} */
      snapshot ? typeMapGetAllSnapshot(this, snapshot) : typeMapGetAll(this)
    );
  }
  /**
   * Creates a Dom Element that mirrors this YXmlElement.
   *
   * @param {Document} [_document=document] The document object (you must define
   *                                        this when calling this method in
   *                                        nodejs)
   * @param {Object<string, any>} [hooks={}] Optional property to customize how hooks
   *                                             are presented in the DOM
   * @param {any} [binding] You should not set this property. This is
   *                               used if DomBinding wants to create a
   *                               association to the created DOM type.
   * @return {Node} The {@link https://developer.mozilla.org/en-US/docs/Web/API/Element|Dom Element}
   *
   * @public
   */
  toDOM(_document = document, hooks = {}, binding) {
    const dom = _document.createElement(this.nodeName);
    const attrs = this.getAttributes();
    for (const key in attrs) {
      const value = attrs[key];
      if (typeof value === "string") {
        dom.setAttribute(key, value);
      }
    }
    typeListForEach(this, (yxml) => {
      dom.appendChild(yxml.toDOM(_document, hooks, binding));
    });
    if (binding !== void 0) {
      binding._createAssociation(dom, this);
    }
    return dom;
  }
  /**
   * Transform the properties of this type to binary and write it to an
   * BinaryEncoder.
   *
   * This is called when this Item is sent to a remote peer.
   *
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder The encoder to write data to.
   */
  _write(encoder) {
    encoder.writeTypeRef(YXmlElementRefID);
    encoder.writeKey(this.nodeName);
  }
};
var readYXmlElement = (decoder) => new YXmlElement(decoder.readKey());
var YXmlEvent = class extends YEvent {
  /**
   * @param {YXmlElement|YXmlText|YXmlFragment} target The target on which the event is created.
   * @param {Set<string|null>} subs The set of changed attributes. `null` is included if the
   *                   child list changed.
   * @param {Transaction} transaction The transaction instance with which the
   *                                  change was created.
   */
  constructor(target, subs, transaction) {
    super(target, transaction);
    this.childListChanged = false;
    this.attributesChanged = /* @__PURE__ */ new Set();
    subs.forEach((sub) => {
      if (sub === null) {
        this.childListChanged = true;
      } else {
        this.attributesChanged.add(sub);
      }
    });
  }
};
var YXmlHook = class _YXmlHook extends YMap {
  /**
   * @param {string} hookName nodeName of the Dom Node.
   */
  constructor(hookName) {
    super();
    this.hookName = hookName;
  }
  /**
   * Creates an Item with the same effect as this Item (without position effect)
   */
  _copy() {
    return new _YXmlHook(this.hookName);
  }
  /**
   * Makes a copy of this data type that can be included somewhere else.
   *
   * Note that the content is only readable _after_ it has been included somewhere in the Ydoc.
   *
   * @return {YXmlHook}
   */
  clone() {
    const el = new _YXmlHook(this.hookName);
    this.forEach((value, key) => {
      el.set(key, value);
    });
    return el;
  }
  /**
   * Creates a Dom Element that mirrors this YXmlElement.
   *
   * @param {Document} [_document=document] The document object (you must define
   *                                        this when calling this method in
   *                                        nodejs)
   * @param {Object.<string, any>} [hooks] Optional property to customize how hooks
   *                                             are presented in the DOM
   * @param {any} [binding] You should not set this property. This is
   *                               used if DomBinding wants to create a
   *                               association to the created DOM type
   * @return {Element} The {@link https://developer.mozilla.org/en-US/docs/Web/API/Element|Dom Element}
   *
   * @public
   */
  toDOM(_document = document, hooks = {}, binding) {
    const hook = hooks[this.hookName];
    let dom;
    if (hook !== void 0) {
      dom = hook.createDom(this);
    } else {
      dom = document.createElement(this.hookName);
    }
    dom.setAttribute("data-yjs-hook", this.hookName);
    if (binding !== void 0) {
      binding._createAssociation(dom, this);
    }
    return dom;
  }
  /**
   * Transform the properties of this type to binary and write it to an
   * BinaryEncoder.
   *
   * This is called when this Item is sent to a remote peer.
   *
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder The encoder to write data to.
   */
  _write(encoder) {
    encoder.writeTypeRef(YXmlHookRefID);
    encoder.writeKey(this.hookName);
  }
};
var readYXmlHook = (decoder) => new YXmlHook(decoder.readKey());
var YXmlText = class _YXmlText extends YText {
  /**
   * @type {YXmlElement|YXmlText|null}
   */
  get nextSibling() {
    const n = this._item ? this._item.next : null;
    return n ? (
      /** @type {YXmlElement|YXmlText} */
      /** @type {ContentType} */
      n.content.type
    ) : null;
  }
  /**
   * @type {YXmlElement|YXmlText|null}
   */
  get prevSibling() {
    const n = this._item ? this._item.prev : null;
    return n ? (
      /** @type {YXmlElement|YXmlText} */
      /** @type {ContentType} */
      n.content.type
    ) : null;
  }
  _copy() {
    return new _YXmlText();
  }
  /**
   * Makes a copy of this data type that can be included somewhere else.
   *
   * Note that the content is only readable _after_ it has been included somewhere in the Ydoc.
   *
   * @return {YXmlText}
   */
  clone() {
    const text3 = new _YXmlText();
    text3.applyDelta(this.toDelta());
    return text3;
  }
  /**
   * Creates a Dom Element that mirrors this YXmlText.
   *
   * @param {Document} [_document=document] The document object (you must define
   *                                        this when calling this method in
   *                                        nodejs)
   * @param {Object<string, any>} [hooks] Optional property to customize how hooks
   *                                             are presented in the DOM
   * @param {any} [binding] You should not set this property. This is
   *                               used if DomBinding wants to create a
   *                               association to the created DOM type.
   * @return {Text} The {@link https://developer.mozilla.org/en-US/docs/Web/API/Element|Dom Element}
   *
   * @public
   */
  toDOM(_document = document, hooks, binding) {
    const dom = _document.createTextNode(this.toString());
    if (binding !== void 0) {
      binding._createAssociation(dom, this);
    }
    return dom;
  }
  toString() {
    return this.toDelta().map((delta) => {
      const nestedNodes = [];
      for (const nodeName in delta.attributes) {
        const attrs = [];
        for (const key in delta.attributes[nodeName]) {
          attrs.push({ key, value: delta.attributes[nodeName][key] });
        }
        attrs.sort((a, b) => a.key < b.key ? -1 : 1);
        nestedNodes.push({ nodeName, attrs });
      }
      nestedNodes.sort((a, b) => a.nodeName < b.nodeName ? -1 : 1);
      let str = "";
      for (let i = 0; i < nestedNodes.length; i++) {
        const node = nestedNodes[i];
        str += `<${node.nodeName}`;
        for (let j = 0; j < node.attrs.length; j++) {
          const attr = node.attrs[j];
          str += ` ${attr.key}="${attr.value}"`;
        }
        str += ">";
      }
      str += delta.insert;
      for (let i = nestedNodes.length - 1; i >= 0; i--) {
        str += `</${nestedNodes[i].nodeName}>`;
      }
      return str;
    }).join("");
  }
  /**
   * @return {string}
   */
  toJSON() {
    return this.toString();
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   */
  _write(encoder) {
    encoder.writeTypeRef(YXmlTextRefID);
  }
};
var readYXmlText = (decoder) => new YXmlText();
var AbstractStruct = class {
  /**
   * @param {ID} id
   * @param {number} length
   */
  constructor(id2, length2) {
    this.id = id2;
    this.length = length2;
  }
  /**
   * @type {boolean}
   */
  get deleted() {
    throw methodUnimplemented();
  }
  /**
   * Merge this struct with the item to the right.
   * This method is already assuming that `this.id.clock + this.length === this.id.clock`.
   * Also this method does *not* remove right from StructStore!
   * @param {AbstractStruct} right
   * @return {boolean} whether this merged with right
   */
  mergeWith(right) {
    return false;
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder The encoder to write data to.
   * @param {number} offset
   * @param {number} encodingRef
   */
  write(encoder, offset, encodingRef) {
    throw methodUnimplemented();
  }
  /**
   * @param {Transaction} transaction
   * @param {number} offset
   */
  integrate(transaction, offset) {
    throw methodUnimplemented();
  }
};
var structGCRefNumber = 0;
var GC = class extends AbstractStruct {
  get deleted() {
    return true;
  }
  delete() {
  }
  /**
   * @param {GC} right
   * @return {boolean}
   */
  mergeWith(right) {
    if (this.constructor !== right.constructor) {
      return false;
    }
    this.length += right.length;
    return true;
  }
  /**
   * @param {Transaction} transaction
   * @param {number} offset
   */
  integrate(transaction, offset) {
    if (offset > 0) {
      this.id.clock += offset;
      this.length -= offset;
    }
    addStruct(transaction.doc.store, this);
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    encoder.writeInfo(structGCRefNumber);
    encoder.writeLen(this.length - offset);
  }
  /**
   * @param {Transaction} transaction
   * @param {StructStore} store
   * @return {null | number}
   */
  getMissing(transaction, store) {
    return null;
  }
};
var ContentBinary = class _ContentBinary {
  /**
   * @param {Uint8Array} content
   */
  constructor(content) {
    this.content = content;
  }
  /**
   * @return {number}
   */
  getLength() {
    return 1;
  }
  /**
   * @return {Array<any>}
   */
  getContent() {
    return [this.content];
  }
  /**
   * @return {boolean}
   */
  isCountable() {
    return true;
  }
  /**
   * @return {ContentBinary}
   */
  copy() {
    return new _ContentBinary(this.content);
  }
  /**
   * @param {number} offset
   * @return {ContentBinary}
   */
  splice(offset) {
    throw methodUnimplemented();
  }
  /**
   * @param {ContentBinary} right
   * @return {boolean}
   */
  mergeWith(right) {
    return false;
  }
  /**
   * @param {Transaction} transaction
   * @param {Item} item
   */
  integrate(transaction, item) {
  }
  /**
   * @param {Transaction} transaction
   */
  delete(transaction) {
  }
  /**
   * @param {StructStore} store
   */
  gc(store) {
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    encoder.writeBuf(this.content);
  }
  /**
   * @return {number}
   */
  getRef() {
    return 3;
  }
};
var readContentBinary = (decoder) => new ContentBinary(decoder.readBuf());
var ContentDeleted = class _ContentDeleted {
  /**
   * @param {number} len
   */
  constructor(len) {
    this.len = len;
  }
  /**
   * @return {number}
   */
  getLength() {
    return this.len;
  }
  /**
   * @return {Array<any>}
   */
  getContent() {
    return [];
  }
  /**
   * @return {boolean}
   */
  isCountable() {
    return false;
  }
  /**
   * @return {ContentDeleted}
   */
  copy() {
    return new _ContentDeleted(this.len);
  }
  /**
   * @param {number} offset
   * @return {ContentDeleted}
   */
  splice(offset) {
    const right = new _ContentDeleted(this.len - offset);
    this.len = offset;
    return right;
  }
  /**
   * @param {ContentDeleted} right
   * @return {boolean}
   */
  mergeWith(right) {
    this.len += right.len;
    return true;
  }
  /**
   * @param {Transaction} transaction
   * @param {Item} item
   */
  integrate(transaction, item) {
    addToDeleteSet(transaction.deleteSet, item.id.client, item.id.clock, this.len);
    item.markDeleted();
  }
  /**
   * @param {Transaction} transaction
   */
  delete(transaction) {
  }
  /**
   * @param {StructStore} store
   */
  gc(store) {
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    encoder.writeLen(this.len - offset);
  }
  /**
   * @return {number}
   */
  getRef() {
    return 1;
  }
};
var readContentDeleted = (decoder) => new ContentDeleted(decoder.readLen());
var createDocFromOpts = (guid, opts) => new Doc({ guid, ...opts, shouldLoad: opts.shouldLoad || opts.autoLoad || false });
var ContentDoc = class _ContentDoc {
  /**
   * @param {Doc} doc
   */
  constructor(doc2) {
    if (doc2._item) {
      console.error("This document was already integrated as a sub-document. You should create a second instance instead with the same guid.");
    }
    this.doc = doc2;
    const opts = {};
    this.opts = opts;
    if (!doc2.gc) {
      opts.gc = false;
    }
    if (doc2.autoLoad) {
      opts.autoLoad = true;
    }
    if (doc2.meta !== null) {
      opts.meta = doc2.meta;
    }
  }
  /**
   * @return {number}
   */
  getLength() {
    return 1;
  }
  /**
   * @return {Array<any>}
   */
  getContent() {
    return [this.doc];
  }
  /**
   * @return {boolean}
   */
  isCountable() {
    return true;
  }
  /**
   * @return {ContentDoc}
   */
  copy() {
    return new _ContentDoc(createDocFromOpts(this.doc.guid, this.opts));
  }
  /**
   * @param {number} offset
   * @return {ContentDoc}
   */
  splice(offset) {
    throw methodUnimplemented();
  }
  /**
   * @param {ContentDoc} right
   * @return {boolean}
   */
  mergeWith(right) {
    return false;
  }
  /**
   * @param {Transaction} transaction
   * @param {Item} item
   */
  integrate(transaction, item) {
    this.doc._item = item;
    transaction.subdocsAdded.add(this.doc);
    if (this.doc.shouldLoad) {
      transaction.subdocsLoaded.add(this.doc);
    }
  }
  /**
   * @param {Transaction} transaction
   */
  delete(transaction) {
    if (transaction.subdocsAdded.has(this.doc)) {
      transaction.subdocsAdded.delete(this.doc);
    } else {
      transaction.subdocsRemoved.add(this.doc);
    }
  }
  /**
   * @param {StructStore} store
   */
  gc(store) {
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    encoder.writeString(this.doc.guid);
    encoder.writeAny(this.opts);
  }
  /**
   * @return {number}
   */
  getRef() {
    return 9;
  }
};
var readContentDoc = (decoder) => new ContentDoc(createDocFromOpts(decoder.readString(), decoder.readAny()));
var ContentEmbed = class _ContentEmbed {
  /**
   * @param {Object} embed
   */
  constructor(embed) {
    this.embed = embed;
  }
  /**
   * @return {number}
   */
  getLength() {
    return 1;
  }
  /**
   * @return {Array<any>}
   */
  getContent() {
    return [this.embed];
  }
  /**
   * @return {boolean}
   */
  isCountable() {
    return true;
  }
  /**
   * @return {ContentEmbed}
   */
  copy() {
    return new _ContentEmbed(this.embed);
  }
  /**
   * @param {number} offset
   * @return {ContentEmbed}
   */
  splice(offset) {
    throw methodUnimplemented();
  }
  /**
   * @param {ContentEmbed} right
   * @return {boolean}
   */
  mergeWith(right) {
    return false;
  }
  /**
   * @param {Transaction} transaction
   * @param {Item} item
   */
  integrate(transaction, item) {
  }
  /**
   * @param {Transaction} transaction
   */
  delete(transaction) {
  }
  /**
   * @param {StructStore} store
   */
  gc(store) {
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    encoder.writeJSON(this.embed);
  }
  /**
   * @return {number}
   */
  getRef() {
    return 5;
  }
};
var readContentEmbed = (decoder) => new ContentEmbed(decoder.readJSON());
var ContentFormat = class _ContentFormat {
  /**
   * @param {string} key
   * @param {Object} value
   */
  constructor(key, value) {
    this.key = key;
    this.value = value;
  }
  /**
   * @return {number}
   */
  getLength() {
    return 1;
  }
  /**
   * @return {Array<any>}
   */
  getContent() {
    return [];
  }
  /**
   * @return {boolean}
   */
  isCountable() {
    return false;
  }
  /**
   * @return {ContentFormat}
   */
  copy() {
    return new _ContentFormat(this.key, this.value);
  }
  /**
   * @param {number} _offset
   * @return {ContentFormat}
   */
  splice(_offset) {
    throw methodUnimplemented();
  }
  /**
   * @param {ContentFormat} _right
   * @return {boolean}
   */
  mergeWith(_right) {
    return false;
  }
  /**
   * @param {Transaction} _transaction
   * @param {Item} item
   */
  integrate(_transaction, item) {
    const p = (
      /** @type {YText} */
      item.parent
    );
    p._searchMarker = null;
    p._hasFormatting = true;
  }
  /**
   * @param {Transaction} transaction
   */
  delete(transaction) {
  }
  /**
   * @param {StructStore} store
   */
  gc(store) {
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    encoder.writeKey(this.key);
    encoder.writeJSON(this.value);
  }
  /**
   * @return {number}
   */
  getRef() {
    return 6;
  }
};
var readContentFormat = (decoder) => new ContentFormat(decoder.readKey(), decoder.readJSON());
var ContentJSON = class _ContentJSON {
  /**
   * @param {Array<any>} arr
   */
  constructor(arr) {
    this.arr = arr;
  }
  /**
   * @return {number}
   */
  getLength() {
    return this.arr.length;
  }
  /**
   * @return {Array<any>}
   */
  getContent() {
    return this.arr;
  }
  /**
   * @return {boolean}
   */
  isCountable() {
    return true;
  }
  /**
   * @return {ContentJSON}
   */
  copy() {
    return new _ContentJSON(this.arr);
  }
  /**
   * @param {number} offset
   * @return {ContentJSON}
   */
  splice(offset) {
    const right = new _ContentJSON(this.arr.slice(offset));
    this.arr = this.arr.slice(0, offset);
    return right;
  }
  /**
   * @param {ContentJSON} right
   * @return {boolean}
   */
  mergeWith(right) {
    this.arr = this.arr.concat(right.arr);
    return true;
  }
  /**
   * @param {Transaction} transaction
   * @param {Item} item
   */
  integrate(transaction, item) {
  }
  /**
   * @param {Transaction} transaction
   */
  delete(transaction) {
  }
  /**
   * @param {StructStore} store
   */
  gc(store) {
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    const len = this.arr.length;
    encoder.writeLen(len - offset);
    for (let i = offset; i < len; i++) {
      const c = this.arr[i];
      encoder.writeString(c === void 0 ? "undefined" : JSON.stringify(c));
    }
  }
  /**
   * @return {number}
   */
  getRef() {
    return 2;
  }
};
var readContentJSON = (decoder) => {
  const len = decoder.readLen();
  const cs = [];
  for (let i = 0; i < len; i++) {
    const c = decoder.readString();
    if (c === "undefined") {
      cs.push(void 0);
    } else {
      cs.push(JSON.parse(c));
    }
  }
  return new ContentJSON(cs);
};
var isDevMode = getVariable("node_env") === "development";
var ContentAny = class _ContentAny {
  /**
   * @param {Array<any>} arr
   */
  constructor(arr) {
    this.arr = arr;
    isDevMode && deepFreeze(arr);
  }
  /**
   * @return {number}
   */
  getLength() {
    return this.arr.length;
  }
  /**
   * @return {Array<any>}
   */
  getContent() {
    return this.arr;
  }
  /**
   * @return {boolean}
   */
  isCountable() {
    return true;
  }
  /**
   * @return {ContentAny}
   */
  copy() {
    return new _ContentAny(this.arr);
  }
  /**
   * @param {number} offset
   * @return {ContentAny}
   */
  splice(offset) {
    const right = new _ContentAny(this.arr.slice(offset));
    this.arr = this.arr.slice(0, offset);
    return right;
  }
  /**
   * @param {ContentAny} right
   * @return {boolean}
   */
  mergeWith(right) {
    this.arr = this.arr.concat(right.arr);
    return true;
  }
  /**
   * @param {Transaction} transaction
   * @param {Item} item
   */
  integrate(transaction, item) {
  }
  /**
   * @param {Transaction} transaction
   */
  delete(transaction) {
  }
  /**
   * @param {StructStore} store
   */
  gc(store) {
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    const len = this.arr.length;
    encoder.writeLen(len - offset);
    for (let i = offset; i < len; i++) {
      const c = this.arr[i];
      encoder.writeAny(c);
    }
  }
  /**
   * @return {number}
   */
  getRef() {
    return 8;
  }
};
var readContentAny = (decoder) => {
  const len = decoder.readLen();
  const cs = [];
  for (let i = 0; i < len; i++) {
    cs.push(decoder.readAny());
  }
  return new ContentAny(cs);
};
var ContentString = class _ContentString {
  /**
   * @param {string} str
   */
  constructor(str) {
    this.str = str;
  }
  /**
   * @return {number}
   */
  getLength() {
    return this.str.length;
  }
  /**
   * @return {Array<any>}
   */
  getContent() {
    return this.str.split("");
  }
  /**
   * @return {boolean}
   */
  isCountable() {
    return true;
  }
  /**
   * @return {ContentString}
   */
  copy() {
    return new _ContentString(this.str);
  }
  /**
   * @param {number} offset
   * @return {ContentString}
   */
  splice(offset) {
    const right = new _ContentString(this.str.slice(offset));
    this.str = this.str.slice(0, offset);
    const firstCharCode = this.str.charCodeAt(offset - 1);
    if (firstCharCode >= 55296 && firstCharCode <= 56319) {
      this.str = this.str.slice(0, offset - 1) + "�";
      right.str = "�" + right.str.slice(1);
    }
    return right;
  }
  /**
   * @param {ContentString} right
   * @return {boolean}
   */
  mergeWith(right) {
    this.str += right.str;
    return true;
  }
  /**
   * @param {Transaction} transaction
   * @param {Item} item
   */
  integrate(transaction, item) {
  }
  /**
   * @param {Transaction} transaction
   */
  delete(transaction) {
  }
  /**
   * @param {StructStore} store
   */
  gc(store) {
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    encoder.writeString(offset === 0 ? this.str : this.str.slice(offset));
  }
  /**
   * @return {number}
   */
  getRef() {
    return 4;
  }
};
var readContentString = (decoder) => new ContentString(decoder.readString());
var typeRefs = [
  readYArray,
  readYMap,
  readYText,
  readYXmlElement,
  readYXmlFragment,
  readYXmlHook,
  readYXmlText
];
var YArrayRefID = 0;
var YMapRefID = 1;
var YTextRefID = 2;
var YXmlElementRefID = 3;
var YXmlFragmentRefID = 4;
var YXmlHookRefID = 5;
var YXmlTextRefID = 6;
var ContentType = class _ContentType {
  /**
   * @param {AbstractType<any>} type
   */
  constructor(type) {
    this.type = type;
  }
  /**
   * @return {number}
   */
  getLength() {
    return 1;
  }
  /**
   * @return {Array<any>}
   */
  getContent() {
    return [this.type];
  }
  /**
   * @return {boolean}
   */
  isCountable() {
    return true;
  }
  /**
   * @return {ContentType}
   */
  copy() {
    return new _ContentType(this.type._copy());
  }
  /**
   * @param {number} offset
   * @return {ContentType}
   */
  splice(offset) {
    throw methodUnimplemented();
  }
  /**
   * @param {ContentType} right
   * @return {boolean}
   */
  mergeWith(right) {
    return false;
  }
  /**
   * @param {Transaction} transaction
   * @param {Item} item
   */
  integrate(transaction, item) {
    this.type._integrate(transaction.doc, item);
  }
  /**
   * @param {Transaction} transaction
   */
  delete(transaction) {
    let item = this.type._start;
    while (item !== null) {
      if (!item.deleted) {
        item.delete(transaction);
      } else if (item.id.clock < (transaction.beforeState.get(item.id.client) || 0)) {
        transaction._mergeStructs.push(item);
      }
      item = item.right;
    }
    this.type._map.forEach((item2) => {
      if (!item2.deleted) {
        item2.delete(transaction);
      } else if (item2.id.clock < (transaction.beforeState.get(item2.id.client) || 0)) {
        transaction._mergeStructs.push(item2);
      }
    });
    transaction.changed.delete(this.type);
  }
  /**
   * @param {StructStore} store
   */
  gc(store) {
    let item = this.type._start;
    while (item !== null) {
      item.gc(store, true);
      item = item.right;
    }
    this.type._start = null;
    this.type._map.forEach(
      /** @param {Item | null} item */
      (item2) => {
        while (item2 !== null) {
          item2.gc(store, true);
          item2 = item2.left;
        }
      }
    );
    this.type._map = /* @__PURE__ */ new Map();
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    this.type._write(encoder);
  }
  /**
   * @return {number}
   */
  getRef() {
    return 7;
  }
};
var readContentType = (decoder) => new ContentType(typeRefs[decoder.readTypeRef()](decoder));
var splitItem = (transaction, leftItem, diff) => {
  const { client, clock } = leftItem.id;
  const rightItem = new Item(
    createID(client, clock + diff),
    leftItem,
    createID(client, clock + diff - 1),
    leftItem.right,
    leftItem.rightOrigin,
    leftItem.parent,
    leftItem.parentSub,
    leftItem.content.splice(diff)
  );
  if (leftItem.deleted) {
    rightItem.markDeleted();
  }
  if (leftItem.keep) {
    rightItem.keep = true;
  }
  if (leftItem.redone !== null) {
    rightItem.redone = createID(leftItem.redone.client, leftItem.redone.clock + diff);
  }
  leftItem.right = rightItem;
  if (rightItem.right !== null) {
    rightItem.right.left = rightItem;
  }
  transaction._mergeStructs.push(rightItem);
  if (rightItem.parentSub !== null && rightItem.right === null) {
    rightItem.parent._map.set(rightItem.parentSub, rightItem);
  }
  leftItem.length = diff;
  return rightItem;
};
var Item = class _Item extends AbstractStruct {
  /**
   * @param {ID} id
   * @param {Item | null} left
   * @param {ID | null} origin
   * @param {Item | null} right
   * @param {ID | null} rightOrigin
   * @param {AbstractType<any>|ID|null} parent Is a type if integrated, is null if it is possible to copy parent from left or right, is ID before integration to search for it.
   * @param {string | null} parentSub
   * @param {AbstractContent} content
   */
  constructor(id2, left, origin, right, rightOrigin, parent, parentSub, content) {
    super(id2, content.getLength());
    this.origin = origin;
    this.left = left;
    this.right = right;
    this.rightOrigin = rightOrigin;
    this.parent = parent;
    this.parentSub = parentSub;
    this.redone = null;
    this.content = content;
    this.info = this.content.isCountable() ? BIT2 : 0;
  }
  /**
   * This is used to mark the item as an indexed fast-search marker
   *
   * @type {boolean}
   */
  set marker(isMarked) {
    if ((this.info & BIT4) > 0 !== isMarked) {
      this.info ^= BIT4;
    }
  }
  get marker() {
    return (this.info & BIT4) > 0;
  }
  /**
   * If true, do not garbage collect this Item.
   */
  get keep() {
    return (this.info & BIT1) > 0;
  }
  set keep(doKeep) {
    if (this.keep !== doKeep) {
      this.info ^= BIT1;
    }
  }
  get countable() {
    return (this.info & BIT2) > 0;
  }
  /**
   * Whether this item was deleted or not.
   * @type {Boolean}
   */
  get deleted() {
    return (this.info & BIT3) > 0;
  }
  set deleted(doDelete) {
    if (this.deleted !== doDelete) {
      this.info ^= BIT3;
    }
  }
  markDeleted() {
    this.info |= BIT3;
  }
  /**
   * Return the creator clientID of the missing op or define missing items and return null.
   *
   * @param {Transaction} transaction
   * @param {StructStore} store
   * @return {null | number}
   */
  getMissing(transaction, store) {
    if (this.origin && this.origin.client !== this.id.client && this.origin.clock >= getState(store, this.origin.client)) {
      return this.origin.client;
    }
    if (this.rightOrigin && this.rightOrigin.client !== this.id.client && this.rightOrigin.clock >= getState(store, this.rightOrigin.client)) {
      return this.rightOrigin.client;
    }
    if (this.parent && this.parent.constructor === ID && this.id.client !== this.parent.client && this.parent.clock >= getState(store, this.parent.client)) {
      return this.parent.client;
    }
    if (this.origin) {
      this.left = getItemCleanEnd(transaction, store, this.origin);
      this.origin = this.left.lastId;
    }
    if (this.rightOrigin) {
      this.right = getItemCleanStart(transaction, this.rightOrigin);
      this.rightOrigin = this.right.id;
    }
    if (this.left && this.left.constructor === GC || this.right && this.right.constructor === GC) {
      this.parent = null;
    } else if (!this.parent) {
      if (this.left && this.left.constructor === _Item) {
        this.parent = this.left.parent;
        this.parentSub = this.left.parentSub;
      } else if (this.right && this.right.constructor === _Item) {
        this.parent = this.right.parent;
        this.parentSub = this.right.parentSub;
      }
    } else if (this.parent.constructor === ID) {
      const parentItem = getItem(store, this.parent);
      if (parentItem.constructor === GC) {
        this.parent = null;
      } else {
        this.parent = /** @type {ContentType} */
        parentItem.content.type;
      }
    }
    return null;
  }
  /**
   * @param {Transaction} transaction
   * @param {number} offset
   */
  integrate(transaction, offset) {
    if (offset > 0) {
      this.id.clock += offset;
      this.left = getItemCleanEnd(transaction, transaction.doc.store, createID(this.id.client, this.id.clock - 1));
      this.origin = this.left.lastId;
      this.content = this.content.splice(offset);
      this.length -= offset;
    }
    if (this.parent) {
      if (!this.left && (!this.right || this.right.left !== null) || this.left && this.left.right !== this.right) {
        let left = this.left;
        let o;
        if (left !== null) {
          o = left.right;
        } else if (this.parentSub !== null) {
          o = /** @type {AbstractType<any>} */
          this.parent._map.get(this.parentSub) || null;
          while (o !== null && o.left !== null) {
            o = o.left;
          }
        } else {
          o = /** @type {AbstractType<any>} */
          this.parent._start;
        }
        const conflictingItems = /* @__PURE__ */ new Set();
        const itemsBeforeOrigin = /* @__PURE__ */ new Set();
        while (o !== null && o !== this.right) {
          itemsBeforeOrigin.add(o);
          conflictingItems.add(o);
          if (compareIDs(this.origin, o.origin)) {
            if (o.id.client < this.id.client) {
              left = o;
              conflictingItems.clear();
            } else if (compareIDs(this.rightOrigin, o.rightOrigin)) {
              break;
            }
          } else if (o.origin !== null && itemsBeforeOrigin.has(getItem(transaction.doc.store, o.origin))) {
            if (!conflictingItems.has(getItem(transaction.doc.store, o.origin))) {
              left = o;
              conflictingItems.clear();
            }
          } else {
            break;
          }
          o = o.right;
        }
        this.left = left;
      }
      if (this.left !== null) {
        const right = this.left.right;
        this.right = right;
        this.left.right = this;
      } else {
        let r;
        if (this.parentSub !== null) {
          r = /** @type {AbstractType<any>} */
          this.parent._map.get(this.parentSub) || null;
          while (r !== null && r.left !== null) {
            r = r.left;
          }
        } else {
          r = /** @type {AbstractType<any>} */
          this.parent._start;
          this.parent._start = this;
        }
        this.right = r;
      }
      if (this.right !== null) {
        this.right.left = this;
      } else if (this.parentSub !== null) {
        this.parent._map.set(this.parentSub, this);
        if (this.left !== null) {
          this.left.delete(transaction);
        }
      }
      if (this.parentSub === null && this.countable && !this.deleted) {
        this.parent._length += this.length;
      }
      addStruct(transaction.doc.store, this);
      this.content.integrate(transaction, this);
      addChangedTypeToTransaction(
        transaction,
        /** @type {AbstractType<any>} */
        this.parent,
        this.parentSub
      );
      if (
        /** @type {AbstractType<any>} */
        this.parent._item !== null && /** @type {AbstractType<any>} */
        this.parent._item.deleted || this.parentSub !== null && this.right !== null
      ) {
        this.delete(transaction);
      }
    } else {
      new GC(this.id, this.length).integrate(transaction, 0);
    }
  }
  /**
   * Returns the next non-deleted item
   */
  get next() {
    let n = this.right;
    while (n !== null && n.deleted) {
      n = n.right;
    }
    return n;
  }
  /**
   * Returns the previous non-deleted item
   */
  get prev() {
    let n = this.left;
    while (n !== null && n.deleted) {
      n = n.left;
    }
    return n;
  }
  /**
   * Computes the last content address of this Item.
   */
  get lastId() {
    return this.length === 1 ? this.id : createID(this.id.client, this.id.clock + this.length - 1);
  }
  /**
   * Try to merge two items
   *
   * @param {Item} right
   * @return {boolean}
   */
  mergeWith(right) {
    if (this.constructor === right.constructor && compareIDs(right.origin, this.lastId) && this.right === right && compareIDs(this.rightOrigin, right.rightOrigin) && this.id.client === right.id.client && this.id.clock + this.length === right.id.clock && this.deleted === right.deleted && this.redone === null && right.redone === null && this.content.constructor === right.content.constructor && this.content.mergeWith(right.content)) {
      const searchMarker = (
        /** @type {AbstractType<any>} */
        this.parent._searchMarker
      );
      if (searchMarker) {
        searchMarker.forEach((marker) => {
          if (marker.p === right) {
            marker.p = this;
            if (!this.deleted && this.countable) {
              marker.index -= this.length;
            }
          }
        });
      }
      if (right.keep) {
        this.keep = true;
      }
      this.right = right.right;
      if (this.right !== null) {
        this.right.left = this;
      }
      this.length += right.length;
      return true;
    }
    return false;
  }
  /**
   * Mark this Item as deleted.
   *
   * @param {Transaction} transaction
   */
  delete(transaction) {
    if (!this.deleted) {
      const parent = (
        /** @type {AbstractType<any>} */
        this.parent
      );
      if (this.countable && this.parentSub === null) {
        parent._length -= this.length;
      }
      this.markDeleted();
      addToDeleteSet(transaction.deleteSet, this.id.client, this.id.clock, this.length);
      addChangedTypeToTransaction(transaction, parent, this.parentSub);
      this.content.delete(transaction);
    }
  }
  /**
   * @param {StructStore} store
   * @param {boolean} parentGCd
   */
  gc(store, parentGCd) {
    if (!this.deleted) {
      throw unexpectedCase();
    }
    this.content.gc(store);
    if (parentGCd) {
      replaceStruct(store, this, new GC(this.id, this.length));
    } else {
      this.content = new ContentDeleted(this.length);
    }
  }
  /**
   * Transform the properties of this type to binary and write it to an
   * BinaryEncoder.
   *
   * This is called when this Item is sent to a remote peer.
   *
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder The encoder to write data to.
   * @param {number} offset
   */
  write(encoder, offset) {
    const origin = offset > 0 ? createID(this.id.client, this.id.clock + offset - 1) : this.origin;
    const rightOrigin = this.rightOrigin;
    const parentSub = this.parentSub;
    const info = this.content.getRef() & BITS5 | (origin === null ? 0 : BIT8) | // origin is defined
    (rightOrigin === null ? 0 : BIT7) | // right origin is defined
    (parentSub === null ? 0 : BIT6);
    encoder.writeInfo(info);
    if (origin !== null) {
      encoder.writeLeftID(origin);
    }
    if (rightOrigin !== null) {
      encoder.writeRightID(rightOrigin);
    }
    if (origin === null && rightOrigin === null) {
      const parent = (
        /** @type {AbstractType<any>} */
        this.parent
      );
      if (parent._item !== void 0) {
        const parentItem = parent._item;
        if (parentItem === null) {
          const ykey = findRootTypeKey(parent);
          encoder.writeParentInfo(true);
          encoder.writeString(ykey);
        } else {
          encoder.writeParentInfo(false);
          encoder.writeLeftID(parentItem.id);
        }
      } else if (parent.constructor === String) {
        encoder.writeParentInfo(true);
        encoder.writeString(parent);
      } else if (parent.constructor === ID) {
        encoder.writeParentInfo(false);
        encoder.writeLeftID(parent);
      } else {
        unexpectedCase();
      }
      if (parentSub !== null) {
        encoder.writeString(parentSub);
      }
    }
    this.content.write(encoder, offset);
  }
};
var readItemContent = (decoder, info) => contentRefs[info & BITS5](decoder);
var contentRefs = [
  () => {
    unexpectedCase();
  },
  // GC is not ItemContent
  readContentDeleted,
  // 1
  readContentJSON,
  // 2
  readContentBinary,
  // 3
  readContentString,
  // 4
  readContentEmbed,
  // 5
  readContentFormat,
  // 6
  readContentType,
  // 7
  readContentAny,
  // 8
  readContentDoc,
  // 9
  () => {
    unexpectedCase();
  }
  // 10 - Skip is not ItemContent
];
var structSkipRefNumber = 10;
var Skip = class extends AbstractStruct {
  get deleted() {
    return true;
  }
  delete() {
  }
  /**
   * @param {Skip} right
   * @return {boolean}
   */
  mergeWith(right) {
    if (this.constructor !== right.constructor) {
      return false;
    }
    this.length += right.length;
    return true;
  }
  /**
   * @param {Transaction} transaction
   * @param {number} offset
   */
  integrate(transaction, offset) {
    unexpectedCase();
  }
  /**
   * @param {UpdateEncoderV1 | UpdateEncoderV2} encoder
   * @param {number} offset
   */
  write(encoder, offset) {
    encoder.writeInfo(structSkipRefNumber);
    writeVarUint(encoder.restEncoder, this.length - offset);
  }
  /**
   * @param {Transaction} transaction
   * @param {StructStore} store
   * @return {null | number}
   */
  getMissing(transaction, store) {
    return null;
  }
};
var glo = (
  /** @type {any} */
  typeof globalThis !== "undefined" ? globalThis : typeof window !== "undefined" ? window : typeof global !== "undefined" ? global : {}
);
var importIdentifier = "__ $YJS$ __";
if (glo[importIdentifier] === true) {
  console.error("Yjs was already imported. This breaks constructor checks and will lead to issues! - https://github.com/yjs/yjs/issues/438");
}
glo[importIdentifier] = true;

// src/clock.js
var COUNTER_BITS = 16n;
var COUNTER_MAX = (1n << COUNTER_BITS) - 1n;
var MAX_SKEW_MS = 5 * 60 * 1e3;
var NO_CEILING = 1n << 80n;
var CANONICAL = /^(?:0|[1-9a-z][0-9a-z]{0,15})$/;
var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";
function makeStamp(wallMs, counter = 0) {
  return BigInt(wallMs) << COUNTER_BITS | BigInt(counter);
}
var stampWallMs = (stamp) => Number(stamp >> COUNTER_BITS);
function encodeStamp(stamp) {
  if (stamp < 0n) throw new RangeError("a stamp is never negative");
  return stamp.toString(36);
}
function decodeStamp(text3) {
  if (!CANONICAL.test(text3)) return null;
  let value = 0n;
  for (const ch of text3) value = value * 36n + BigInt(DIGITS.indexOf(ch));
  return value;
}
var HybridClock = class {
  /** @param {bigint} [last] */
  constructor(last2 = 0n) {
    this.last = last2;
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
      this.last = makeStamp(wall + 1n);
    } else {
      this.last += 1n;
    }
    return this.last;
  }
  /** Take note of a stamp from another replica. @param {bigint} stamp */
  observe(stamp) {
    if (stamp > this.last) {
      const capped = stamp < this.ceiling ? stamp : this.ceiling;
      if (capped > this.last) this.last = capped;
    }
  }
};

// src/pyvalue.js
var PY_SPACE = "\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
var STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");
var SPLIT = new RegExp(`[${PY_SPACE}]+`, "u");
var pyStrip = (text3) => text3.replace(STRIP, "");
var pySplit = (text3) => text3.split(SPLIT).filter((w) => w !== "");
function codePointLength(text3) {
  let n = text3.length;
  for (let i = 0; i < text3.length; i++) {
    const c = text3.charCodeAt(i);
    if (c >= 55296 && c <= 56319 && i + 1 < text3.length) {
      const d = text3.charCodeAt(i + 1);
      if (d >= 56320 && d <= 57343) {
        n--;
        i++;
      }
    }
  }
  return n;
}
function codePointSlice(text3, n) {
  if (text3.length <= n) return text3;
  return [...text3].slice(0, n).join("");
}
function unitOffset(text3, index) {
  let units = 0;
  let points = 0;
  while (points < index && units < text3.length) {
    const c = text3.charCodeAt(units);
    units += c >= 55296 && c <= 56319 && units + 1 < text3.length && (text3.charCodeAt(units + 1) & 64512) === 56320 ? 2 : 1;
    points++;
  }
  return units;
}
var pointOrder = (c) => c >= 57344 ? c - 2048 : c >= 55296 ? c + 8192 : c;
function compareText(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return pointOrder(x) - pointOrder(y);
  }
  return a.length - b.length;
}
var isDict = (value) => typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
function pyEqual(a, b) {
  if (a === b) return a === a || typeof a !== "number";
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === "number" || ta === "boolean") && (tb === "number" || tb === "boolean")) {
    return Number(a) === Number(b);
  }
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const keys2 = Object.keys(a);
    return keys2.length === Object.keys(b).length && keys2.every((k) => Object.hasOwn(b, k) && pyEqual(a[k], b[k]));
  }
  return false;
}
function pyTruthy(value) {
  if (value === null || value === void 0) return false;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isDict(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}
var NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;
var printable = (ch) => ch === " " || !NOT_PRINTABLE.test(ch);
function isPrintable(text3) {
  for (const ch of text3) if (!printable(ch)) return false;
  return true;
}
var hex = (code, width) => code.toString(16).padStart(width, "0");
function reprText(text3) {
  const quote = text3.includes("'") && !text3.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text3) {
    const code = (
      /** @type {number} */
      ch.codePointAt(0)
    );
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "	") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (code < 32 || code === 127) out += `\\x${hex(code, 2)}`;
    else if (code < 127 || printable(ch)) out += ch;
    else if (code <= 255) out += `\\x${hex(code, 2)}`;
    else if (code <= 65535) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + quote;
}
function reprNumber(value) {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  const [mantissa, exp] = value.toExponential().split("e");
  const e = Number(exp);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits2 = mantissa.replace("-", "").replace(".", "");
  if (e >= -4 && e < 16) {
    if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits2}`;
    const whole = digits2.padEnd(e + 1, "0");
    const rest = digits2.slice(e + 1);
    return `${sign}${whole.slice(0, e + 1)}.${rest || "0"}`;
  }
  const m = digits2.length > 1 ? `${digits2[0]}.${digits2.slice(1)}` : digits2;
  return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}
function pyRepr(value) {
  if (value === null || value === void 0) return "None";
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
var pyStr = (value) => typeof value === "string" ? value : pyRepr(value);

// src/errors.js
var HandsyncError = class extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
};
var ValidationError2 = class extends HandsyncError {
  /**
   * @param {string} message
   * @param {{ kind?: string | null, recordId?: string | null, field?: string | null,
   *   value?: unknown }} [where]
   */
  constructor(message, { kind = null, recordId = null, field = null, value = null } = {}) {
    const parts = [];
    if (kind) parts.push(kind);
    if (recordId) parts.push(recordId);
    if (field) parts.push(`field ${pyRepr(field)}`);
    const prefix = parts.join(" ");
    const detail = value !== null && value !== void 0 ? ` (value ${pyRepr(value)})` : "";
    super(prefix ? `${prefix}: ${message}${detail}` : `${message}${detail}`);
    this.reason = message;
    this.kind = kind;
    this.recordId = recordId;
    this.field = field;
    this.value = value;
  }
};
var UnknownKindError = class extends ValidationError2 {
};
var RecordError = class extends HandsyncError {
  /**
   * @param {string} message
   * @param {{ kind: string, recordId: string }} where
   */
  constructor(message, { kind, recordId }) {
    super(`${kind} ${recordId}: ${message}`);
    this.kind = kind;
    this.recordId = recordId;
  }
};
var RecordNotFoundError = class extends RecordError {
};
var RecordDeletedError = class extends RecordError {
};
var RecordExistsError = class extends RecordError {
};
var StoreError = class extends HandsyncError {
  /**
   * @param {string} message
   * @param {{ path?: string | null }} [where]
   */
  constructor(message, { path = null } = {}) {
    super(path ? `${path}: ${message}` : message);
    this.path = path;
    this.reason = message;
  }
};
var CorruptStoreError = class extends StoreError {
};
var ProtocolError = class extends HandsyncError {
  /**
   * @param {string} reason
   * @param {{ code?: number }} [options]
   */
  constructor(reason, { code = 4400 } = {}) {
    super(`${reason} (code ${code})`);
    this.code = code;
    this.reason = reason;
  }
};

// src/schema.json
var schema_default = {
  folding: {
    drop_categories: [
      "Mn",
      "Me",
      "Cf"
    ],
    letters: {
      ß: "ss",
      æ: "ae",
      ð: "d",
      ø: "o",
      þ: "th",
      đ: "d",
      ħ: "h",
      ı: "i",
      ĸ: "k",
      ł: "l",
      ŋ: "n",
      œ: "oe",
      ŧ: "t",
      ƀ: "b",
      ƙ: "k",
      ƶ: "z",
      ȥ: "z",
      ɓ: "b",
      ɗ: "d",
      ɨ: "i"
    },
    lowercase: true,
    normalize: "NFKD",
    punctuation_categories: [
      "Pc",
      "Pd",
      "Ps",
      "Pe",
      "Pi",
      "Pf",
      "Po"
    ],
    space_categories: [
      "Zs",
      "Zl",
      "Zp",
      "Cc"
    ],
    version: 1
  },
  kinds: {
    activity: {
      fields: {
        activity_priority_id: {
          act: "activityPriorityId",
          choices: [],
          label: "Priority ID",
          type: "int"
        },
        activity_priority_name: {
          act: "activityPriorityName",
          choices: [],
          label: "Priority",
          type: "text"
        },
        activity_type_id: {
          act: "activityTypeId",
          choices: [],
          label: "Type ID",
          type: "int"
        },
        activity_type_name: {
          act: "activityTypeName",
          choices: [],
          label: "Type",
          type: "text"
        },
        company_ids: {
          act: "companies",
          choices: [],
          label: "Companies",
          type: "ids"
        },
        contact_ids: {
          act: "contacts",
          choices: [],
          label: "Contacts",
          type: "ids"
        },
        created: {
          act: "created",
          choices: [],
          label: "Create Date",
          type: "datetime"
        },
        details: {
          act: "details",
          choices: [],
          label: "Details",
          type: "text"
        },
        duration: {
          act: "duration",
          choices: [],
          label: "Duration",
          type: "duration"
        },
        edited: {
          act: "edited",
          choices: [],
          label: "Edit Date",
          type: "datetime"
        },
        end_time: {
          act: "endTime",
          choices: [],
          label: "End",
          type: "datetime"
        },
        group_ids: {
          act: "groups",
          choices: [],
          label: "Groups",
          type: "ids"
        },
        is_alarmed: {
          act: "isAlarmed",
          choices: [],
          label: "Alarm",
          type: "bool"
        },
        is_all_day: {
          act: "isAllDay",
          choices: [],
          label: "All Day",
          type: "bool"
        },
        is_cleared: {
          act: "isCleared",
          choices: [],
          label: "Cleared",
          type: "bool"
        },
        is_private: {
          act: "isPrivate",
          choices: [],
          label: "Private",
          type: "bool"
        },
        is_timeless: {
          act: "isTimeless",
          choices: [],
          label: "Timeless",
          type: "bool"
        },
        lead_minutes: {
          act: "leadMinutes",
          choices: [],
          label: "Lead Minutes",
          type: "int"
        },
        location: {
          act: "location",
          choices: [],
          label: "Location",
          type: "text"
        },
        opportunity_ids: {
          act: "opportunities",
          choices: [],
          label: "Opportunities",
          type: "ids"
        },
        recur_spec: {
          act: "recurSpec",
          choices: [],
          label: "Recurrence",
          type: "json"
        },
        scheduled_by: {
          act: "scheduledBy",
          choices: [],
          label: "Scheduled By",
          type: "text"
        },
        scheduled_for: {
          act: "scheduledFor",
          choices: [],
          label: "Scheduled For",
          type: "text"
        },
        series_id: {
          act: "seriesID",
          choices: [],
          label: "Series",
          type: "id"
        },
        start_time: {
          act: "startTime",
          choices: [],
          label: "Start",
          type: "datetime"
        },
        subject: {
          act: "subject",
          choices: [],
          label: "Subject",
          type: "text"
        }
      },
      required: [],
      root: "activities",
      search: [
        "subject",
        "details",
        "location"
      ]
    },
    company: {
      fields: {
        address_city: {
          act: "address/city",
          choices: [],
          label: "Address City",
          type: "text"
        },
        address_country: {
          act: "address/country",
          choices: [],
          label: "Address Country",
          type: "text"
        },
        address_line1: {
          act: "address/line1",
          choices: [],
          label: "Address Line1",
          type: "text"
        },
        address_line2: {
          act: "address/line2",
          choices: [],
          label: "Address Line2",
          type: "text"
        },
        address_line3: {
          act: "address/line3",
          choices: [],
          label: "Address Line3",
          type: "text"
        },
        address_postal_code: {
          act: "address/postalCode",
          choices: [],
          label: "Address Postal Code",
          type: "text"
        },
        address_state: {
          act: "address/state",
          choices: [],
          label: "Address State",
          type: "text"
        },
        billing_address_city: {
          act: "billingAddress/city",
          choices: [],
          label: "Billing Address City",
          type: "text"
        },
        billing_address_country: {
          act: "billingAddress/country",
          choices: [],
          label: "Billing Address Country",
          type: "text"
        },
        billing_address_line1: {
          act: "billingAddress/line1",
          choices: [],
          label: "Billing Address Line1",
          type: "text"
        },
        billing_address_line2: {
          act: "billingAddress/line2",
          choices: [],
          label: "Billing Address Line2",
          type: "text"
        },
        billing_address_line3: {
          act: "billingAddress/line3",
          choices: [],
          label: "Billing Address Line3",
          type: "text"
        },
        billing_address_postal_code: {
          act: "billingAddress/postalCode",
          choices: [],
          label: "Billing Address Postal Code",
          type: "text"
        },
        billing_address_state: {
          act: "billingAddress/state",
          choices: [],
          label: "Billing Address State",
          type: "text"
        },
        created: {
          act: "created",
          choices: [],
          label: "Create Date",
          type: "datetime"
        },
        edited: {
          act: "edited",
          choices: [],
          label: "Edit Date",
          type: "datetime"
        },
        fax: {
          act: "fax",
          choices: [],
          label: "Fax",
          type: "phone"
        },
        fax_extension: {
          act: "faxExtension",
          choices: [],
          label: "Fax Extension",
          type: "text"
        },
        industry: {
          act: "industry",
          choices: [],
          label: "Industry",
          type: "text"
        },
        name: {
          act: "name",
          choices: [],
          label: "Name",
          type: "text"
        },
        parent_id: {
          act: "parentID",
          choices: [],
          label: "Parent",
          type: "id"
        },
        phone: {
          act: "phone",
          choices: [],
          label: "Phone",
          type: "phone"
        },
        phone_extension: {
          act: "phoneExtension",
          choices: [],
          label: "Phone Extension",
          type: "text"
        },
        region: {
          act: "region",
          choices: [],
          label: "Region",
          type: "text"
        },
        shipping_address_city: {
          act: "shippingAddress/city",
          choices: [],
          label: "Shipping Address City",
          type: "text"
        },
        shipping_address_country: {
          act: "shippingAddress/country",
          choices: [],
          label: "Shipping Address Country",
          type: "text"
        },
        shipping_address_line1: {
          act: "shippingAddress/line1",
          choices: [],
          label: "Shipping Address Line1",
          type: "text"
        },
        shipping_address_line2: {
          act: "shippingAddress/line2",
          choices: [],
          label: "Shipping Address Line2",
          type: "text"
        },
        shipping_address_line3: {
          act: "shippingAddress/line3",
          choices: [],
          label: "Shipping Address Line3",
          type: "text"
        },
        shipping_address_postal_code: {
          act: "shippingAddress/postalCode",
          choices: [],
          label: "Shipping Address Postal Code",
          type: "text"
        },
        shipping_address_state: {
          act: "shippingAddress/state",
          choices: [],
          label: "Shipping Address State",
          type: "text"
        },
        territory: {
          act: "territory",
          choices: [],
          label: "Territory",
          type: "text"
        },
        toll_free_phone: {
          act: "tollFreePhone",
          choices: [],
          label: "Toll Free Phone",
          type: "phone"
        },
        website: {
          act: "website",
          choices: [],
          label: "Web Site",
          type: "text"
        }
      },
      required: [
        "name"
      ],
      root: "companies",
      search: [
        "name",
        "phone",
        "website"
      ]
    },
    contact: {
      fields: {
        alt_email: {
          act: "altEmailAddress",
          choices: [],
          label: "Alternate E-mail",
          type: "email"
        },
        alternate_phone: {
          act: "alternatePhone",
          choices: [],
          label: "Alternate Phone",
          type: "phone"
        },
        alternate_phone_country_code: {
          act: "alternateCountryCode",
          choices: [],
          label: "Alternate Country Code",
          type: "int"
        },
        alternate_phone_extension: {
          act: "alternateExtension",
          choices: [],
          label: "Alternate Extension",
          type: "text"
        },
        birthday: {
          act: "birthday",
          choices: [],
          label: "Birthday",
          type: "date"
        },
        business_address_city: {
          act: "businessAddress/city",
          choices: [],
          label: "City",
          type: "text"
        },
        business_address_country: {
          act: "businessAddress/country",
          choices: [],
          label: "Country",
          type: "text"
        },
        business_address_line1: {
          act: "businessAddress/line1",
          choices: [],
          label: "Address 1",
          type: "text"
        },
        business_address_line2: {
          act: "businessAddress/line2",
          choices: [],
          label: "Address 2",
          type: "text"
        },
        business_address_line3: {
          act: "businessAddress/line3",
          choices: [],
          label: "Address 3",
          type: "text"
        },
        business_address_postal_code: {
          act: "businessAddress/postalCode",
          choices: [],
          label: "ZIP Code",
          type: "text"
        },
        business_address_state: {
          act: "businessAddress/state",
          choices: [],
          label: "State",
          type: "text"
        },
        business_phone: {
          act: "businessPhone",
          choices: [],
          label: "Phone",
          type: "phone"
        },
        business_phone_country_code: {
          act: "businessCountryCode",
          choices: [],
          label: "Business Country Code",
          type: "int"
        },
        business_phone_extension: {
          act: "businessExtension",
          choices: [],
          label: "Business Extension",
          type: "text"
        },
        company: {
          act: "company",
          choices: [],
          label: "Company",
          type: "text"
        },
        company_id: {
          act: "companyID",
          choices: [],
          label: "Company",
          type: "id"
        },
        contact_type: {
          act: "contactType",
          choices: [
            "Contact",
            "Secondary",
            "User"
          ],
          label: "Contact Type",
          type: "enum"
        },
        created: {
          act: "created",
          choices: [],
          label: "Create Date",
          type: "datetime"
        },
        department: {
          act: "department",
          choices: [],
          label: "Department",
          type: "text"
        },
        edited: {
          act: "edited",
          choices: [],
          label: "Edit Date",
          type: "datetime"
        },
        edited_by: {
          act: "editedBy",
          choices: [],
          label: "Edited By",
          type: "text"
        },
        email: {
          act: "emailAddress",
          choices: [],
          label: "E-mail",
          type: "email"
        },
        fax_phone: {
          act: "faxPhone",
          choices: [],
          label: "Fax",
          type: "phone"
        },
        fax_phone_country_code: {
          act: "faxCountryCode",
          choices: [],
          label: "Fax Country Code",
          type: "int"
        },
        fax_phone_extension: {
          act: "faxExtension",
          choices: [],
          label: "Fax Extension",
          type: "text"
        },
        first_name: {
          act: "firstName",
          choices: [],
          label: "First Name",
          type: "text"
        },
        full_name: {
          act: "fullName",
          choices: [],
          label: "Contact",
          type: "text"
        },
        home_address_city: {
          act: "homeAddress/city",
          choices: [],
          label: "Home City",
          type: "text"
        },
        home_address_country: {
          act: "homeAddress/country",
          choices: [],
          label: "Home Country",
          type: "text"
        },
        home_address_line1: {
          act: "homeAddress/line1",
          choices: [],
          label: "Home Address 1",
          type: "text"
        },
        home_address_line2: {
          act: "homeAddress/line2",
          choices: [],
          label: "Home Address 2",
          type: "text"
        },
        home_address_line3: {
          act: "homeAddress/line3",
          choices: [],
          label: "Home Address 3",
          type: "text"
        },
        home_address_postal_code: {
          act: "homeAddress/postalCode",
          choices: [],
          label: "Home ZIP Code",
          type: "text"
        },
        home_address_state: {
          act: "homeAddress/state",
          choices: [],
          label: "Home State",
          type: "text"
        },
        home_phone: {
          act: "homePhone",
          choices: [],
          label: "Home Phone",
          type: "phone"
        },
        home_phone_country_code: {
          act: "homeCountryCode",
          choices: [],
          label: "Home Country Code",
          type: "int"
        },
        home_phone_extension: {
          act: "homeExtension",
          choices: [],
          label: "Home Extension",
          type: "text"
        },
        id_status: {
          act: "idStatus",
          choices: [],
          label: "ID/Status",
          type: "text"
        },
        is_private: {
          act: "isPrivate",
          choices: [],
          label: "Private",
          type: "bool"
        },
        job_title: {
          act: "jobTitle",
          choices: [],
          label: "Job Title",
          type: "text"
        },
        last_attempt: {
          act: "lastAttempt",
          choices: [],
          label: "Last Attempt",
          type: "datetime"
        },
        last_email: {
          act: "lastEmail",
          choices: [],
          label: "Last E-mail",
          type: "datetime"
        },
        last_letter_sent: {
          act: "lastLetterSent",
          choices: [],
          label: "Last Letter Sent",
          type: "datetime"
        },
        last_meeting: {
          act: "lastMeeting",
          choices: [],
          label: "Last Meeting",
          type: "datetime"
        },
        last_name: {
          act: "lastName",
          choices: [],
          label: "Last Name",
          type: "text"
        },
        last_reach: {
          act: "lastReach",
          choices: [],
          label: "Last Reach",
          type: "datetime"
        },
        last_results: {
          act: "lastResults",
          choices: [],
          label: "Last Results",
          type: "text"
        },
        messenger_id: {
          act: "messengerID",
          choices: [],
          label: "Messenger ID",
          type: "text"
        },
        middle_name: {
          act: "middleName",
          choices: [],
          label: "Middle Name",
          type: "text"
        },
        mobile_phone: {
          act: "mobilePhone",
          choices: [],
          label: "Mobile Phone",
          type: "phone"
        },
        mobile_phone_country_code: {
          act: "mobileCountryCode",
          choices: [],
          label: "Mobile Country Code",
          type: "int"
        },
        mobile_phone_extension: {
          act: "mobileExtension",
          choices: [],
          label: "Mobile Extension",
          type: "text"
        },
        name_prefix: {
          act: "namePrefix",
          choices: [],
          label: "Prefix",
          type: "text"
        },
        name_suffix: {
          act: "nameSuffix",
          choices: [],
          label: "Suffix",
          type: "text"
        },
        pager_phone: {
          act: "pagerPhone",
          choices: [],
          label: "Pager",
          type: "phone"
        },
        pager_phone_country_code: {
          act: "pagerCountryCode",
          choices: [],
          label: "Pager Country Code",
          type: "int"
        },
        pager_phone_extension: {
          act: "pagerExtension",
          choices: [],
          label: "Pager Extension",
          type: "text"
        },
        personal_email: {
          act: "personalEmailAddress",
          choices: [],
          label: "Personal E-mail",
          type: "email"
        },
        record_manager: {
          act: "recordManager",
          choices: [],
          label: "Record Manager",
          type: "text"
        },
        record_manager_id: {
          act: "recordManagerID",
          choices: [],
          label: "Record Manager ID",
          type: "id"
        },
        referred_by: {
          act: "referredBy",
          choices: [],
          label: "Referred By",
          type: "text"
        },
        salutation: {
          act: "salutation",
          choices: [],
          label: "Salutation",
          type: "text"
        },
        website: {
          act: "website",
          choices: [],
          label: "Web Site",
          type: "text"
        }
      },
      required: [],
      root: "contacts",
      search: [
        "full_name",
        "first_name",
        "last_name",
        "company",
        "email",
        "alt_email",
        "personal_email",
        "business_phone",
        "mobile_phone",
        "home_phone",
        "alternate_phone",
        "fax_phone",
        "pager_phone"
      ]
    },
    group: {
      fields: {
        created: {
          act: "created",
          choices: [],
          label: "Create Date",
          type: "datetime"
        },
        description: {
          act: "description",
          choices: [],
          label: "Description",
          type: "text"
        },
        edited: {
          act: "edited",
          choices: [],
          label: "Edit Date",
          type: "datetime"
        },
        name: {
          act: "name",
          choices: [],
          label: "Name",
          type: "text"
        },
        parent_id: {
          act: "parentID",
          choices: [],
          label: "Parent",
          type: "id"
        }
      },
      required: [
        "name"
      ],
      root: "groups",
      search: [
        "name"
      ]
    },
    history: {
      fields: {
        company_ids: {
          act: "companies",
          choices: [],
          label: "Companies",
          type: "ids"
        },
        contact_ids: {
          act: "contacts",
          choices: [],
          label: "Contacts",
          type: "ids"
        },
        created: {
          act: "created",
          choices: [],
          label: "Create Date",
          type: "datetime"
        },
        details: {
          act: "details",
          choices: [],
          label: "Details",
          type: "text"
        },
        duration: {
          act: "duration",
          choices: [],
          label: "Duration",
          type: "duration"
        },
        edited: {
          act: "edited",
          choices: [],
          label: "Edit Date",
          type: "datetime"
        },
        end_time: {
          act: "endTime",
          choices: [],
          label: "End",
          type: "datetime"
        },
        group_ids: {
          act: "groups",
          choices: [],
          label: "Groups",
          type: "ids"
        },
        history_type: {
          act: "historyType/name",
          choices: [],
          label: "Result",
          type: "text"
        },
        history_type_id: {
          act: "historyTypeID",
          choices: [],
          label: "History Type",
          type: "int"
        },
        is_private: {
          act: "isPrivate",
          choices: [],
          label: "Private",
          type: "bool"
        },
        opportunity_ids: {
          act: "opportunities",
          choices: [],
          label: "Opportunities",
          type: "ids"
        },
        regarding: {
          act: "regarding",
          choices: [],
          label: "Regarding",
          type: "text"
        },
        start_time: {
          act: "startTime",
          choices: [],
          label: "Start",
          type: "datetime"
        }
      },
      required: [],
      root: "histories",
      search: [
        "regarding",
        "details"
      ]
    },
    note: {
      fields: {
        company_ids: {
          act: "companies",
          choices: [],
          label: "Companies",
          type: "ids"
        },
        contact_ids: {
          act: "contacts",
          choices: [],
          label: "Contacts",
          type: "ids"
        },
        created: {
          act: "created",
          choices: [],
          label: "Create Date",
          type: "datetime"
        },
        display_date: {
          act: "displayDate",
          choices: [],
          label: "Date",
          type: "datetime"
        },
        edited: {
          act: "edited",
          choices: [],
          label: "Edit Date",
          type: "datetime"
        },
        group_ids: {
          act: "groups",
          choices: [],
          label: "Groups",
          type: "ids"
        },
        is_private: {
          act: "isPrivate",
          choices: [],
          label: "Private",
          type: "bool"
        },
        note_type_id: {
          act: "noteTypeID",
          choices: [],
          label: "Note Type",
          type: "int"
        },
        opportunity_ids: {
          act: "opportunities",
          choices: [],
          label: "Opportunities",
          type: "ids"
        },
        text: {
          act: "noteText",
          choices: [],
          label: "Regarding",
          type: "note_text"
        }
      },
      required: [],
      root: "notes",
      search: [
        "text"
      ]
    },
    opportunity: {
      fields: {
        actual_close_date: {
          act: "actualCloseDate",
          choices: [],
          label: "Actual Close Date",
          type: "datetime"
        },
        company_ids: {
          act: "companies",
          choices: [],
          label: "Companies",
          type: "ids"
        },
        contact_ids: {
          act: "contacts",
          choices: [],
          label: "Contacts",
          type: "ids"
        },
        created: {
          act: "created",
          choices: [],
          label: "Create Date",
          type: "datetime"
        },
        edited: {
          act: "edited",
          choices: [],
          label: "Edit Date",
          type: "datetime"
        },
        estimated_close_date: {
          act: "estimatedCloseDate",
          choices: [],
          label: "Est. Close Date",
          type: "datetime"
        },
        name: {
          act: "name",
          choices: [],
          label: "Name",
          type: "text"
        },
        open_date: {
          act: "openDate",
          choices: [],
          label: "Open Date",
          type: "datetime"
        },
        probability: {
          act: "probability",
          choices: [],
          label: "Probability",
          type: "int"
        },
        product_total: {
          act: "productTotal",
          choices: [],
          label: "Total",
          type: "number"
        },
        stage: {
          act: "stage/name",
          choices: [],
          label: "Stage Name",
          type: "text"
        },
        stage_id: {
          act: "stage/id",
          choices: [],
          label: "Stage Id",
          type: "id"
        },
        status: {
          act: "status",
          choices: [
            0,
            1,
            2,
            3
          ],
          label: "Status",
          type: "enum"
        },
        weighted_total: {
          act: "weightedTotal",
          choices: [],
          label: "Weighted Total",
          type: "number"
        }
      },
      required: [
        "name"
      ],
      root: "opportunities",
      search: [
        "name",
        "stage"
      ]
    }
  }
};

// src/isotime.js
var Invalid = class extends Error {
};
var at = (s, i) => i < s.length ? s[i] : 0;
var isDigit = (c) => c >= 48 && c <= 57;
function digits(s, p, n) {
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = at(s, p + i);
    if (!isDigit(c)) throw new Invalid();
    value = value * 10 + (c - 48);
  }
  return [value, p + n];
}
var daysIn = (year, month) => month === 2 ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28 : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
function isoToYmd(year, week, day) {
  if (week <= 0 || week >= 53) {
    const first = weekday(year, 1, 1);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (!(week === 53 && (first === 4 || first === 3 && leap))) throw new Invalid();
  }
  if (day <= 0 || day >= 8) throw new Invalid();
  const jan4 = weekday(year, 1, 4);
  const ordinal = days(year, 1, 4) - (jan4 - 1) + (week - 1) * 7 + (day - 1);
  const date2 = fromDays(ordinal);
  if (date2[0] < 1 || date2[0] > 9999) throw new Invalid();
  return date2;
}
function days(y, m, d) {
  const date2 = /* @__PURE__ */ new Date(0);
  date2.setUTCFullYear(y, m - 1, d);
  return Math.floor(date2.getTime() / 864e5);
}
function fromDays(n) {
  const date2 = new Date(n * 864e5);
  return [date2.getUTCFullYear(), date2.getUTCMonth() + 1, date2.getUTCDate()];
}
var weekday = (y, m, d) => ((days(y, m, d) + 3) % 7 + 7) % 7 + 1;
function parseDate(s, len) {
  let [year, p] = digits(s, 0, 4);
  const separated = at(s, p) === 45;
  if (separated) p++;
  if (at(s, p) === 87) {
    p++;
    let week;
    [week, p] = digits(s, p, 2);
    let day2 = 1;
    if (p < len) {
      if (separated && at(s, p++) !== 45) throw new Invalid();
      [day2, p] = digits(s, p, 1);
    }
    return isoToYmd(year, week, day2);
  }
  let month, day;
  [month, p] = digits(s, p, 2);
  if (separated && at(s, p++) !== 45) throw new Invalid();
  [day, p] = digits(s, p, 2);
  return [year, month, day];
}
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
  const remains = end - p;
  if (remains < 1) throw new Invalid();
  const take = Math.min(remains, 6);
  let us;
  [us, p] = digits(s, p, take);
  us *= 10 ** (6 - take);
  while (isDigit(at(s, p))) p++;
  return [...vals, us, at(s, p) !== 0 ? 1 : 0];
}
var bytesOf = (text3) => [...new TextEncoder().encode(text3)];
function fromIsoFormat(text3) {
  const points = [...text3];
  if (points.length < 7) throw new Invalid();
  const sep = separatorAt(bytesOf(text3), bytesOf(text3).length);
  if (sep >= 0 && sep < points.length && points[sep].length > 0 && (points[sep].codePointAt(0) ?? 0) > 127) {
    points[sep] = "T";
  }
  const s = bytesOf(points.join(""));
  const len = s.length;
  const where = separatorAt(s, len);
  if (where < 0) throw new Invalid();
  const [year, month, day] = parseDate(s, where);
  let hour = 0, minute = 0, second = 0, microsecond = 0;
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
      if (total >= 864e8) throw new Invalid();
    }
  }
  check(year, month, day, hour, minute, second);
  return { year, month, day, hour, minute, second, microsecond, offset };
}
function dateFromIsoFormat(text3) {
  const s = bytesOf(text3);
  if (![7, 8, 10].includes(s.length)) throw new Invalid();
  const [year, month, day] = parseDate(s, s.length);
  check(year, month, day, 0, 0, 0);
  return [year, month, day];
}
function check(y, mo, d, h, mi, s) {
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) throw new Invalid();
}
var pad = (n, width) => String(n).padStart(width, "0");
var isoDate = (y, m, d) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
function utcText(m) {
  const offsetUs = m.offset ? BigInt(m.offset.seconds) * 1000000n + BigInt(m.offset.microseconds) : 0n;
  const dayUs = 86400000000n;
  const localUs = BigInt(days(m.year, m.month, m.day)) * dayUs + BigInt((m.hour * 60 + m.minute) * 60 + m.second) * 1000000n + BigInt(m.microsecond);
  const utcUs = localUs - offsetUs;
  let dayNumber = utcUs / dayUs;
  let rest = utcUs % dayUs;
  if (rest < 0n) {
    rest += dayUs;
    dayNumber -= 1n;
  }
  const [y, mo, d] = fromDays(Number(dayNumber));
  if (y < 1 || y > 9999) return null;
  const us = Number(rest);
  const totalSeconds = Math.floor(us / 1e6);
  const ms = Math.floor(us % 1e6 / 1e3);
  return `${isoDate(y, mo, d)}T${pad(Math.floor(totalSeconds / 3600), 2)}:${pad(Math.floor(totalSeconds / 60) % 60, 2)}:${pad(totalSeconds % 60, 2)}.${pad(ms, 3)}Z`;
}

// src/schema.js
var SCHEMA = (
  /** @type {any} */
  schema_default
);
var KINDS = SCHEMA.kinds;
var MAX_TEXT = 64 * 1024;
var MAX_NOTE_TEXT = 1024 * 1024;
var MAX_JSON = 64 * 1024;
var CUSTOM_PREFIX = "custom.";
var ID_RE = /^[A-Za-z0-9{}][A-Za-z0-9_.:{}-]{0,127}\n?$/;
var NOT_SPACE = "[^@|\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
var EMAIL_RE = new RegExp(`^${NOT_SPACE}]+@${NOT_SPACE}]+\\.${NOT_SPACE}.]+\\n?$`, "u");
var SPACE = "[\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
var PHONE_EXT_RE = new RegExp(
  `^(?<num>.*?)(?:${SPACE}|[,;])*(?:x|ext\\.?|extension|#)${SPACE}*(?<ext>\\p{Nd}{1,10})\\n?$`,
  "iu"
);
var PHONE_CHARS_RE = /^[0-9A-Za-z+().\-/ ]+\n?$/;
var CONTROL_RE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
var LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
var INT_RE = /^[+-]?\p{Nd}{1,18}$/u;
var STATUS_NAMES = (
  /** @type {Record<string, number>} */
  { open: 0, won: 1, lost: 2, inactive: 3 }
);
var TRUE = /* @__PURE__ */ new Set(["true", "yes", "1", "y", "on"]);
var FALSE = /* @__PURE__ */ new Set(["false", "no", "0", "n", "off"]);
var Refused = class extends Error {
};
function setKey(target, key, value) {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
function kindSpec(kind) {
  if (typeof kind === "string" && Object.hasOwn(KINDS, kind)) return KINDS[kind];
  throw new UnknownKindError(
    `unknown record kind; use one of ${Object.keys(schemaKindsInOrder()).join(", ")}`,
    { value: kind }
  );
}
var KIND_ORDER = ["contact", "company", "group", "note", "history", "activity", "opportunity"];
var schemaKindsInOrder = () => Object.fromEntries(KIND_ORDER.map((k) => [k, KINDS[k]]));
var utf8Ok = (text3) => !LONE_SURROGATE.test(text3);
function validateId(value, { kind = null, field = null } = {}) {
  if (typeof value !== "string" || !ID_RE.test(value)) {
    throw new ValidationError2(
      "not a valid record id (1-128 letters, digits, _ . : { } -)",
      { kind, field, value }
    );
  }
  return value;
}
function validateCustomName(name, { kind, recordId }) {
  if (typeof name !== "string" || !pyStrip(name) || codePointLength(name) > 100 || name.includes("|") || name.startsWith("_") || CONTROL_RE.test(name) || !utf8Ok(name)) {
    throw new ValidationError2(
      "not a valid custom field name (1-100 characters, no '|', not starting with '_')",
      { kind, recordId, field: String(name), value: name }
    );
  }
  return pyStrip(name);
}
function normalizeFields(kind, fields, { recordId = null } = {}) {
  const spec = kindSpec(kind);
  if (!isDict(fields)) {
    throw new ValidationError2("fields must be a mapping of name to value", { kind, recordId, value: fields });
  }
  const out = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name === "custom") {
      if (!isDict(value)) {
        throw new ValidationError2(
          "custom must be a mapping of name to value",
          { kind, recordId, field: name, value }
        );
      }
      for (const [cname, cvalue] of Object.entries(value)) {
        const key = CUSTOM_PREFIX + validateCustomName(cname, { kind, recordId });
        setKey(out, key, normalizeCustom(kind, recordId, key, cvalue));
      }
    } else if (Object.hasOwn(spec.fields, name)) {
      setKey(out, name, normalizeValue(name, spec.fields[name], value, { kind, recordId }));
    } else if (["id", "deleted", "kind", "members"].includes(name)) {
      throw new ValidationError2("is not a field you can set", { kind, recordId, field: name, value });
    } else {
      const bare = name.startsWith(CUSTOM_PREFIX) ? name.slice(CUSTOM_PREFIX.length) : name;
      const key = CUSTOM_PREFIX + validateCustomName(bare, { kind, recordId });
      setKey(out, key, normalizeCustom(kind, recordId, key, value));
    }
  }
  return out;
}
function normalizeCustom(kind, recordId, field, value) {
  if (value === null || value === void 0) return null;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return checkedText(value, MAX_TEXT, kind, recordId, field);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new ValidationError2("must be a finite number", { kind, recordId, field, value });
    }
    return value;
  }
  throw new ValidationError2(
    "custom fields hold text, numbers, true/false or nothing",
    { kind, recordId, field, value }
  );
}
function checkedText(value, limit, kind, recordId, field) {
  const text3 = pyStrip(value);
  if (text3.length > limit && codePointLength(text3) > limit) {
    throw new ValidationError2(
      `is longer than ${limit} characters`,
      { kind, recordId, field, value: `${codePointSlice(text3, 40)}...` }
    );
  }
  if (!utf8Ok(text3)) {
    throw new ValidationError2("is not valid Unicode text", { kind, recordId, field, value: text3 });
  }
  return text3 || null;
}
function normalizeValue(name, spec, value, { kind, recordId }) {
  if (value === null || value === void 0 || typeof value === "string" && !pyStrip(value) && spec.type !== "note_text") {
    return null;
  }
  const handler = HANDLERS[spec.type];
  try {
    return handler(name, spec, value);
  } catch (error) {
    if (error instanceof Refused) {
      throw new ValidationError2(error.message, { kind, recordId, field: name, value });
    }
    throw error;
  }
}
function text2(value) {
  if (typeof value !== "string") throw new Refused("must be text");
  const stripped = pyStrip(value);
  if (stripped.length > MAX_TEXT && codePointLength(stripped) > MAX_TEXT) {
    throw new Refused(`is longer than ${MAX_TEXT} characters`);
  }
  if (stripped.includes("\0")) throw new Refused("must not contain NUL characters");
  if (!utf8Ok(stripped)) throw new Refused("is not valid Unicode text");
  return stripped;
}
function noteText(value) {
  if (typeof value !== "string") throw new Refused("must be text");
  if (value.length > MAX_NOTE_TEXT && codePointLength(value) > MAX_NOTE_TEXT) {
    throw new Refused(`is longer than ${MAX_NOTE_TEXT} characters`);
  }
  if (!utf8Ok(value)) throw new Refused("is not valid Unicode text");
  return value;
}
function email(value) {
  const lower = pyLower(text2(value));
  if (!EMAIL_RE.test(lower)) throw new Refused("is not an e-mail address");
  return lower;
}
var pyLower = (t) => t.toLowerCase();
var isDecimal = (ch) => /^\p{Nd}$/u.test(ch);
var DIGIT_ONLY = /^[\u{b2}-\u{b3}\u{b9}\u{1369}-\u{1371}\u{19da}\u{2070}\u{2074}-\u{2079}\u{2080}-\u{2089}\u{2460}-\u{2468}\u{2474}-\u{247c}\u{2488}-\u{2490}\u{24ea}\u{24f5}-\u{24fd}\u{24ff}\u{2776}-\u{277e}\u{2780}-\u{2788}\u{278a}-\u{2792}\u{10a40}-\u{10a43}\u{10e60}-\u{10e68}\u{11052}-\u{1105a}\u{1f100}-\u{1f10a}]$/u;
var isDigitChar = (ch) => isDecimal(ch) || DIGIT_ONLY.test(ch);
var isPyInt = (value) => Number.isSafeInteger(value);
function phone(value) {
  if (isPyInt(value)) value = String(value);
  const whole = pySplit(text2(value)).join(" ");
  const match2 = PHONE_EXT_RE.exec(whole);
  const groups = match2?.groups;
  const number2 = groups ? pyStrip(groups.num) : whole;
  const ext = groups ? groups.ext : null;
  const digitCount = [...number2].filter(isDecimal).length;
  if (!PHONE_CHARS_RE.test(number2) || digitCount < 3 || codePointLength(whole) > 64) {
    throw new Refused("is not a phone number");
  }
  return ext ? `${number2} x${ext}` : number2;
}
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
function bool2(value) {
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === "string") {
    const word2 = pyStrip(value).toLowerCase();
    if (TRUE.has(word2) || FALSE.has(word2)) return TRUE.has(word2);
  }
  throw new Refused("must be true or false");
}
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
function digitValue(ch) {
  let code = (
    /** @type {number} */
    ch.codePointAt(0)
  );
  let k = 0;
  while (isDecimal(String.fromCodePoint(code - 1))) {
    code--;
    k++;
  }
  return k % 10;
}
function int(value) {
  if (typeof value === "boolean") throw new Refused("must be a whole number");
  if (typeof value === "number" && Number.isInteger(value)) return value === 0 ? 0 : value;
  if (typeof value === "string" && INT_RE.test(pyStrip(value))) return decimalInt(pyStrip(value));
  throw new Refused("must be a whole number");
}
var FLOAT_RE = /^[+-]?(?:(?:\d(?:_?\d)*\.(?:\d(?:_?\d)*)?|\.\d(?:_?\d)*|\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?|inf|infinity|nan)$/i;
function pyFloat(t) {
  const ascii = [...t].map((ch) => isDecimal(ch) ? String(digitValue(ch)) : ch).join("");
  if (!FLOAT_RE.test(ascii)) throw new Refused(`could not convert string to float: ${pyRepr(t)}`);
  const word2 = ascii.replace(/^[+-]/, "").toLowerCase();
  if (word2 === "nan") return NaN;
  if (word2.startsWith("inf")) return ascii.startsWith("-") ? -Infinity : Infinity;
  return Number(ascii.replaceAll("_", ""));
}
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
function minutesText(minutes) {
  const whole = BigInt(minutes);
  const counts = [[whole / 60n, "hour"], [whole % 60n, "minute"]];
  const parts = counts.filter(([n]) => n !== 0n).map(([n, unit]) => `${n} ${unit}${n === 1n ? "" : "s"}`);
  return parts.join(" ") || "0 minutes";
}
function duration(value) {
  if (typeof value === "boolean") throw new Refused("must be a duration such as '30 minutes'");
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0 || !Number.isInteger(value)) {
      throw new Refused("must be a whole, non-negative number of minutes");
    }
    return minutesText(BigInt(value));
  }
  return text2(value);
}
function choice(name, spec, value) {
  if (name === "status" && typeof value === "string") {
    const word2 = pyStrip(value).toLowerCase();
    let found = Object.hasOwn(STATUS_NAMES, word2) ? STATUS_NAMES[word2] : value;
    const digits2 = typeof found === "string" ? pyStrip(found) : "";
    if (digits2 !== "" && [...digits2].every(isDigitChar)) {
      if (![...digits2].every(isDecimal)) {
        throw new Refused(`invalid literal for int() with base 10: ${pyRepr(digits2)}`);
      }
      found = decimalInt(digits2);
    }
    value = found;
  }
  if (typeof value === "string") {
    const wanted = pyStrip(value).toLowerCase();
    for (const c of spec.choices) if (typeof c === "string" && c.toLowerCase() === wanted) return c;
  } else if (typeof value === "number") {
    for (const c of spec.choices) if (value === c) return c;
  }
  throw new Refused(`must be one of ${spec.choices.map(String).join(", ")}`);
}
function idOrRefuse(value) {
  if (typeof value !== "string" || !ID_RE.test(value)) {
    throw new Refused(`${pyRepr(value)} is not a valid record id (1-128 letters, digits, _ . : { } -)`);
  }
  return value;
}
function ids(value) {
  if (!Array.isArray(value)) throw new Refused("must be a list of record ids");
  const seen = /* @__PURE__ */ new Set();
  for (let item of value) {
    if (isDict(item)) item = Object.hasOwn(item, "id") ? item.id : null;
    seen.add(idOrRefuse(item));
  }
  return [...seen].sort(compareText);
}
function dumps(value, open2 = /* @__PURE__ */ new Set()) {
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
    if (open2.has(value)) throw new Refused("must be plain JSON data");
    open2.add(value);
    try {
      if (Array.isArray(value)) {
        const parts = value.map((v) => dumps(v, open2));
        return [`[${parts.map((p) => p[0]).join(", ")}]`, parts.map((p) => p[1])];
      }
      const keys2 = Object.keys(value).sort(compareText);
      const copy2 = {};
      const texts2 = keys2.map((k) => {
        if (!utf8Ok(k)) throw new Refused("must be plain JSON data");
        const [t, v] = dumps(value[k], open2);
        setKey(copy2, k, v);
        return `${JSON.stringify(k)}: ${t}`;
      });
      return [`{${texts2.join(", ")}}`, copy2];
    } finally {
      open2.delete(value);
    }
  }
  throw new Refused("must be plain JSON data");
}
function json(value) {
  const [written, copy2] = dumps(value);
  if (written.length > MAX_JSON && codePointLength(written) > MAX_JSON) {
    throw new Refused(`is larger than ${MAX_JSON} bytes of JSON`);
  }
  return copy2;
}
var HANDLERS = {
  text: (_n, _s, v) => text2(v),
  note_text: (_n, _s, v) => noteText(v),
  email: (_n, _s, v) => email(v),
  phone: (_n, _s, v) => phone(v),
  datetime: (_n, _s, v) => datetime(v),
  date: (_n, _s, v) => date(v),
  bool: (_n, _s, v) => bool2(v),
  int: (_n, _s, v) => int(v),
  number: (_n, _s, v) => number(v),
  enum: choice,
  duration: (_n, _s, v) => duration(v),
  id: (_n, _s, v) => idOrRefuse(
    typeof v === "string" ? pyStrip(v) : v
  ),
  ids: (_n, _s, v) => ids(v),
  json: (_n, _s, v) => json(v)
};

// src/registers.js
var DELETED = "_deleted";
var TEXT_KEY = "_text";
var MEMBER_PREFIX = "member:";
var entryKey = (field, stamp, replica2) => `${field}|${encodeStamp(stamp)}|${replica2}`;
function compareOrder(a, b) {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  return compareText(a.replica, b.replica);
}
var PLACEHOLDER = "\0py-json:";
function loadJson(text3) {
  try {
    return JSON.parse(text3);
  } catch (error) {
    if (!/NaN|Infinity/.test(text3)) throw error;
  }
  let out = "";
  let inString = false;
  for (let i = 0; i < text3.length; i++) {
    const ch = text3[i];
    if (inString) {
      out += ch;
      if (ch === "\\") out += text3[++i] ?? "";
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    const word2 = ["-Infinity", "Infinity", "NaN"].find((w) => text3.startsWith(w, i));
    if (word2) {
      out += JSON.stringify(PLACEHOLDER + word2);
      i += word2.length - 1;
    } else {
      out += ch;
    }
  }
  return JSON.parse(out, (_key, value) => {
    if (typeof value === "string" && value.startsWith(PLACEHOLDER)) {
      return { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity }[value.slice(PLACEHOLDER.length)];
    }
    return value;
  });
}
function parseEntry(key, raw) {
  const last2 = key.lastIndexOf("|");
  if (last2 < 0) return null;
  const middle = key.lastIndexOf("|", last2 - 1);
  if (middle < 0 || typeof raw !== "string") return null;
  const stamp = decodeStamp(key.slice(middle + 1, last2));
  if (stamp === null) return null;
  let value;
  if (raw.length >= 2 && raw[0] === '"' && raw[raw.length - 1] === '"' && !raw.includes("\\") && raw.indexOf('"', 1) === raw.length - 1) {
    value = raw.slice(1, -1);
  } else {
    try {
      value = loadJson(raw);
    } catch {
      return null;
    }
  }
  return { key, field: key.slice(0, middle), stamp, replica: key.slice(last2 + 1), value };
}
function encodeValue(value) {
  const text3 = JSON.stringify(value);
  if (text3 === void 0) throw new TypeError("not JSON data");
  return text3;
}
function groupEntries(items) {
  const grouped = /* @__PURE__ */ new Map();
  for (const [key, raw] of items) {
    const entry = parseEntry(key, raw);
    if (entry === null) continue;
    const list = grouped.get(entry.field);
    if (list) list.push(entry);
    else grouped.set(entry.field, [entry]);
  }
  return grouped;
}
function winner(entries) {
  let top = entries[0];
  for (let i = 1; i < entries.length; i++) if (compareOrder(entries[i], top) > 0) top = entries[i];
  return top;
}
function supersededByEdit(entries) {
  if (entries.length === 0) return [];
  const current = winner(entries).value;
  return entries.filter((e) => pyEqual(e.value, current));
}
var isDelete = (entry) => isDict(entry.value) && pyTruthy(entry.value.deleted);
function textsOf(value) {
  return Array.isArray(value) ? value.filter((v) => typeof v === "string") : [];
}
function deleteState(grouped) {
  const entries = grouped.get(DELETED);
  if (!entries || entries.length === 0) return [false, null];
  const top = winner(entries);
  if (!isDelete(top)) return [false, null];
  const seen = /* @__PURE__ */ new Set();
  for (const entry of entries) {
    if (isDelete(entry)) {
      const value = (
        /** @type {Record<string, unknown>} */
        entry.value
      );
      if (Object.hasOwn(value, "seen")) for (const key of textsOf(value.seen)) seen.add(key);
    }
  }
  for (const [name, list] of grouped) {
    if (name.startsWith("_")) continue;
    for (const e of list) if (!seen.has(e.key)) return [false, top];
  }
  return [true, null];
}
function compareConflicts(a, b) {
  const byField = compareText(a.field, b.field);
  if (byField) return byField;
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  return compareText(a.replica, b.replica);
}
function resolveEntries(kind, recordId, grouped, text3 = null) {
  const data = { id: recordId };
  const custom = {};
  let hasCustom = false;
  const members = [];
  const conflicts = [];
  let updated = 0n;
  let updatedBy = "";
  for (const name of [...grouped.keys()].sort(compareText)) {
    const entries = (
      /** @type {Entry[]} */
      grouped.get(name)
    );
    const top = winner(entries);
    if (top.stamp > updated) {
      updated = top.stamp;
      updatedBy = top.replica;
    }
    if (name === DELETED) continue;
    for (const loser of entries) {
      if (loser !== top && !pyEqual(loser.value, top.value)) {
        conflicts.push({
          kind,
          recordId,
          field: name,
          value: loser.value,
          replica: loser.replica,
          stamp: loser.stamp,
          current: top.value
        });
      }
    }
    if (top.value === null) continue;
    if (name.startsWith(CUSTOM_PREFIX)) {
      setKey(custom, name.slice(CUSTOM_PREFIX.length), top.value);
      hasCustom = true;
    } else if (name.startsWith(MEMBER_PREFIX)) {
      if (top.value === true) members.push(name.slice(MEMBER_PREFIX.length));
    } else {
      setKey(data, name, top.value);
    }
  }
  if (text3 !== null) data.text = text3;
  if (hasCustom) data.custom = custom;
  if (kind === "group") data.members = members;
  const [deleted, lostDelete] = deleteState(grouped);
  const deletes = grouped.get(DELETED) ?? [];
  if (deletes.length) {
    const top = winner(deletes);
    for (const entry of deletes) {
      if (entry === lostDelete || entry !== top && isDelete(entry) !== isDelete(top)) {
        conflicts.push({
          kind,
          recordId,
          field: DELETED,
          value: isDelete(entry),
          replica: entry.replica,
          stamp: entry.stamp,
          current: deleted
        });
      }
    }
  }
  conflicts.sort(compareConflicts);
  return { kind, recordId, data, deleted, updated, updatedBy, conflicts, fields: grouped };
}
var conflictDict = (c) => ({
  kind: c.kind,
  record_id: c.recordId,
  field: c.field,
  value: c.value,
  replica: c.replica,
  stamp: c.stamp,
  current: c.current
});
var stampToIso = (stamp) => new Date(stampWallMs(stamp)).toISOString();

// src/text.js
var MAX_CELLS = 4e6;
function textEdits(old, next) {
  let prefix = 0;
  const limit = Math.min(old.length, next.length);
  while (prefix < limit && old[prefix] === next[prefix]) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && old[old.length - 1 - suffix] === next[next.length - 1 - suffix]) suffix++;
  const a = old.slice(prefix, old.length - suffix);
  const b = next.slice(prefix, next.length - suffix);
  if (a.length === 0 && b.length === 0) return [];
  const ops = [];
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_CELLS) {
    ops.push([prefix, a.length, b.join("")]);
    return ops;
  }
  const n = a.length;
  const m = b.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i2 = n - 1; i2 >= 0; i2--) {
    for (let j2 = m - 1; j2 >= 0; j2--) {
      table[i2 * (m + 1) + j2] = a[i2] === b[j2] ? table[(i2 + 1) * (m + 1) + j2 + 1] + 1 : Math.max(table[(i2 + 1) * (m + 1) + j2], table[i2 * (m + 1) + j2 + 1]);
    }
  }
  const forward = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    const start = i;
    let inserted = "";
    while ((i < n || j < m) && !(i < n && j < m && a[i] === b[j])) {
      if (j >= m || i < n && table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) i++;
      else inserted += b[j++];
    }
    forward.push([prefix + start, i - start, inserted]);
  }
  return forward.reverse();
}
function applyTextDiff(target, next) {
  const oldText = target.toString();
  if (oldText === next) return;
  const old = [...oldText];
  const units = new Uint32Array(old.length + 1);
  for (let k = 0; k < old.length; k++) units[k + 1] = units[k] + old[k].length;
  for (const [start, count, insert] of textEdits(old, [...next])) {
    const at2 = units[start];
    if (count > 0) target.delete(at2, units[start + count] - at2);
    if (insert) target.insert(at2, insert);
  }
}

// src/records.js
function checkReplicaId(value) {
  if (typeof value !== "string" || !value || codePointLength(value) > 64 || value.includes("|") || !isPrintable(value)) {
    throw new ValidationError2(
      "not a valid replica id (1-64 printable characters, no '|')",
      { field: "replica_id", value }
    );
  }
  return value;
}
function randomUuid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = bytes[6] & 15 | 64;
  bytes[8] = bytes[8] & 63 | 128;
  const hex2 = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex2.slice(0, 8)}-${hex2.slice(8, 12)}-${hex2.slice(12, 16)}-${hex2.slice(16, 20)}-${hex2.slice(20)}`;
}
var RecordEdits = class {
  constructor() {
    this.replicaId = "";
    this._newId = randomUuid;
  }
  /** The document's root map of each kind. @returns {Record<string, Y.Map<unknown>>} */
  get _roots() {
    throw new Error("provided by WebReplica");
  }
  /**
   * Run `change(stamp)` as one local transaction and commit it (WebReplica's).
   * @param {Change} _change @param {{ stamp?: bigint }} [_options] @returns {Promise<void>}
   */
  async _local(_change, _options) {
    throw new Error("provided by WebReplica");
  }
  /**
   * Run `task` after every call before it has finished (WebReplica's).
   * @template T @param {() => Promise<T> | T} _task @returns {Promise<T>}
   */
  _serial(_task) {
    throw new Error("provided by WebReplica");
  }
  /**
   * Create a record; its id (a new one unless `id` is given). ValidationError for a bad
   * value or a missing required field, RecordExistsError if the id is taken.
   * @param {string} kind @param {Record<string, unknown>} [fields] @param {{ id?: string }} [options]
   * @returns {Promise<string>}
   */
  create(kind, fields = {}, { id: id2 } = {}) {
    return this._serial(async () => {
      const spec = kindSpec(kind);
      const rid = id2 !== void 0 && id2 !== null ? validateId(id2, { kind, field: "id" }) : this._newId();
      const values = normalizeFields(kind, fields ?? {}, { recordId: rid });
      for (const name of spec.required) {
        if (values[name] === void 0 || values[name] === null) {
          throw new ValidationError2("is required", { kind, recordId: rid, field: name });
        }
      }
      const existing = this._roots[kind].get(rid);
      if (existing !== void 0 && existing !== null) {
        throw new RecordExistsError("a record with this id already exists", { kind, recordId: rid });
      }
      let text3 = null;
      if (kind === "note" && Object.hasOwn(values, "text")) {
        text3 = /** @type {string | null} */
        values.text;
        delete values.text;
      }
      await this._local((stamp) => this._newRecord(kind, rid, values, text3, stamp, this.replicaId));
      return rid;
    });
  }
  /**
   * Change only the fields given (null clears one).
   * @param {string} kind @param {string} id @param {Record<string, unknown>} fields
   * @returns {Promise<void>}
   */
  update(kind, id2, fields) {
    return this._serial(async () => {
      const [record, grouped] = this._live(kind, id2);
      const values = normalizeFields(kind, fields, { recordId: id2 });
      for (const name of kindSpec(kind).required) {
        if (Object.hasOwn(values, name) && values[name] === null) {
          throw new ValidationError2("is required", { kind, recordId: id2, field: name });
        }
      }
      await this._local((stamp) => {
        for (const [name, value] of Object.entries(values)) {
          if (kind === "note" && name === "text") {
            applyTextDiff(
              /** @type {Y.Text} */
              record.get(TEXT_KEY),
              /** @type {string} */
              value ?? ""
            );
          } else {
            this._write(record, grouped.get(name) ?? [], name, value, stamp, false);
          }
        }
      });
    });
  }
  /**
   * Move a record to the trash (it can be restored; nothing of it is erased).
   * @param {string} kind @param {string} id @returns {Promise<void>}
   */
  delete(kind, id2) {
    return this._serial(async () => {
      const record = this._container(kind, id2);
      const grouped = groupEntries(record.entries());
      if (resolveEntries(kind, id2, grouped).deleted) return;
      const seen = seenKeys(grouped);
      await this._local((stamp) => this._write(
        record,
        grouped.get(DELETED) ?? [],
        DELETED,
        { deleted: true, seen },
        stamp,
        true
      ));
    });
  }
  /**
   * Bring a deleted record back, and settle any delete-vs-edit conflict.
   * @param {string} kind @param {string} id @returns {Promise<void>}
   */
  restore(kind, id2) {
    return this._serial(() => this._restore(kind, id2));
  }
  /** @param {string} kind @param {string} id */
  async _restore(kind, id2) {
    const record = this._container(kind, id2);
    const entries = groupEntries(record.entries()).get(DELETED) ?? [];
    if (entries.length === 0) return;
    await this._local((stamp) => this._write(record, entries, DELETED, { deleted: false }, stamp, true));
  }
  /**
   * Settle a field: `value` replaces the current one and every conflict. For the
   * delete-vs-edit conflict use field "deleted" with true or false.
   * @param {string} kind @param {string} id @param {string} field @param {unknown} value
   * @returns {Promise<void>}
   */
  resolve(kind, id2, field, value) {
    return this._serial(async () => {
      if (field === "deleted" || field === DELETED) {
        if (typeof value !== "boolean") {
          throw new ValidationError2("must be true or false", { kind, recordId: id2, field: "deleted", value });
        }
        if (!value) {
          await this._restore(kind, id2);
          return;
        }
        const record2 = this._container(kind, id2);
        const grouped2 = groupEntries(record2.entries());
        const seen = seenKeys(grouped2);
        await this._local((stamp) => this._write(
          record2,
          grouped2.get(DELETED) ?? [],
          DELETED,
          { deleted: true, seen },
          stamp,
          true
        ));
        return;
      }
      const [record, grouped] = this._live(kind, id2);
      const [name, normal] = this._normalizeOne(kind, id2, field, value);
      if (normal === null && kindSpec(kind).required.includes(name)) {
        throw new ValidationError2("is required", { kind, recordId: id2, field: name });
      }
      const entries = grouped.get(name) ?? [];
      await this._local((stamp) => this._write(record, entries, name, normal, stamp, true));
    });
  }
  /**
   * @param {string} kind @param {string} id @param {string} field @param {unknown} value
   * @returns {[string, unknown]}
   */
  _normalizeOne(kind, id2, field, value) {
    if (field.startsWith(MEMBER_PREFIX) && kind === "group") {
      validateId(field.slice(MEMBER_PREFIX.length), { kind, field });
      const spec = KINDS.contact.fields.is_private;
      return [field, normalizeValue(field, spec, value, { kind, recordId: id2 })];
    }
    if (kind === "note" && field === "text") {
      throw new ValidationError2(
        "note text merges character by character; edit it instead",
        { kind, recordId: id2, field }
      );
    }
    const [[name, normal]] = Object.entries(normalizeFields(kind, { [field]: value }, { recordId: id2 }));
    return [name, normal];
  }
  /** Make a contact a member of a group. @param {string} groupId @param {string} contactId */
  addToGroup(groupId, contactId) {
    return this._serial(() => this._setMember(groupId, contactId, true));
  }
  /** Take a contact out of a group. @param {string} groupId @param {string} contactId */
  removeFromGroup(groupId, contactId) {
    return this._serial(() => this._setMember(groupId, contactId, false));
  }
  /** @param {string} groupId @param {string} contactId @param {boolean} member */
  async _setMember(groupId, contactId, member) {
    const [record, grouped] = this._live("group", groupId);
    if (member) this._live("contact", contactId);
    const name = MEMBER_PREFIX + contactId;
    const entries = grouped.get(name) ?? [];
    await this._local((stamp) => this._write(record, entries, name, member, stamp, false));
  }
  /**
   * Insert and/or delete characters of a note body at `index` (in characters, as in
   * Python: code points).
   * @param {string} noteId @param {number} index @param {{ insert?: string, delete?: number }} [edit]
   * @returns {Promise<void>}
   */
  editNoteText(noteId, index, { insert = "", delete: count = 0 } = {}) {
    return this._serial(async () => {
      const [record] = this._live("note", noteId);
      const text3 = (
        /** @type {Y.Text} */
        record.get(TEXT_KEY)
      );
      const current = text3.toString();
      const length2 = codePointLength(current);
      if (!Number.isInteger(index) || !Number.isInteger(count) || index < 0 || index > length2 || count < 0 || index + count > length2) {
        throw new ValidationError2(
          "index or length outside the note text",
          { kind: "note", recordId: noteId, field: "text", value: index }
        );
      }
      const spec = KINDS.note.fields.text;
      if (typeof insert !== "string") {
        throw new ValidationError2("must be text", { kind: "note", recordId: noteId, field: "text", value: insert });
      }
      const start = unitOffset(current, index);
      const end = unitOffset(current, index + count);
      const next = current.slice(0, start) + insert + current.slice(end);
      normalizeValue("text", spec, next, { kind: "note", recordId: noteId });
      await this._local(() => applyTextDiff(text3, next));
    });
  }
  /**
   * @param {Y.Map<unknown>} record @param {Entry[]} entries @param {string} name
   * @param {unknown} value @param {bigint} stamp @param {boolean} resolve
   */
  _write(record, entries, name, value, stamp, resolve) {
    const old = resolve ? entries : supersededByEdit(entries);
    if (!resolve && old.length && old.every((e) => pyEqual(e.value, value)) && old.length === entries.length) {
      return;
    }
    if (entries.length === 0 && value === null) return;
    for (const entry of old) record.delete(entry.key);
    record.set(entryKey(name, stamp, this.replicaId), encodeValue(value));
  }
  /**
   * Add the record map: one entry per value set, and a note's body as text.
   * @param {string} kind @param {string} id @param {Record<string, unknown>} values
   * @param {string | null} text @param {bigint} stamp @param {string} writer
   */
  _newRecord(kind, id2, values, text3, stamp, writer) {
    const record = new YMap();
    for (const [name, value] of Object.entries(values)) {
      if (value !== null) record.set(entryKey(name, stamp, writer), encodeValue(value));
    }
    if (kind === "note") record.set(TEXT_KEY, new YText(text3 ?? ""));
    this._roots[kind].set(id2, record);
  }
  /** @param {string} kind @param {string} id @returns {Y.Map<unknown>} */
  _container(kind, id2) {
    kindSpec(kind);
    const record = this._roots[kind].get(id2);
    if (!(record instanceof YMap)) throw new RecordNotFoundError("no such record", { kind, recordId: id2 });
    return record;
  }
  /**
   * The record's map and its entries by field; RecordDeletedError if it is deleted.
   * @param {string} kind @param {string} id @returns {[Y.Map<unknown>, Map<string, Entry[]>]}
   */
  _live(kind, id2) {
    const record = this._container(kind, id2);
    const grouped = groupEntries(record.entries());
    if (resolveEntries(kind, id2, grouped).deleted) {
      throw new RecordDeletedError("is deleted; restore it first", { kind, recordId: id2 });
    }
    return [record, grouped];
  }
};
function seenKeys(grouped) {
  const keys2 = [];
  for (const [name, list] of grouped) if (!name.startsWith("_")) for (const e of list) keys2.push(e.key);
  return keys2.sort(compareText);
}

// src/fold.js
var MARK = "\0";
function makeFolder(rules) {
  const category = (names) => new RegExp(`^[${names.map((n) => `\\p{gc=${n}}`).join("")}]$`, "u");
  const drop = category(rules.drop_categories);
  const space = category(rules.space_categories);
  const punctuation = category(rules.punctuation_categories);
  const letters = new Map(Object.entries(rules.letters));
  const seen = /* @__PURE__ */ new Map();
  const rule = (ch) => {
    let found = seen.get(ch);
    if (found === void 0) {
      const letter2 = letters.get(ch);
      if (letter2 !== void 0) found = letter2;
      else if (drop.test(ch)) found = "";
      else if (space.test(ch)) found = " ";
      else if (punctuation.test(ch)) found = MARK;
      else found = ch;
      seen.set(ch, found);
    }
    return found;
  };
  const words = (text3) => text3.split(/[ \t\n\v\f\r\u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u).filter((w) => w !== "").join(" ");
  return (text3) => {
    let normal = text3.normalize(rules.normalize);
    if (rules.lowercase) normal = normal.toLowerCase();
    let marked = "";
    for (const ch of normal) marked += rule(ch);
    return [words(marked.replaceAll(MARK, " ")), words(marked.replaceAll(MARK, ""))];
  };
}

// src/rows.js
var SORT_FIELDS = {
  contact: ["last_name", "first_name", "full_name", "company"],
  company: ["name"],
  group: ["name"],
  opportunity: ["name"],
  note: ["display_date", "created"],
  history: ["start_time", "regarding"],
  activity: ["start_time", "subject"]
};
var COLLATED = /* @__PURE__ */ new Set(["contact", "company", "group", "opportunity"]);
var FIELD_SEPARATOR = "￾";
var SEPARATOR = "";
var MAX_SEARCH_TEXT = 4096;
var PHONE_CHARS = new Set("0123456789+-(). /");
var folder = makeFolder(SCHEMA.folding);
var fold = (text3) => folder(text3)[0];
var SEARCH_PLAN = Object.fromEntries(Object.entries(KINDS).map(([kind, spec]) => [kind, spec.search.map((name) => (
  /** @type {[string, boolean]} */
  [name, spec.fields[name].type === "phone"]
))]));
function searchPart(value, isPhone) {
  if (typeof value !== "string") return null;
  const head = codePointSlice(value, MAX_SEARCH_TEXT);
  if (isPhone) return `${fold(head)}${SEPARATOR}${value.replace(/[^0-9]/g, "")}`;
  const [spaced, joined] = folder(head);
  return spaced === joined ? spaced : `${spaced}${SEPARATOR}${joined}`;
}
function searchText(kind, data) {
  const parts = [];
  for (const [name, isPhone] of SEARCH_PLAN[kind]) {
    const part = searchPart(Object.hasOwn(data, name) ? data[name] : void 0, isPhone);
    if (part !== null) parts.push(part);
  }
  return parts.join(SEPARATOR);
}
function pyEqualOrBothAbsent(before, after, name) {
  const had = Object.hasOwn(before, name);
  if (had !== Object.hasOwn(after, name)) return false;
  if (!had) return true;
  const a = before[name];
  const b = after[name];
  return a === b || typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b);
}
var texts = (data, names) => names.map((n) => Object.hasOwn(data, n) && pyTruthy(data[n]) ? pyStr(data[n]) : "");
var sortText = (data, names) => texts(data, names).map((t) => t.toLowerCase()).join("");
function sortFields(kind, data) {
  const names = SORT_FIELDS[kind];
  return COLLATED.has(kind) ? texts(data, names).join(FIELD_SEPARATOR) : sortText(data, names);
}
var sortTail = (kind, data) => sortText(data, kind === "contact" ? ["email"] : []);
function buildRow(resolved, previous) {
  const { kind, data } = resolved;
  const search = previous !== void 0 && previous.kind === kind && SEARCH_PLAN[kind].every(([name]) => pyEqualOrBothAbsent(previous.data, data, name)) ? previous.search : searchText(kind, data);
  const linksField = kind === "group" ? "members" : "contact_ids";
  const links = [...new Set(textsOf(Object.hasOwn(data, linksField) ? data[linksField] : []))].sort(compareText);
  const companyId = Object.hasOwn(data, "company_id") ? data.company_id : null;
  const company = Object.hasOwn(data, "company") ? data.company : null;
  return {
    kind,
    id: resolved.recordId,
    deleted: resolved.deleted,
    updated: resolved.updated,
    updated_by: resolved.updatedBy,
    data,
    search,
    sort_fields: sortFields(kind, data),
    sort_tail: sortTail(kind, data),
    company_id: (
      /** @type {string | null} */
      companyId ?? null
    ),
    company: (
      /** @type {string | null} */
      company ?? null
    ),
    links,
    conflicts: resolved.conflicts.map(conflictDict)
  };
}
function freezeRow(row) {
  deepFreeze2(row);
  return row;
}
function deepFreeze2(value) {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze2(child);
}
function toRecord(row) {
  const record = structuredClone(row.data);
  record.deleted = row.deleted;
  record.updated_at = row.updated ? stampToIso(row.updated) : null;
  record.updated_by = row.updated_by || null;
  record.conflicts = row.conflicts.length;
  return record;
}
function searchNeedle(text3) {
  const needle = pyStrip(text3);
  const chars = [...needle];
  if (needle && chars.every((c) => PHONE_CHARS.has(c)) && chars.filter((c) => c >= "0" && c <= "9").length >= 3) {
    return chars.filter((c) => c >= "0" && c <= "9").join("");
  }
  return fold(needle);
}
function rowOrder(kind, collator) {
  const first = COLLATED.has(kind) ? (a, b) => collator.compare(a.sort_fields, b.sort_fields) : (a, b) => compareText(a.sort_fields, b.sort_fields);
  return (a, b) => first(a, b) || compareText(a.sort_tail, b.sort_tail) || compareText(a.id, b.id);
}

// src/timing.js
var OFFSET_TOLERANCE_MS = 1e3;
var OFFSET_META = "clock_offset";
var RESTAMP_META = "restamp";
function offsetChange(current, referenceMs, wallMs) {
  const offset = referenceMs - wallMs;
  if (current !== null && Math.abs(offset - current) <= OFFSET_TOLERANCE_MS) return null;
  return offset;
}
function ownOutboxKeys(replicaId, updates) {
  const keys2 = /* @__PURE__ */ new Set();
  for (const update of updates) {
    const { structs, ds } = decodeUpdate(update);
    for (const struct of structs) {
      if (!(struct instanceof Item) || struct.content instanceof ContentDeleted) continue;
      const key = struct.parentSub;
      if (key === null || !key.endsWith(`|${replicaId}`)) continue;
      const parts = key.split("|");
      if (parts.length < 3 || decodeStamp(parts[parts.length - 2]) === null) continue;
      const ranges = ds.clients.get(struct.id.client) ?? [];
      const covered = ranges.some((r) => r.clock <= struct.id.clock && struct.id.clock < r.clock + r.len);
      if (!covered) keys2.add(key);
    }
  }
  return keys2;
}
function restamp(roots, ceiling, wanted, deltaMs) {
  const shift = BigInt(deltaMs) << COUNTER_BITS;
  const found = [];
  let newest = 0n;
  for (const root of roots) {
    for (const record of root.values()) {
      if (!(record instanceof YMap)) continue;
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
  const renamed = /* @__PURE__ */ new Map();
  for (const [record, key] of found) {
    const parts = key.split("|");
    const writer = (
      /** @type {string} */
      parts.pop()
    );
    const text3 = (
      /** @type {string} */
      parts.pop()
    );
    const name = parts.join("|");
    let stamp = (
      /** @type {bigint} */
      decodeStamp(text3) + shift
    );
    if (stamp < 1n) stamp = 1n;
    while (record.has(entryKey(name, stamp, writer))) stamp += 1n;
    renamed.set(key, entryKey(name, stamp, writer));
    if (stamp > newest) newest = stamp;
  }
  for (let [record, key, raw] of found) {
    if (key.startsWith(`${DELETED}|`)) raw = renamedSeen(raw, renamed);
    record.delete(key);
    record.set(
      /** @type {string} */
      renamed.get(key),
      raw
    );
  }
  return newest;
}
function renamedSeen(raw, renamed) {
  if (typeof raw !== "string") return raw;
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    return raw;
  }
  if (isDict(value) && Array.isArray(value.seen)) {
    value.seen = value.seen.map((k) => typeof k === "string" ? renamed.get(k) ?? k : k).sort(
      (a, b) => compareText(String(a), String(b))
    );
    return encodeValue(value);
  }
  return raw;
}

// src/replica.js
var LOCAL = "local";
var COMPACT_MIN_BYTES = 1 << 20;
var COMPACT_QUIET_MS = 500;
var COMPACT_LATEST_MS = 1e4;
var SETTINGS_ROOT = "settings";
var LOCALE_META = "locale";
function storeError(error, doing) {
  if (error instanceof HandsyncError) return error;
  return new StoreError(`${doing}: ${error instanceof Error ? error.message : String(error)}`);
}
var isBytes = (bytes) => bytes instanceof Uint8Array;
function decodes(update) {
  try {
    decodeUpdate(update);
    return true;
  } catch {
    return false;
  }
}
var WebReplica = class _WebReplica extends RecordEdits {
  /**
   * Open a replica on `storage`: read it, build the document from its snapshot and log.
   * Opening never writes. StoreError when the storage cannot be read,
   * CorruptStoreError when what it holds is not a replica's.
   * @param {Storage} storage @param {OpenOptions} options @returns {Promise<WebReplica>}
   */
  static async open(storage2, options) {
    let loaded;
    try {
      loaded = await storage2.load();
    } catch (error) {
      throw storeError(error, "the storage cannot be read");
    }
    const replica2 = new _WebReplica(storage2, options, loaded);
    replica2._install(replica2._build(loaded, options.clientId ?? null));
    await replica2._loadRows();
    replica2._followLocale();
    return replica2;
  }
  /**
   * Use WebReplica.open.
   * @param {Storage} storage @param {OpenOptions} options @param {Loaded} loaded
   */
  constructor(storage2, { clock, replicaId, newId }, loaded) {
    super();
    if (typeof clock !== "function") throw new ValidationError2("clock must be a function giving ms");
    this.storage = storage2;
    this._wall = clock;
    if (newId) this._newId = newId;
    this._meta = { ...loaded.meta };
    this._metaDue = {};
    const stored2 = loaded.meta.replica_id;
    if (replicaId !== void 0 && stored2 !== void 0 && replicaId !== stored2) {
      throw new StoreError(`this store belongs to replica ${pyRepr(stored2)}, not ${pyRepr(replicaId)}`);
    }
    this.replicaId = checkReplicaId(replicaId ?? stored2 ?? this._newId().replaceAll("-", "").slice(0, 16));
    if (stored2 === void 0) this._metaDue.replica_id = this.replicaId;
    this.clock = new HybridClock(this._metaStamp("clock"));
    this._offset = this._metaInt(OFFSET_META);
    this._locale = loaded.meta[LOCALE_META] ?? "root";
    this._collator = collatorFor(this._locale);
    this._snapshotBytes = loaded.snapshot?.length ?? 0;
    this._logBytes = loaded.log.reduce((n, e) => n + e.update.length, 0);
    this._lastSeq = loaded.log.length ? loaded.log[loaded.log.length - 1].seq : loaded.snapshotSeq;
    this._rowsByKind = new Map(Object.keys(KINDS).map((k) => [k, /* @__PURE__ */ new Map()]));
    this._ordered = /* @__PURE__ */ new Map();
    this._dirty = /* @__PURE__ */ new Map();
    this._listeners = /* @__PURE__ */ new Set();
    this._compactSince = null;
    this._compactTimer = void 0;
    this._queue = Promise.resolve();
    this._broken = null;
    this.doc = new Doc();
    this._rootMaps = {};
    this._kindOfRoot = /* @__PURE__ */ new Map();
  }
  /** @param {string} key */
  _metaInt(key) {
    const text3 = this._meta[key];
    if (text3 === void 0) return null;
    if (!/^-?\d+$/.test(text3)) throw new CorruptStoreError(`the stored ${key} is not a number: ${pyRepr(text3)}`);
    return Number(text3);
  }
  /** @param {string} key */
  _metaStamp(key) {
    const text3 = this._meta[key] ?? "0";
    if (!/^\d+$/.test(text3)) throw new CorruptStoreError(`the stored ${key} is not a number: ${pyRepr(text3)}`);
    return BigInt(text3);
  }
  /**
   * A document built from what the storage holds.
   * @param {Loaded} loaded @param {number | null} clientId @returns {Y.Doc}
   */
  _build(loaded, clientId) {
    const doc2 = new Doc({ gc: true });
    if (loaded.snapshot && loaded.snapshot.length) {
      if (!isBytes(loaded.snapshot) || !decodes(loaded.snapshot)) {
        throw new CorruptStoreError("the stored snapshot is not a valid Yjs update");
      }
      applyOrCorrupt(doc2, loaded.snapshot, "the stored snapshot");
    }
    for (const entry of loaded.log) {
      if (!isBytes(entry.update) || !decodes(entry.update)) {
        throw new CorruptStoreError(`stored update ${entry.seq} is not a valid Yjs update`);
      }
      applyOrCorrupt(doc2, entry.update, `stored update ${entry.seq}`);
    }
    if (clientId !== null) doc2.clientID = clientId;
    return doc2;
  }
  /** Use `doc` from now on, watching which records its transactions touch. @param {Y.Doc} doc */
  _install(doc2) {
    this.doc.destroy();
    this.doc = doc2;
    this._rootMaps = {};
    this._kindOfRoot = /* @__PURE__ */ new Map();
    for (const [kind, spec] of Object.entries(KINDS)) {
      const root = doc2.getMap(spec.root);
      this._rootMaps[kind] = root;
      this._kindOfRoot.set(root, kind);
    }
    doc2.on("afterTransaction", (txn) => this._mark(txn));
  }
  /** Note the records a transaction touched. @param {Y.Transaction} txn */
  _mark(txn) {
    for (const [type, keys2] of txn.changed) {
      const kind = this._kindOfRoot.get(type);
      if (kind !== void 0) {
        for (const key of keys2) if (key !== null) this._touch(kind, key);
        continue;
      }
      let child = type;
      while (child && child._item) {
        const parent = (
          /** @type {Y.AbstractType<any>} */
          child._item.parent
        );
        const parentKind = this._kindOfRoot.get(parent);
        if (parentKind !== void 0) {
          if (child._item.parentSub !== null) this._touch(parentKind, child._item.parentSub);
          break;
        }
        child = parent;
      }
    }
  }
  /** @param {string} kind @param {string} id */
  _touch(kind, id2) {
    let ids2 = this._dirty.get(kind);
    if (!ids2) this._dirty.set(kind, ids2 = /* @__PURE__ */ new Set());
    ids2.add(id2);
  }
  async _loadRows() {
    for (const kind of Object.keys(KINDS)) {
      let rows;
      try {
        rows = await this.storage.rows(kind);
      } catch (error) {
        throw storeError(error, "the stored rows cannot be read");
      }
      const byId = /* @__PURE__ */ new Map();
      for (const row of rows) {
        if (!row || typeof row.id !== "string" || row.kind !== kind || typeof row.data !== "object") {
          throw new CorruptStoreError(`a stored ${kind} row is not a row`);
        }
        byId.set(row.id, freezeRow(row));
      }
      this._rowsByKind.set(kind, byId);
    }
    this._ordered.clear();
    this._dirty.clear();
  }
  /** @override @returns {Record<string, Y.Map<unknown>>} */
  get _roots() {
    return this._rootMaps;
  }
  _usable() {
    if (this._broken !== null) {
      throw new StoreError(`this replica must be opened again: after a failed write its document could not be rebuilt from the storage (${this._broken})`);
    }
  }
  /**
   * Run `task` after every change before it has finished.
   * @override
   * @template T @param {() => Promise<T> | T} task @returns {Promise<T>}
   */
  _serial(task) {
    const run = this._queue.then(() => {
      this._usable();
      return task();
    });
    this._queue = run.catch(() => void 0);
    return run;
  }
  // ------------------------------------------------------------------ time
  /** The replica's time: its wall clock corrected by its offset to the relay (ms). */
  now() {
    return Math.floor(this._wall()) + (this._offset ?? 0);
  }
  /** The offset to the relay's time last learned (ms), or null if never met. */
  get timeOffset() {
    return this._offset;
  }
  /** True while re-stamped edits wait for the relay: send the outbox as one update. */
  get restamped() {
    return this._meta[RESTAMP_META] === "1";
  }
  /**
   * Take the relay's time `referenceMs` (just received); true if edits were re-stamped.
   * The first time, or when the offset moved by more than OFFSET_TOLERANCE_MS, the new
   * offset is kept and the edits no relay acknowledged are re-stamped, durably.
   * @param {number} referenceMs @returns {Promise<boolean>}
   */
  meetTime(referenceMs) {
    return this._serial(async () => {
      const offset = offsetChange(this._offset, referenceMs, Math.floor(this._wall()));
      if (offset === null) return false;
      const delta = offset - (this._offset ?? 0);
      const outbox = await this.storage.outbox(0);
      const wanted = ownOutboxKeys(this.replicaId, outbox.map((e) => e.update));
      const due = { [OFFSET_META]: String(offset) };
      if (Math.abs(delta) <= OFFSET_TOLERANCE_MS || wanted.size === 0) {
        await this._commitMeta(due);
        this._offset = offset;
        return false;
      }
      const before = this._offset;
      this._offset = offset;
      this.clock.bound(this.now());
      Object.assign(this._metaDue, due, { [RESTAMP_META]: "1" });
      try {
        await this._local(() => {
          this.clock.last = restamp(Object.values(this._rootMaps), this.clock.ceiling, wanted, delta);
        }, { stamp: 0n });
      } catch (error) {
        this._offset = before;
        delete this._metaDue[OFFSET_META];
        delete this._metaDue[RESTAMP_META];
        throw error;
      }
      return true;
    });
  }
  /** @param {Record<string, string>} values */
  async _commitMeta(values) {
    try {
      await this.storage.commit({ meta: { ...this._metaDue, ...values } });
    } catch (error) {
      throw storeError(error, "the storage refused a write");
    }
    Object.assign(this._meta, this._metaDue, values);
    this._metaDue = {};
  }
  // --------------------------------------------------------------- reading
  /** @param {string} kind */
  _kindRows(kind) {
    return (
      /** @type {Map<string, Row>} */
      this._rowsByKind.get(kind)
    );
  }
  /**
   * One record as plain data (with deleted, updated_at, updated_by, conflicts).
   * @param {string} kind @param {string} id @param {{ includeDeleted?: boolean }} [options]
   * @returns {Record<string, unknown>}
   */
  get(kind, id2, { includeDeleted = false } = {}) {
    this._usable();
    kindSpec(kind);
    const row = this._kindRows(kind).get(id2);
    if (!row) throw new RecordNotFoundError("no such record", { kind, recordId: id2 });
    if (row.deleted && !includeDeleted) {
      throw new RecordDeletedError(
        "is deleted (restore it, or ask to include deleted records)",
        { kind, recordId: id2 }
      );
    }
    return toRecord(row);
  }
  /**
   * Records of `kind` matching every filter given, in name order.
   * @param {string} [kind]
   * @param {{ group?: string | null, company?: string | null, linkedTo?: string | null,
   *   editedSince?: number | bigint | string | null, includeDeleted?: boolean,
   *   limit?: number | null, offset?: number }} [options]
   * @returns {Record<string, unknown>[]}
   */
  list(kind = "contact", {
    group = null,
    company = null,
    linkedTo = null,
    editedSince = null,
    includeDeleted = false,
    limit = null,
    offset = 0
  } = {}) {
    this._usable();
    kindSpec(kind);
    checkPage(limit, offset);
    const since = editedSince === null ? null : sinceStamp(editedSince);
    let rows = this._inOrder(kind).filter((row) => (includeDeleted || !row.deleted) && (since === null || row.updated >= since) && (company === null || row.company_id === company || (row.company ?? "").toLowerCase() === company.toLowerCase()) && (linkedTo === null || row.links.includes(linkedTo)));
    if (group !== null) {
      const groupRow = this._kindRows("group").get(group);
      const members = new Set(groupRow && !groupRow.deleted ? groupRow.links : []);
      rows = rows.filter((row) => members.has(row.id));
    }
    return page(rows, limit, offset).map(toRecord);
  }
  /**
   * Records whose search fields (names, company, e-mail, phones …) contain `text`.
   * @param {string} text @param {string} [kind]
   * @param {{ limit?: number | null, includeDeleted?: boolean }} [options]
   * @returns {Record<string, unknown>[]}
   */
  search(text3, kind = "contact", { limit = null, includeDeleted = false } = {}) {
    this._usable();
    kindSpec(kind);
    checkPage(limit, 0);
    if (typeof text3 !== "string") throw new ValidationError2("must be text", { field: "text", value: text3 });
    const needle = searchNeedle(text3);
    if (!needle) throw new ValidationError2("search text is empty", { field: "text", value: text3 });
    const rows = [];
    for (const row of this._inOrder(kind)) {
      if ((includeDeleted || !row.deleted) && row.search.includes(needle)) {
        rows.push(row);
        if (limit !== null && rows.length >= limit) break;
      }
    }
    return rows.map(toRecord);
  }
  /**
   * The rows of `kind` in list order: sorted when first asked for, then kept in order
   * as rows change (a changed row moves by binary search, not by sorting again).
   * @param {string} kind @returns {Row[]}
   */
  _inOrder(kind) {
    let ordered = this._ordered.get(kind);
    if (!ordered) {
      ordered = [...this._kindRows(kind).values()].sort(rowOrder(kind, this._collator));
      this._ordered.set(kind, ordered);
    }
    return ordered;
  }
  /** Put `row` in place of `old` (if any) in its kind's list order. @param {Row | undefined} old @param {Row} row */
  _reorder(old, row) {
    const ordered = this._ordered.get(row.kind);
    if (!ordered) return;
    const order2 = rowOrder(row.kind, this._collator);
    if (old) {
      const at2 = lowerBound(ordered, old, order2);
      if (ordered[at2] === old && old.sort_fields === row.sort_fields && old.sort_tail === row.sort_tail && old.id === row.id) {
        ordered[at2] = row;
        return;
      }
      if (ordered[at2] === old) ordered.splice(at2, 1);
      else this._ordered.delete(row.kind);
    }
    const fresh = this._ordered.get(row.kind);
    if (fresh) fresh.splice(lowerBound(fresh, row, order2), 0, row);
  }
  /**
   * The unresolved conflicts (record, field, value, replica, stamp, current).
   * @param {string | null} [kind] @param {string | null} [id] @returns {Record<string, unknown>[]}
   */
  conflicts(kind = null, id2 = null) {
    this._usable();
    const out = [];
    for (const k of Object.keys(KINDS).sort(compareText)) {
      if (kind !== null && k !== kind) continue;
      const rows = [...this._kindRows(k).values()].sort((a, b) => compareText(a.id, b.id));
      for (const row of rows) if (id2 === null || row.id === id2) out.push(...structuredClone(row.conflicts));
    }
    return out;
  }
  /**
   * Every row of `kind`, deleted ones too, in list order (read-only objects).
   * @param {string} kind @returns {Row[]}
   */
  rows(kind) {
    this._usable();
    kindSpec(kind);
    return [...this._inOrder(kind)];
  }
  /** The locale names are ordered in: the space's setting once seen, "root" until then. */
  get locale() {
    return this._locale;
  }
  /** A value kept beside the replica. @param {string} key @param {string | null} [fallback] */
  getMeta(key, fallback = null) {
    return Object.hasOwn(this._meta, key) ? this._meta[key] : fallback;
  }
  /**
   * Durably keep small string values beside the replica (`app.` keys are the caller's).
   * @param {Record<string, string>} values @returns {Promise<void>}
   */
  setMeta(values) {
    return this._serial(async () => {
      for (const [key, value] of Object.entries(values)) {
        if (!key.startsWith("app.")) throw new ValidationError2("meta keys of callers start with 'app.'", { field: key });
        if (typeof value !== "string") throw new ValidationError2("must be text", { field: key, value });
      }
      await this._commitMeta({ ...values });
    });
  }
  /** The sequence number of the newest log entry. */
  get lastSeq() {
    return this._lastSeq;
  }
  // ------------------------------------------------------------------ sync
  /** The document's state vector (for a SyncStep1). */
  stateVector() {
    this._usable();
    return encodeStateVector(this.doc);
  }
  /**
   * The update a peer with `stateVector` lacks (everything without one).
   * ProtocolError if the state vector cannot be read.
   * @param {Uint8Array | null} [stateVector]
   */
  diff(stateVector = null) {
    this._usable();
    if (!stateVector || stateVector.length === 0) return encodeStateAsUpdate(this.doc);
    try {
      decodeStateVector(stateVector);
    } catch {
      throw new ProtocolError("a state vector is not valid", { code: 4400 });
    }
    return encodeStateAsUpdate(this.doc, stateVector);
  }
  /** True while some received updates wait for earlier ones (ask a peer for what lacks). */
  missing() {
    return this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null;
  }
  /**
   * Apply and store updates received from peers, in any order, duplicates included.
   * ProtocolError if one cannot be decoded: nothing is applied or stored then.
   * @param {Uint8Array[]} updates @param {{ origin?: string }} [options]
   * @returns {Promise<ApplyResult>}
   */
  applyRemote(updates, { origin = "remote" } = {}) {
    return this._serial(async () => {
      if (!Array.isArray(updates)) throw new ProtocolError("updates must be a list of byte arrays");
      updates.forEach((update, index) => {
        if (!isBytes(update) || !decodes(update)) {
          throw new ProtocolError(`update ${index + 1} of ${updates.length} (${isBytes(update) ? update.length : 0} bytes) is not a valid Yjs update`, { code: 4400 });
        }
      });
      if (updates.length === 0) {
        return { updates: 0, records: 0, missing: this.missing(), seq: this._lastSeq };
      }
      const now = this.now();
      this.clock.bound(now);
      try {
        transact(this.doc, () => {
          for (const update of updates) applyUpdate(this.doc, update, origin);
        }, origin, false);
      } catch (error) {
        await this._rebuild();
        throw new ProtocolError(`an update could not be applied (${error instanceof Error ? error.message : error})`);
      }
      this._followLocale();
      const records = await this._commitDirty(updates.map((update) => ({ update, origin, atMs: now })));
      return { updates: updates.length, records, missing: this.missing(), seq: this._lastSeq };
    });
  }
  /** Take the space's locale setting (names are ordered by it) once it arrives. */
  _followLocale() {
    const named = this.doc.getMap(SETTINGS_ROOT).get("locale");
    if (typeof named !== "string" || named === this._locale) return;
    try {
      this._collator = collatorFor(named);
    } catch {
      return;
    }
    this._locale = named;
    this._metaDue[LOCALE_META] = named;
    this._ordered.clear();
  }
  /**
   * Local updates the relay has not acknowledged yet, as [seq, update].
   * @param {number} [afterSeq] @param {number} [limit] @returns {Promise<[number, Uint8Array][]>}
   */
  async outbox(afterSeq = 0, limit) {
    this._usable();
    let entries;
    try {
      entries = await this.storage.outbox(afterSeq, limit);
    } catch (error) {
      throw storeError(error, "the storage cannot be read");
    }
    return entries.map((e) => [e.seq, e.update]);
  }
  /**
   * Forget outbox entries up to `uptoSeq`: the relay holds them durably. How many.
   * @param {number} uptoSeq @returns {Promise<number>}
   */
  acknowledge(uptoSeq) {
    return this._serial(async () => {
      let dropped;
      try {
        dropped = await this.storage.ackOutbox(uptoSeq);
      } catch (error) {
        throw storeError(error, "the storage refused a write");
      }
      if (this.restamped && (await this.storage.outbox(0, 1)).length === 0) {
        await this._commitMeta({ [RESTAMP_META]: "0" });
      }
      return dropped;
    });
  }
  /**
   * Fold the log into a new snapshot. Updates still waiting for earlier ones are kept
   * in it, as Yjs keeps them pending: they integrate when what they wait for arrives.
   * @returns {Promise<void>}
   */
  compact() {
    return this._serial(() => this._compact());
  }
  async _compact() {
    const snapshot = encodeStateAsUpdate(this.doc);
    try {
      await this.storage.compact(snapshot, this._lastSeq);
    } catch (error) {
      throw storeError(error, "the storage refused to compact");
    }
    this._snapshotBytes = snapshot.length;
    this._logBytes = 0;
  }
  /** Release the storage. The replica must not be used afterwards. */
  close() {
    clearTimeout(this._compactTimer);
    this.doc.destroy();
    this.storage.close();
  }
  // -------------------------------------------------------------- internals
  /**
   * @override
   * @param {(stamp: bigint) => void} change @param {{ stamp?: bigint }} [options]
   * @returns {Promise<void>}
   */
  async _local(change, { stamp } = {}) {
    let atMs;
    if (stamp === void 0) {
      stamp = this.clock.tick(this.now());
      atMs = Number(stamp >> 16n);
    } else {
      atMs = this.now();
      this.clock.bound(atMs);
      this.clock.observe(stamp);
    }
    const captured = [];
    const onUpdate = (update, origin) => {
      if (origin === LOCAL) captured.push(update);
    };
    this.doc.on("update", onUpdate);
    try {
      const at2 = stamp;
      this.doc.transact(() => change(at2), LOCAL);
    } catch (error) {
      this.doc.off("update", onUpdate);
      await this._rebuild();
      throw error;
    }
    this.doc.off("update", onUpdate);
    await this._commitDirty(captured.map((update) => ({ update, origin: LOCAL, atMs })));
  }
  /**
   * Commit `updates` with the rows of the records touched since the last commit; how many
   * records. If the storage refuses, the document is built again from what it holds.
   * @param {{ update: Uint8Array, origin: string, atMs: number }[]} updates
   */
  async _commitDirty(updates) {
    const dirty = this._dirty;
    this._dirty = /* @__PURE__ */ new Map();
    if (updates.length === 0 && dirty.size === 0) return 0;
    const rows = [];
    for (const [kind, ids2] of dirty) {
      for (const id2 of ids2) {
        const row = this._makeRow(kind, id2);
        if (row !== null) rows.push(row);
      }
    }
    const meta = { gap: this.missing() ? "1" : "0", clock: this.clock.last.toString(), ...this._metaDue };
    let seqs;
    try {
      seqs = await this.storage.commit({ updates, rows, meta });
    } catch (error) {
      await this._rebuild();
      throw storeError(error, "the storage refused a write");
    }
    Object.assign(this._meta, meta);
    this._metaDue = {};
    for (const row of rows) {
      const byId = this._kindRows(row.kind);
      this._reorder(byId.get(row.id), row);
      byId.set(row.id, row);
    }
    if (seqs.length) this._lastSeq = seqs[seqs.length - 1];
    this._tell(rows, false);
    this._logBytes += updates.reduce((n, u) => n + u.update.length, 0);
    if (this._logBytes > Math.max(COMPACT_MIN_BYTES, this._snapshotBytes / 2)) this._compactSoon();
    return rows.length;
  }
  /**
   * Compact once changes pause: the change is stored already, and compacting (the whole
   * document written again) would hold up a sync's next batch. Each commit postpones it
   * by COMPACT_QUIET_MS, for at most COMPACT_LATEST_MS in all; one that fails is tried
   * again after a later commit and never fails a change.
   */
  _compactSoon() {
    const now = Date.now();
    this._compactSince ??= now;
    clearTimeout(this._compactTimer);
    const wait = now - this._compactSince >= COMPACT_LATEST_MS ? 0 : COMPACT_QUIET_MS;
    this._compactTimer = setTimeout(() => {
      this._compactSince = null;
      this._serial(() => this._compact()).catch(() => void 0);
    }, wait);
    /** @type {unknown} */
    this._compactTimer.unref?.();
  }
  /**
   * Hear of every change of rows from now on: `listener(rows, whole)` gets the rows a
   * stored change wrote (a local edit, or updates from peers), once they are stored; with
   * `whole` true they are every row there is (the replica was built again from its
   * storage). Listeners are called after the change, outside it: one that throws does
   * not undo it. Returns a function that stops the listening.
   * @param {RowsListener} listener @returns {() => void}
   */
  onRows(listener) {
    this._listeners.add(listener);
    return () => {
      this._listeners.delete(listener);
    };
  }
  /** @param {Row[]} rows @param {boolean} whole */
  _tell(rows, whole) {
    if (rows.length === 0 && !whole) return;
    for (const listener of this._listeners) queueMicrotask(() => listener(rows, whole));
  }
  /** The row of one record as the document holds it now; null if it holds no record map there. @param {string} kind @param {string} id */
  _makeRow(kind, id2) {
    const record = this._rootMaps[kind].get(id2);
    if (!(record instanceof YMap)) return null;
    const grouped = groupEntries(record.entries());
    let text3 = null;
    if (kind === "note" && record.has(TEXT_KEY)) {
      const body = record.get(TEXT_KEY);
      text3 = body instanceof YText ? body.toString() : null;
    }
    const resolved = resolveEntries(kind, id2, grouped, text3);
    this.clock.observe(resolved.updated);
    return freezeRow(buildRow(resolved, this._kindRows(kind).get(id2)));
  }
  /** Build the document and rows again from the storage (after a failed write). */
  async _rebuild() {
    const clientId = this.doc.clientID;
    try {
      const loaded = await this.storage.load();
      this._install(this._build(loaded, clientId));
      await this._loadRows();
      this._tell(Object.keys(KINDS).flatMap((kind) => this.rows(kind)), true);
    } catch (error) {
      this._broken = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
};
function applyOrCorrupt(doc2, update, what) {
  try {
    applyUpdate(doc2, update);
  } catch {
    throw new CorruptStoreError(`${what} is not a valid Yjs update`);
  }
}
function collatorFor(locale) {
  return new Intl.Collator(locale === "root" ? "und" : locale);
}
function lowerBound(ordered, row, order2) {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = low + high >>> 1;
    if (order2(ordered[middle], row) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
var page = (rows, limit, offset) => rows.slice(offset, limit === null ? void 0 : offset + limit);
function checkPage(limit, offset) {
  if (limit !== null && limit !== void 0 && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0)) {
    throw new ValidationError2("must be a whole number, 0 or more", { field: "limit", value: limit });
  }
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw new ValidationError2("must be a whole number, 0 or more", { field: "offset", value: offset });
  }
}
function sinceStamp(value) {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  const iso = (
    /** @type {string} */
    normalizeValue(
      "edited",
      KINDS.contact.fields.edited,
      value,
      { kind: "contact", recordId: null }
    )
  );
  return makeStamp(Date.parse(iso));
}

// src/storage/errors.js
var StorageError = class extends Error {
  /**
   * @param {string} message what was wrong, naming the value or the stored record
   * @param {StorageErrorReason} reason
   * @param {unknown} [cause] the underlying error, if any
   */
  constructor(message, reason, cause) {
    super(message, cause === void 0 ? void 0 : { cause });
    this.name = "StorageError";
    this.reason = reason;
  }
};

// src/storage/check.js
var TEXT = { test: (v) => typeof v === "string", what: "text" };
var NAME = { test: (v) => typeof v === "string" && v !== "", what: "non-empty text" };
var TEXT_OR_NULL = { test: (v) => v === null || typeof v === "string", what: "text or null" };
var FLAG = { test: (v) => typeof v === "boolean", what: "true or false" };
var STAMP = {
  test: (v) => typeof v === "bigint" && v >= 0n,
  what: "a clock stamp (a BigInt >= 0: stamps pass 2^53)"
};
var SEQ = {
  test: (v) => Number.isSafeInteger(v) && /** @type {number} */
  v >= 0,
  what: "a whole number >= 0"
};
var MILLISECONDS = { test: (v) => Number.isSafeInteger(v), what: "a whole number of milliseconds" };
var BYTES = { test: (v) => v instanceof Uint8Array, what: "bytes (a Uint8Array)" };
var RECORD = { test: isPlainObject, what: "a plain object" };
var TEXTS = {
  test: (v) => Array.isArray(v) && v.every((t) => typeof t === "string"),
  what: "a list of texts"
};
var RECORDS = {
  test: (v) => Array.isArray(v) && v.every(isPlainObject),
  what: "a list of plain objects"
};
var ROW = {
  kind: NAME,
  id: NAME,
  deleted: FLAG,
  updated: STAMP,
  updated_by: TEXT,
  data: RECORD,
  search: TEXT,
  sort_fields: TEXT,
  sort_tail: TEXT,
  company_id: TEXT_OR_NULL,
  company: TEXT_OR_NULL,
  links: TEXTS,
  conflicts: RECORDS
};
var UPDATE = { update: BYTES, origin: NAME, atMs: MILLISECONDS };
var COMMIT_FIELDS = /* @__PURE__ */ new Set(["updates", "rows", "meta", "snapshot"]);
var STORED = {
  snapshot: { seq: SEQ, data: BYTES },
  head: { seq: SEQ },
  log: { seq: SEQ, update: BYTES, origin: NAME, atMs: MILLISECONDS },
  outbox: { seq: SEQ, update: BYTES, atMs: MILLISECONDS },
  meta: { key: TEXT, value: TEXT },
  rows: ROW
};
function isPlainObject(value) {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === "string") return value.length > 40 ? "a text" : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === "object") {
    return isPlainObject(value) ? "an object" : `a ${value.constructor?.name ?? "foreign"} object`;
  }
  return typeof value;
}
function shapeProblem(value, fields) {
  if (!isPlainObject(value)) return `it is ${describe(value)}, not a plain object`;
  const record = (
    /** @type {Record<string, unknown>} */
    value
  );
  for (const [name, check2] of Object.entries(fields)) {
    if (!Object.hasOwn(record, name)) return `it has no ${name}`;
    if (!check2.test(record[name])) return `its ${name} is ${describe(record[name])}, not ${check2.what}`;
  }
  for (const name of Object.keys(record)) {
    if (!Object.hasOwn(fields, name)) return `it has an unknown field ${JSON.stringify(name)}`;
  }
  return null;
}
function stored(value, store, where) {
  const problem = shapeProblem(value, STORED[store]);
  if (problem !== null) {
    throw new StorageError(`${where} in the database is malformed: ${problem}`, "malformed");
  }
  return (
    /** @type {T} */
    value
  );
}
function checkCommit(commit) {
  if (!isPlainObject(commit)) invalid(`a commit must be a plain object, not ${describe(commit)}`);
  for (const name of Object.keys(commit)) {
    if (!COMMIT_FIELDS.has(name)) invalid(`a commit has no field ${JSON.stringify(name)}`);
  }
  const { updates = [], rows = [], meta = {}, snapshot = null } = commit;
  if (!Array.isArray(updates)) invalid(`commit.updates must be a list, not ${describe(updates)}`);
  if (!Array.isArray(rows)) invalid(`commit.rows must be a list, not ${describe(rows)}`);
  if (!isPlainObject(meta)) invalid(`commit.meta must be a plain object, not ${describe(meta)}`);
  if (snapshot !== null && !(snapshot instanceof Uint8Array)) {
    invalid(`commit.snapshot must be bytes (a Uint8Array) or null, not ${describe(snapshot)}`);
  }
  const checkedUpdates = updates.map((entry, n) => {
    const problem = shapeProblem(entry, UPDATE);
    if (problem !== null) invalid(`commit.updates[${n}] cannot be stored: ${problem}`);
    return { update: copyBytes(entry.update), origin: entry.origin, atMs: entry.atMs };
  });
  const checkedRows = rows.map((row, n) => checkRow(row, `commit.rows[${n}]`));
  const checkedMeta = Object.entries(meta).map(([key, value]) => {
    if (typeof value !== "string") {
      invalid(`commit.meta[${JSON.stringify(key)}] must be text, not ${describe(value)}`);
    }
    return (
      /** @type {[string, string]} */
      [key, value]
    );
  });
  return {
    updates: checkedUpdates,
    rows: checkedRows,
    meta: checkedMeta,
    snapshot: snapshot === null ? null : copyBytes(snapshot)
  };
}
function checkRow(row, where) {
  const problem = shapeProblem(row, ROW);
  if (problem !== null) {
    const named = isPlainObject(row) ? ` (${rowName(
      /** @type {Row} */
      row
    )})` : "";
    invalid(`${where}${named} cannot be stored: ${problem}`);
  }
  return normalRow(
    /** @type {Row} */
    row
  );
}
function normalRow(row) {
  const links = [...new Set(row.links)].sort();
  const conflicts = [...row.conflicts].sort((a, b) => order(a.field, b.field) || order(a.stamp, b.stamp) || order(a.replica, b.replica));
  return { ...row, links, conflicts };
}
function order(a, b) {
  const [x, y] = (
    /** @type {[number, number]} */
    [a, b]
  );
  return x < y ? -1 : x > y ? 1 : 0;
}
function rowName(row) {
  return `${typeof row.kind === "string" ? row.kind : "?"} ${JSON.stringify(row.id)}`;
}
function checkSeq(value, name) {
  if (!SEQ.test(value)) invalid(`${name} must be ${SEQ.what}, not ${describe(value)}`);
  return (
    /** @type {number} */
    value
  );
}
function checkKind(value) {
  if (!NAME.test(value)) invalid(`a kind must be non-empty text, not ${describe(value)}`);
  return (
    /** @type {string} */
    value
  );
}
function checkIds(value) {
  if (!Array.isArray(value)) invalid(`ids must be a list, not ${describe(value)}`);
  const ids2 = (
    /** @type {unknown[]} */
    value
  );
  ids2.forEach((id2, n) => {
    if (!NAME.test(id2)) invalid(`ids[${n}] must be non-empty text, not ${describe(id2)}`);
  });
  return (
    /** @type {string[]} */
    ids2
  );
}
function checkSnapshot(value) {
  if (!(value instanceof Uint8Array)) {
    invalid(`a snapshot must be bytes (a Uint8Array), not ${describe(value)}`);
  }
  return copyBytes(
    /** @type {Uint8Array} */
    value
  );
}
function copyBytes(bytes) {
  return new Uint8Array(bytes);
}
function checkUpto(uptoSeq, snapshotSeq, head) {
  if (uptoSeq < snapshotSeq) {
    throw new StorageError(`cannot compact up to seq ${uptoSeq}: the stored snapshot already stands for the updates up to ${snapshotSeq}`, "invalid");
  }
  if (uptoSeq > head) {
    throw new StorageError(`cannot compact up to seq ${uptoSeq}: the newest update stored has seq ${head}`, "invalid");
  }
}
function invalid(message) {
  throw new StorageError(message, "invalid");
}

// src/storage/indexeddb.js
var DATABASE_VERSION = 1;
var SNAPSHOT = "snapshot";
var HEAD = "head";
var LOG = "log";
var OUTBOX = "outbox";
var ROWS = "rows";
var META = "meta";
var BY_KIND = "kind";
var ONLY = 1;
var LOCAL2 = "local";
var KEY_PATHS = (
  /** @type {const} */
  {
    [SNAPSHOT]: null,
    [HEAD]: null,
    [LOG]: "seq",
    [OUTBOX]: "seq",
    [ROWS]: ["kind", "id"],
    [META]: "key"
  }
);
function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore(SNAPSHOT);
    db.createObjectStore(HEAD);
    db.createObjectStore(LOG, { keyPath: "seq" });
    db.createObjectStore(OUTBOX, { keyPath: "seq" });
    db.createObjectStore(ROWS, { keyPath: ["kind", "id"] }).createIndex(BY_KIND, "kind");
    db.createObjectStore(META, { keyPath: "key" });
  }
}
var CONSTRUCTING = /* @__PURE__ */ Symbol("IndexedDbStorage.open");
var IndexedDbStorage = class _IndexedDbStorage {
  /** @type {IDBDatabase} */
  #db;
  /** @type {IDBTransactionDurability} */
  #durability;
  /** @type {string | null} why the storage cannot be used any more, once it cannot */
  #closed = null;
  /**
   * Use `IndexedDbStorage.open`.
   * @param {symbol} token
   * @param {IDBDatabase} db
   * @param {IDBTransactionDurability} durability
   */
  constructor(token, db, durability) {
    if (token !== CONSTRUCTING) throw new TypeError("use IndexedDbStorage.open(name)");
    this.#db = db;
    this.#durability = durability;
    db.onversionchange = () => {
      this.#closed = "the storage was closed: another page opened it with a newer handsync";
      db.close();
    };
    db.onclose = () => {
      this.#closed = "the storage was closed by the browser (was the site's data cleared?)";
    };
  }
  /**
   * Open (creating it if it does not exist) the replica database `name`. Never writes to
   * an existing database.
   * @param {string} name
   * @param {OpenOptions} [options]
   * @returns {Promise<IndexedDbStorage>}
   */
  static async open(name, options = {}) {
    if (typeof name !== "string" || name === "") {
      throw new StorageError(
        `a database name must be non-empty text, not ${describe(name)}`,
        "invalid"
      );
    }
    const factory = options.indexedDB ?? globalThis.indexedDB;
    if (factory === void 0) {
      throw new StorageError(
        "this browser has no IndexedDB (is it a private window?)",
        "unusable"
      );
    }
    const durability = options.durability ?? "strict";
    if (!["strict", "relaxed", "default"].includes(durability)) {
      throw new StorageError(`durability must be "strict", "relaxed" or "default", not ` + describe(durability), "invalid");
    }
    const db = await new Promise((resolve, reject) => {
      let request;
      try {
        request = factory.open(name, DATABASE_VERSION);
      } catch (error) {
        reject(new StorageError(`cannot open the database ${JSON.stringify(name)}: ${errorText(error)}`, "unusable", error));
        return;
      }
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(openError(name, request.error));
    });
    try {
      checkLayout(db, name);
    } catch (error) {
      db.close();
      throw error;
    }
    return new _IndexedDbStorage(CONSTRUCTING, db, durability);
  }
  /** @returns {Promise<Loaded>} */
  async load() {
    return this.#run([SNAPSHOT, LOG, META], "readonly", "loading the storage", (tx, step) => {
      let snapshot;
      let log = [];
      let meta = [];
      step(tx.objectStore(SNAPSHOT).get(ONLY), (value) => {
        snapshot = value;
      });
      step(tx.objectStore(LOG).getAll(), (values) => {
        log = values;
      });
      step(tx.objectStore(META).getAll(), (values) => {
        meta = values;
      });
      return () => {
        const snap = readSnapshot(snapshot);
        const snapshotSeq = snap?.seq ?? 0;
        return {
          snapshot: snap?.data ?? null,
          snapshotSeq,
          log: log.map(readLogEntry).filter((e) => e.seq > snapshotSeq),
          meta: Object.fromEntries(meta.map((value) => {
            const { key, value: text3 } = (
              /** @type {{ key: string, value: string }} */
              stored(value, META, `the meta value ${describeKey(value, "key")}`)
            );
            return [key, text3];
          }))
        };
      };
    });
  }
  /**
   * @param {Commit} commit
   * @returns {Promise<number[]>}
   */
  async commit(commit) {
    this.#checkOpen();
    const { updates, rows, meta, snapshot } = checkCommit(commit);
    const sequenced = updates.length > 0 || snapshot !== null;
    const names = [
      ...sequenced ? [HEAD, LOG] : [],
      ...updates.some((u) => u.origin === LOCAL2) ? [OUTBOX] : [],
      ...rows.length > 0 ? [ROWS] : [],
      ...meta.length > 0 ? [META] : [],
      ...snapshot !== null ? [SNAPSHOT] : []
    ];
    if (names.length === 0) return [];
    return this.#run(names, "readwrite", "the commit", (tx, step) => {
      let seqs = [];
      const write2 = (head) => {
        seqs = updates.map((_, n) => head + 1 + n);
        const newHead = head + updates.length;
        if (updates.length > 0) tx.objectStore(HEAD).put({ seq: newHead }, ONLY);
        const log = sequenced ? tx.objectStore(LOG) : null;
        const outbox = names.includes(OUTBOX) ? tx.objectStore(OUTBOX) : null;
        updates.forEach(({ update, origin, atMs }, n) => {
          const seq = seqs[n];
          if (snapshot === null) log?.put({ seq, update, origin, atMs });
          if (origin === LOCAL2) outbox?.put({ seq, update, atMs });
        });
        if (rows.length > 0) {
          const store = tx.objectStore(ROWS);
          rows.forEach((row, n) => {
            try {
              store.put(row);
            } catch (error) {
              throw new StorageError(`commit.rows[${n}] (${rowName(row)}) cannot be stored: ` + errorText(error), "invalid", error);
            }
          });
        }
        if (meta.length > 0) {
          const store = tx.objectStore(META);
          for (const [key, value] of meta) store.put({ key, value });
        }
        if (snapshot !== null) {
          log?.clear();
          tx.objectStore(SNAPSHOT).put({ seq: newHead, data: snapshot }, ONLY);
        }
      };
      if (sequenced) {
        step(tx.objectStore(HEAD).get(ONLY), (value) => write2(readHead(value)));
      } else {
        write2(0);
      }
      return () => seqs;
    });
  }
  /**
   * @param {Uint8Array} snapshot
   * @param {number} uptoSeq
   */
  async compact(snapshot, uptoSeq) {
    this.#checkOpen();
    const data = checkSnapshot(snapshot);
    checkSeq(uptoSeq, "uptoSeq");
    return this.#run([SNAPSHOT, HEAD, LOG], "readwrite", "the compaction", (tx, step) => {
      let head = 0;
      step(tx.objectStore(HEAD).get(ONLY), (value) => {
        head = readHead(value);
      });
      step(tx.objectStore(SNAPSHOT).get(ONLY), (value) => {
        checkUpto(uptoSeq, readSnapshot(value)?.seq ?? 0, head);
        tx.objectStore(SNAPSHOT).put({ seq: uptoSeq, data }, ONLY);
        const log = tx.objectStore(LOG);
        step(log.getAllKeys(), (keys2) => {
          for (const key of keys2) if (readKey(key, LOG) <= uptoSeq) log.delete(key);
        });
      });
      return () => void 0;
    });
  }
  /**
   * Every stored row of a kind, deleted ones too, ordered by id.
   * @param {string} kind
   * @returns {Promise<Row[]>}
   */
  async rows(kind) {
    this.#checkOpen();
    checkKind(kind);
    return this.#run([ROWS], "readonly", `reading the ${kind} rows`, (tx, step) => {
      let values = [];
      step(tx.objectStore(ROWS).index(BY_KIND).getAll(kind), (found) => {
        values = found;
      });
      return () => values.map(readRow);
    });
  }
  /**
   * @param {string} kind
   * @param {string[]} ids
   * @returns {Promise<Map<string, Row>>}
   */
  async getRows(kind, ids2) {
    this.#checkOpen();
    checkKind(kind);
    const wanted = [...new Set(checkIds(ids2))];
    return this.#run([ROWS], "readonly", `reading ${kind} rows`, (tx, step) => {
      const store = tx.objectStore(ROWS);
      const found = /* @__PURE__ */ new Map();
      for (const id2 of wanted) {
        step(store.get([kind, id2]), (value) => {
          if (value !== void 0) found.set(id2, value);
        });
      }
      return () => new Map([...found].map(([id2, value]) => [id2, readRow(value)]));
    });
  }
  /**
   * @param {number} [afterSeq]
   * @param {number} [limit]
   * @returns {Promise<LogEntry[]>}
   */
  async outbox(afterSeq = 0, limit = void 0) {
    this.#checkOpen();
    checkSeq(afterSeq, "afterSeq");
    const most = limit === void 0 ? Infinity : checkSeq(limit, "limit");
    if (most === 0) return [];
    return this.#run([OUTBOX], "readonly", "reading the outbox", (tx, step) => {
      const entries = [];
      step(tx.objectStore(OUTBOX).openCursor(), (cursor) => {
        if (cursor === null) return;
        const entry = readOutboxEntry(cursor.value);
        if (entry.seq <= afterSeq) {
          cursor.continue(afterSeq + 1);
        } else {
          entries.push(entry);
          if (entries.length < most) cursor.continue();
        }
      });
      return () => entries;
    });
  }
  /**
   * @param {number} uptoSeq
   * @returns {Promise<number>}
   */
  async ackOutbox(uptoSeq) {
    this.#checkOpen();
    checkSeq(uptoSeq, "uptoSeq");
    return this.#run([OUTBOX], "readwrite", "acknowledging the outbox", (tx, step) => {
      let dropped = 0;
      const outbox = tx.objectStore(OUTBOX);
      step(outbox.getAllKeys(), (keys2) => {
        for (const key of keys2) {
          if (readKey(key, OUTBOX) <= uptoSeq) {
            outbox.delete(key);
            dropped += 1;
          }
        }
      });
      return () => dropped;
    });
  }
  async stats() {
    return this.#run(
      [SNAPSHOT, LOG, OUTBOX, ROWS],
      "readonly",
      "reading the storage's sizes",
      (tx, step) => {
        let snapshot;
        let log = [];
        let outbox = 0;
        let records = 0;
        step(tx.objectStore(SNAPSHOT).get(ONLY), (value) => {
          snapshot = value;
        });
        step(tx.objectStore(LOG).getAll(), (values) => {
          log = values;
        });
        step(tx.objectStore(OUTBOX).count(), (count) => {
          outbox = count;
        });
        step(tx.objectStore(ROWS).count(), (count) => {
          records = count;
        });
        return () => {
          const entries = log.map(readLogEntry);
          return {
            logEntries: entries.length,
            logBytes: entries.reduce((sum, e) => sum + e.update.length, 0),
            snapshotBytes: readSnapshot(snapshot)?.data.length ?? 0,
            outbox,
            records
          };
        };
      }
    );
  }
  close() {
    if (this.#closed === null) this.#closed = "the storage was closed";
    this.#db.close();
  }
  #checkOpen() {
    if (this.#closed !== null) throw new StorageError(this.#closed, "closed");
  }
  /**
   * Run one transaction. `body` issues its requests (through `step` for those whose result
   * it needs) and returns a function that makes the result once the transaction has
   * committed. Resolves after the commit; rejects after the abort (the browser has rolled
   * everything back by then) with the first error thrown inside, or the browser's.
   * @template T
   * @param {string[]} names the object stores it uses
   * @param {IDBTransactionMode} mode
   * @param {string} what what it does, for messages
   * @param {(tx: IDBTransaction, step: Step) => () => T} body
   * @returns {Promise<T>}
   */
  #run(names, mode, what, body) {
    this.#checkOpen();
    const writes = mode === "readwrite";
    return new Promise((resolve, reject) => {
      let tx;
      try {
        tx = writes ? this.#db.transaction(names, mode, { durability: this.#durability }) : this.#db.transaction(names, mode);
      } catch (error) {
        reject(this.#browserError(error, what, writes));
        return;
      }
      let failure = null;
      const fail = (error) => {
        failure ??= { error: asStorageError(error, what, writes) };
        try {
          tx.abort();
        } catch {
        }
      };
      const step = (request, then) => {
        request.onsuccess = () => {
          if (failure !== null) return;
          try {
            then(request.result);
          } catch (error) {
            fail(error);
          }
        };
      };
      let result = () => {
        throw new Error("a transaction body made no result");
      };
      tx.oncomplete = () => {
        try {
          resolve(result());
        } catch (error) {
          reject(asStorageError(error, what, writes));
        }
      };
      tx.onabort = () => {
        reject(failure !== null ? failure.error : this.#browserError(tx.error, what, writes));
      };
      try {
        result = body(tx, step);
      } catch (error) {
        fail(error);
      }
    });
  }
  /**
   * The StorageError for an error the browser raised or a transaction ended with.
   * @param {unknown} error
   * @param {string} what
   * @param {boolean} writes
   */
  #browserError(error, what, writes) {
    const name = error instanceof Error || error instanceof DOMException ? error.name : "";
    if (this.#closed !== null || name === "InvalidStateError") {
      return new StorageError(
        `${what} failed: ${this.#closed ?? "the database is closed"}`,
        "closed",
        error
      );
    }
    return asStorageError(error, what, writes);
  }
};
function asStorageError(error, what, writes) {
  if (error instanceof StorageError) return error;
  const nothing = writes ? "; nothing of it was written" : "";
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "QuotaExceededError") {
    return new StorageError(`${what} was refused: the browser's storage for this site is full (QuotaExceededError)${nothing}`, "quota", error);
  }
  if (error === null || error === void 0) {
    return new StorageError(`${what} was aborted${nothing}`, "failed");
  }
  return new StorageError(`${what} failed: ${errorText(error)}${nothing}`, "failed", error);
}
function openError(name, error) {
  if (error?.name === "VersionError") {
    return new StorageError(
      `the database ${JSON.stringify(name)} was written by a newer handsync (its version is above ${DATABASE_VERSION}); this one cannot open it`,
      "unusable",
      error
    );
  }
  return new StorageError(`cannot open the database ${JSON.stringify(name)}: ` + errorText(error), "unusable", error);
}
function checkLayout(db, name) {
  const stores = (
    /** @type {(keyof typeof KEY_PATHS)[]} */
    Object.keys(KEY_PATHS)
  );
  const missing = stores.filter((store) => !db.objectStoreNames.contains(store));
  if (missing.length > 0) {
    throw new StorageError(`the database ${JSON.stringify(name)} is not a handsync replica store: it has no object store ${missing.join(", ")}`, "unusable");
  }
  const tx = db.transaction(stores, "readonly");
  for (const store of stores) {
    const objectStore = tx.objectStore(store);
    if (JSON.stringify(objectStore.keyPath) !== JSON.stringify(KEY_PATHS[store])) {
      throw new StorageError(
        `the database ${JSON.stringify(name)} is not a handsync replica store: its object store ${store} is keyed by ${JSON.stringify(objectStore.keyPath)}`,
        "unusable"
      );
    }
  }
  if (!tx.objectStore(ROWS).indexNames.contains(BY_KIND)) {
    throw new StorageError(`the database ${JSON.stringify(name)} is not a handsync replica store: its rows have no index by kind`, "unusable");
  }
}
function readSnapshot(value) {
  return value === void 0 ? null : stored(value, SNAPSHOT, "the snapshot");
}
function readHead(value) {
  return value === void 0 ? 0 : (
    /** @type {{ seq: number }} */
    stored(value, HEAD, "the newest seq").seq
  );
}
function readLogEntry(value) {
  return stored(value, LOG, `the log entry ${describeKey(value, "seq")}`);
}
function readOutboxEntry(value) {
  const { seq, update, atMs } = (
    /** @type {{ seq: number, update: Uint8Array, atMs: number }} */
    stored(value, OUTBOX, `the outbox entry ${describeKey(value, "seq")}`)
  );
  return { seq, update, origin: LOCAL2, atMs };
}
function readRow(value) {
  const name = value !== null && typeof value === "object" ? rowName(
    /** @type {{ kind?: unknown, id?: unknown }} */
    value
  ) : "?";
  return stored(value, ROWS, `the row ${name}`);
}
function readKey(key, store) {
  if (!Number.isSafeInteger(key) || /** @type {number} */
  key < 0) {
    throw new StorageError(`the ${store} in the database is malformed: it holds the key ${describe(key)}, not a seq`, "malformed");
  }
  return (
    /** @type {number} */
    key
  );
}
function describeKey(value, field) {
  return value !== null && typeof value === "object" ? describe(
    /** @type {Record<string, unknown>} */
    value[field]
  ) : "?";
}
function errorText(error) {
  if (error instanceof Error || error instanceof DOMException) {
    return error.message ? `${error.name}: ${error.message}` : error.name;
  }
  return String(error);
}

// src/codec.js
var MESSAGE_SYNC = 0;
var MESSAGE_AWARENESS = 1;
var MESSAGE_AUTH = 2;
var MESSAGE_QUERY_AWARENESS = 3;
var MESSAGE_HANDSYNC = 100;
var SYNC_STEP1 = 0;
var SYNC_STEP2 = 1;
var SYNC_UPDATE = 2;
var AUTH_PERMISSION_DENIED = 0;
var HANDSYNC_HELLO = 0;
var HANDSYNC_ACK = 1;
var HANDSYNC_ERROR = 2;
var HANDSYNC_RELAYED = 3;
var HANDSYNC_CAUGHT_UP = 4;
var HANDSYNC_TIME = 5;
var PROTOCOL_VERSION = 1;
var MAX_VAR_UINT = Number.MAX_SAFE_INTEGER;
var MAX_VAR_UINT_BYTES = 8;
var CloseCode = Object.freeze({
  NORMAL: 1e3,
  GOING_AWAY: 1001,
  MESSAGE_TOO_BIG: 1009,
  BAD_MESSAGE: 4400,
  UNAUTHORIZED: 4401,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
  TOO_SLOW: 4408,
  PAYLOAD_TOO_LARGE: 4413,
  CLOCK_SKEW: 4425,
  UNSUPPORTED_VERSION: 4426,
  RATE_LIMITED: 4429,
  INTERNAL: 4500
});
var bad = (reason) => new ProtocolError(reason, { code: CloseCode.BAD_MESSAGE });
function unencodable(message, value) {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  return new RangeError(`${message} (value ${shown})`);
}
var utf8Encoder = new TextEncoder();
var Writer = class {
  constructor() {
    this.parts = [];
    this.pending = [];
  }
  /** @param {number} n */
  varUint(n) {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > MAX_VAR_UINT) {
      throw unencodable(`varUint must be an int from 0 to ${MAX_VAR_UINT}`, n);
    }
    while (n > 127) {
      this.pending.push(128 | n % 128);
      n = Math.floor(n / 128);
    }
    this.pending.push(n);
  }
  /** @param {Uint8Array} b */
  varBytes(b) {
    if (!(b instanceof Uint8Array)) throw unencodable("bytes must be a Uint8Array", b);
    this.varUint(b.length);
    this.raw(b);
  }
  /** @param {string} s */
  varString(s) {
    if (typeof s !== "string" || /\p{Cs}/u.test(s)) {
      throw unencodable("string cannot be encoded as UTF-8", s);
    }
    this.varBytes(utf8Encoder.encode(s));
  }
  /** @param {Uint8Array} b */
  raw(b) {
    this.flush();
    this.parts.push(b);
  }
  flush() {
    if (this.pending.length) {
      this.parts.push(Uint8Array.from(this.pending));
      this.pending = [];
    }
  }
  /** @returns {Uint8Array} */
  bytes() {
    this.flush();
    return concat(this.parts);
  }
};
function concat(parts) {
  let length2 = 0;
  for (const part of parts) length2 += part.length;
  const out = new Uint8Array(length2);
  let at2 = 0;
  for (const part of parts) {
    out.set(part, at2);
    at2 += part.length;
  }
  return out;
}
var utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
var Reader = class {
  /** @param {Uint8Array | ArrayBuffer} data */
  constructor(data) {
    this.data = data instanceof Uint8Array ? data : new Uint8Array(data);
    this.pos = 0;
  }
  /** Offset of the next byte to read. */
  get position() {
    return this.pos;
  }
  /** Number of bytes not yet read. */
  get remaining() {
    return this.data.length - this.pos;
  }
  /** True when every byte has been read; check it to reject trailing garbage. */
  get atEnd() {
    return this.pos >= this.data.length;
  }
  /** Read one varUint (at most 8 bytes, at most 2^53 - 1). @returns {number} */
  readVarUint() {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (let index = 0; index < MAX_VAR_UINT_BYTES; index++) {
      if (this.pos >= this.data.length) throw bad(`truncated varUint at byte ${start}`);
      const byte = this.data[this.pos];
      this.pos += 1;
      value += (byte & 127) * scale;
      scale *= 128;
      if (byte < 128) {
        if (value > MAX_VAR_UINT) throw bad(`varUint at byte ${start} exceeds 2**53-1`);
        return value;
      }
    }
    throw bad(`varUint at byte ${start} longer than ${MAX_VAR_UINT_BYTES} bytes`);
  }
  /** Read one byte. @returns {number} */
  readByte() {
    if (this.pos >= this.data.length) throw bad(`truncated at byte ${this.pos}`);
    const byte = this.data[this.pos];
    this.pos += 1;
    return byte;
  }
  /**
   * Read exactly `count` bytes (a copy: it outlives the frame's buffer).
   * @param {number} count
   * @returns {Uint8Array}
   */
  readBytes(count) {
    if (count > this.remaining) {
      throw bad(`${count} bytes wanted at byte ${this.pos}, ${this.remaining} left`);
    }
    const chunk = this.data.slice(this.pos, this.pos + count);
    this.pos += count;
    return chunk;
  }
  /** Read a varUint length, then that many bytes. @returns {Uint8Array} */
  readVarBytes() {
    const start = this.pos;
    const length2 = this.readVarUint();
    if (length2 > this.remaining) {
      throw bad(`length ${length2} at byte ${start} exceeds the ${this.remaining} bytes left`);
    }
    const chunk = this.data.slice(this.pos, this.pos + length2);
    this.pos += length2;
    return chunk;
  }
  /** Read a varUint length, then that many bytes of UTF-8 text. @returns {string} */
  readVarString() {
    const start = this.pos;
    const raw = this.readVarBytes();
    try {
      return utf8.decode(raw);
    } catch {
      throw bad(`invalid UTF-8 in string at byte ${start}`);
    }
  }
};
function decodeStateVector2(data) {
  const reader = new Reader(data);
  const count = reader.readVarUint();
  const state = /* @__PURE__ */ new Map();
  for (let i = 0; i < count; i++) {
    const client = reader.readVarUint();
    const clock = reader.readVarUint();
    if (state.has(client)) throw bad(`state vector lists client ${client} twice`);
    state.set(client, clock);
  }
  if (!reader.atEnd) throw bad(`${reader.remaining} trailing bytes after state vector`);
  return state;
}
function encode(msg) {
  const w = new Writer();
  const head = (type, subtype) => {
    w.varUint(type);
    if (subtype !== void 0) w.varUint(subtype);
  };
  switch (msg?.type) {
    case "SyncStep1":
      head(MESSAGE_SYNC, SYNC_STEP1);
      w.varBytes(msg.stateVector);
      break;
    case "SyncStep2":
      head(MESSAGE_SYNC, SYNC_STEP2);
      w.varBytes(msg.update);
      break;
    case "SyncUpdate":
      head(MESSAGE_SYNC, SYNC_UPDATE);
      w.varBytes(msg.update);
      break;
    case "Awareness":
      head(MESSAGE_AWARENESS);
      w.varBytes(msg.payload);
      break;
    case "AuthDenied":
      head(MESSAGE_AUTH, AUTH_PERMISSION_DENIED);
      w.varString(msg.reason);
      break;
    case "QueryAwareness":
      head(MESSAGE_QUERY_AWARENESS);
      break;
    case "Hello":
      head(MESSAGE_HANDSYNC, HANDSYNC_HELLO);
      w.varUint(msg.protocolVersion);
      w.varString(msg.replicaId);
      w.varUint(msg.resumeCursor);
      break;
    case "Ack":
      head(MESSAGE_HANDSYNC, HANDSYNC_ACK);
      w.varUint(msg.count);
      w.varUint(msg.seq);
      break;
    case "Error":
      head(MESSAGE_HANDSYNC, HANDSYNC_ERROR);
      w.varUint(msg.code);
      w.varString(msg.reason);
      break;
    case "Relayed":
      head(MESSAGE_HANDSYNC, HANDSYNC_RELAYED);
      w.varUint(msg.seq);
      w.varBytes(msg.update);
      break;
    case "CaughtUp":
      head(MESSAGE_HANDSYNC, HANDSYNC_CAUGHT_UP);
      w.varUint(msg.seq);
      break;
    case "Time":
      head(MESSAGE_HANDSYNC, HANDSYNC_TIME);
      w.varUint(msg.nowMs);
      break;
    default:
      throw unencodable(
        "not a message",
        /** @type {{type?: unknown}} */
        msg?.type
      );
  }
  return w.bytes();
}
function readSync(reader) {
  const subtype = reader.readVarUint();
  if (subtype === SYNC_STEP1) return { type: "SyncStep1", stateVector: reader.readVarBytes() };
  if (subtype === SYNC_STEP2) return { type: "SyncStep2", update: reader.readVarBytes() };
  if (subtype === SYNC_UPDATE) return { type: "SyncUpdate", update: reader.readVarBytes() };
  throw bad(`unknown sync message subtype ${subtype}`);
}
function readAuth(reader) {
  const subtype = reader.readVarUint();
  if (subtype === AUTH_PERMISSION_DENIED) {
    return { type: "AuthDenied", reason: reader.readVarString() };
  }
  throw bad(`unknown auth message subtype ${subtype}`);
}
function readHandsync(reader) {
  const subtype = reader.readVarUint();
  switch (subtype) {
    case HANDSYNC_HELLO: {
      const protocolVersion = reader.readVarUint();
      const replicaId = reader.readVarString();
      return { type: "Hello", protocolVersion, replicaId, resumeCursor: reader.readVarUint() };
    }
    case HANDSYNC_ACK: {
      const count = reader.readVarUint();
      return { type: "Ack", count, seq: reader.readVarUint() };
    }
    case HANDSYNC_ERROR: {
      const code = reader.readVarUint();
      return { type: "Error", code, reason: reader.readVarString() };
    }
    case HANDSYNC_RELAYED: {
      const seq = reader.readVarUint();
      return { type: "Relayed", seq, update: reader.readVarBytes() };
    }
    case HANDSYNC_CAUGHT_UP:
      return { type: "CaughtUp", seq: reader.readVarUint() };
    case HANDSYNC_TIME:
      return { type: "Time", nowMs: reader.readVarUint() };
    default:
      throw bad(`unknown handsync message subtype ${subtype}`);
  }
}
function readMessage(reader) {
  const messageType = reader.readVarUint();
  switch (messageType) {
    case MESSAGE_SYNC:
      return readSync(reader);
    case MESSAGE_AWARENESS:
      return { type: "Awareness", payload: reader.readVarBytes() };
    case MESSAGE_AUTH:
      return readAuth(reader);
    case MESSAGE_QUERY_AWARENESS:
      return { type: "QueryAwareness" };
    case MESSAGE_HANDSYNC:
      return readHandsync(reader);
    default:
      throw bad(`unknown message type ${messageType}`);
  }
}
function decode(data) {
  const reader = new Reader(data);
  if (reader.atEnd) throw bad("empty frame");
  const messages = [];
  while (!reader.atEnd) messages.push(readMessage(reader));
  return messages;
}

// src/session.js
var DEFAULT_BATCH = 256;
var DEFAULT_WINDOW = 64;
var DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;
var SyncSession = class {
  /**
   * @param {SessionReplica} replica
   * @param {SessionOptions} [options]
   */
  constructor(replica2, options = {}) {
    this.replica = replica2;
    this.batch = options.batch ?? DEFAULT_BATCH;
    this.window = options.window ?? DEFAULT_WINDOW;
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.progress = options.progress;
    this.cursor = options.resumeCursor ?? 0;
    this.caughtUp = false;
    this.failed = null;
    this.connected = false;
    this.greeted = false;
    this.outgoing = [];
    this.events = [];
    this.step1FromPeer = [];
    this.inFlight = [];
    this.sentUpto = 0;
    this.repairRequested = false;
    this.syncedReported = false;
    this.ackedCount = 0;
    this.relayedSeq = 0;
    this.heard = false;
    this.ownSeqs = /* @__PURE__ */ new Set();
    this.queue = Promise.resolve();
  }
  // ------------------------------------------------------------------- commands
  /** The connection is open: greet the peer and start syncing. */
  connect() {
    return this.serial(async () => {
      this.connected = true;
      await this.evaluate();
    });
  }
  /** Local edits were made: send them. */
  localChanged() {
    return this.serial(() => this.evaluate());
  }
  /**
   * Handle one received frame. Bad peer input does not reject: it ends in a Failed
   * event (and an Error message for the peer). A failure of the replica's own storage
   * does reject.
   * @param {Uint8Array | ArrayBuffer} data
   */
  receiveData(data) {
    return this.serial(async () => {
      if (this.failed !== null) return;
      this.heard = true;
      try {
        const messages = decode(data);
        const updates = [];
        for (const message of messages) await this.handle(message, updates);
        await this.apply(updates);
        this.advance(this.relayedSeq);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.fail(error.code, error.reason, true);
      }
      await this.evaluate();
    });
  }
  /** The frames to send now, oldest first; they are forgotten. @returns {Uint8Array[]} */
  dataToSend() {
    const out = this.outgoing;
    this.outgoing = [];
    return out;
  }
  /** What happened since the last call, oldest first. @returns {SessionEvent[]} */
  eventsReceived() {
    const out = this.events;
    this.events = [];
    return out;
  }
  /** How many update messages are sent but not yet acknowledged. */
  get unacknowledged() {
    return this.inFlight.length;
  }
  /**
   * Run `command` after every command called before it.
   * @private
   * @param {() => Promise<void>} command
   * @returns {Promise<void>}
   */
  serial(command) {
    const run = this.queue.then(command);
    this.queue = run.catch(() => void 0);
    return run;
  }
  // ------------------------------------------------------------------- handlers
  /**
   * @private
   * @param {import("./codec.js").Message} message
   * @param {Uint8Array[]} updates of this frame, not yet applied
   */
  async handle(message, updates) {
    switch (message.type) {
      case "SyncStep1":
        decodeStateVector2(message.stateVector);
        this.step1FromPeer.push(message.stateVector);
        break;
      case "SyncStep2":
        updates.push(message.update);
        this.repairRequested = false;
        break;
      case "SyncUpdate":
        updates.push(message.update);
        break;
      case "Relayed":
        updates.push(message.update);
        this.relayedSeq = Math.max(this.relayedSeq, message.seq);
        break;
      case "CaughtUp":
        await this.apply(updates);
        updates.length = 0;
        this.advance(this.relayedSeq);
        this.advance(message.seq);
        this.caughtUp = true;
        break;
      case "Time":
        await this.replica.meetTime(message.nowMs);
        break;
      case "Ack":
        await this.acknowledge(message);
        break;
      case "Error":
        this.fail(message.code, message.reason, false);
        break;
      case "AuthDenied":
        this.fail(CloseCode.UNAUTHORIZED, message.reason, false);
        break;
      case "Awareness":
        this.events.push({ type: "AwarenessReceived", payload: message.payload });
        break;
      case "QueryAwareness":
      case "Hello":
        break;
    }
  }
  /** @private @param {Uint8Array[]} updates */
  async apply(updates) {
    if (updates.length === 0) return;
    const options = this.progress ? { progress: this.progress } : {};
    const result = await this.replica.applyRemote(updates.slice(), options);
    this.events.push({ type: "Received", updates: updates.length, records: result.records });
  }
  /** @private @param {number} seq */
  advance(seq) {
    while (this.ownSeqs.has(seq + 1)) seq += 1;
    for (const own of this.ownSeqs) if (own <= seq) this.ownSeqs.delete(own);
    if (seq > this.cursor) {
      this.cursor = seq;
      this.events.push({ type: "CursorAdvanced", seq });
    }
  }
  /** @private @param {import("./codec.js").Ack} ack */
  async acknowledge(ack) {
    const count = ack.count - this.ackedCount;
    if (count <= 0) return;
    if (count > this.inFlight.length) {
      throw new ProtocolError(`ack for ${ack.count} updates, only ${this.ackedCount + this.inFlight.length} sent`, { code: CloseCode.BAD_MESSAGE });
    }
    const done = this.inFlight.splice(0, count);
    this.ackedCount = ack.count;
    const upto = Math.max(...done);
    if (upto) await this.replica.acknowledge(upto);
    this.events.push({ type: "Acknowledged", outboxSeq: upto, seq: ack.seq });
    this.ownSeqs.add(ack.seq);
    this.advance(this.cursor);
  }
  /**
   * @private
   * @param {number} code
   * @param {string} reason
   * @param {boolean} tellPeer
   */
  fail(code, reason, tellPeer) {
    if (this.failed !== null) return;
    this.failed = { type: "Failed", code, reason };
    this.events.push(this.failed);
    if (tellPeer) this.outgoing.push(encode({ type: "Error", code, reason }));
  }
  // -------------------------------------------------------------- the decision
  /** Decide what to send, from the current state alone. @private */
  async evaluate() {
    if (!this.connected || this.failed !== null) return;
    if (!this.greeted) {
      this.greeted = true;
      this.send({
        type: "Hello",
        protocolVersion: PROTOCOL_VERSION,
        replicaId: this.replica.replicaId,
        resumeCursor: this.cursor
      });
      if (this.cursor === 0) {
        this.send({ type: "SyncStep1", stateVector: await this.replica.stateVector() });
      }
    }
    while (this.step1FromPeer.length > 0) {
      const stateVector = (
        /** @type {Uint8Array} */
        this.step1FromPeer.shift()
      );
      const upto = this.replica.lastSeq;
      this.inFlight.push(upto);
      this.send({ type: "SyncStep2", update: await this.replica.diff(stateVector) });
      this.sentUpto = Math.max(this.sentUpto, upto);
    }
    if (this.replica.missing() && !this.repairRequested) {
      this.repairRequested = true;
      this.send({ type: "SyncStep1", stateVector: await this.replica.stateVector() });
    }
    if (this.heard) await this.flushOutbox();
    if (this.caughtUp && this.inFlight.length === 0 && !this.syncedReported) {
      this.syncedReported = true;
      this.events.push({ type: "Synced", seq: this.cursor });
    }
  }
  /** @private */
  async flushOutbox() {
    while (this.inFlight.length < this.window) {
      const whole = this.replica.restamped;
      let entries = await this.replica.outbox(this.sentUpto, whole ? void 0 : this.batch);
      if (entries.length === 0) return;
      let size2 = 0;
      for (let n = 0; n < entries.length; n++) {
        size2 += entries[n][1].length;
        if (n > 0 && size2 > this.batchBytes && !whole) {
          entries = entries.slice(0, n);
          break;
        }
      }
      const updates = entries.map(([, update2]) => update2);
      const update = updates.length === 1 ? updates[0] : mergeUpdates(updates);
      this.sentUpto = entries[entries.length - 1][0];
      this.inFlight.push(this.sentUpto);
      this.syncedReported = false;
      this.send({ type: "SyncUpdate", update });
    }
  }
  /** @private @param {import("./codec.js").Message} message */
  send(message) {
    this.outgoing.push(encode(message));
  }
};

// app/connection.js
var FIRST_RETRY_MS = 1e3;
var LAST_RETRY_MS = 5 * 6e4;
var REFUSED = /* @__PURE__ */ new Set([4401, 4403, 4404]);
function spaceUrl(relay, space) {
  const base = new URL(relay);
  base.protocol = base.protocol === "https:" || base.protocol === "wss:" ? "wss:" : "ws:";
  base.pathname = `${base.pathname.replace(/\/+$/, "")}/v1/spaces/${encodeURIComponent(space)}`;
  base.search = "";
  base.hash = "";
  return base.toString();
}
var protocols = (token) => ["handsync", `handsync.token.${token}`];
var Connection = class {
  /** @param {ConnectionOptions} options */
  constructor(options) {
    this.options = options;
    this.Socket = options.WebSocket ?? globalThis.WebSocket;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.socket = null;
    this.session = null;
    this.retryTimer = null;
    this.failures = 0;
    this.opening = false;
    this.queue = Promise.resolve();
    this.status = {
      state: "stopped",
      waiting: 0,
      lastSent: null,
      lastReceived: null,
      lastSynced: null,
      reachable: false,
      error: null,
      nextTryAt: null
    };
  }
  /** Sync now (the app was opened), and stay connected; say at once how many edits wait. */
  start() {
    this.refreshWaiting().catch(() => void 0);
    this.syncNow();
  }
  stop() {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket?.close(1e3, "closed by the app");
    this.socket = null;
    this.update({ state: "stopped" });
  }
  /**
   * The schedule's sync: a fresh round even when a connection is open (it may have died
   * without a word, as a phone's connection does when it changes networks), and one at
   * once, not at the end of a back-off, when there is none.
   */
  scheduled() {
    if (this.status.state === "refused" || this.opening) return;
    const socket = this.socket;
    if (socket && socket.readyState <= 1) {
      this.socket = this.session = null;
      socket.close(1e3, "scheduled sync");
    }
    this.failures = 0;
    this.syncNow();
  }
  /** Connect at once unless already connected (a live connection is in sync already). */
  syncNow() {
    if (this.status.state === "refused" || this.opening) return;
    if (this.socket && this.socket.readyState <= 1) return;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.opening = true;
    this.open().catch((error) => this.failed(null, `cannot sync: ${error.message}`)).finally(() => {
      this.opening = false;
    });
  }
  /** Tell the session about a local edit, so that it goes out now when connected. Never
   * throws: the edit is stored already, and a failure to send it is the status's business. */
  async localChanged() {
    await this.refreshWaiting().catch(() => void 0);
    const session = this.session;
    if (!session) return;
    await this.run(session, async () => {
      await session.localChanged();
      this.flush();
    });
  }
  /**
   * Run `job` for `session` after everything queued before it. A job of a session that is
   * no longer the current one is dropped (an old connection's late frames must not act on
   * the new one); a job that throws (the storage refused a write, say) ends that
   * connection as a failure, to be tried again, and never stops the queue.
   * @param {SyncSession} session @param {() => Promise<void>} job
   */
  run(session, job) {
    this.queue = this.queue.then(async () => {
      if (session !== this.session) return;
      try {
        await job();
      } catch (error) {
        if (session !== this.session) return;
        const socket = this.socket;
        this.socket = this.session = null;
        socket?.close(4500, "the app could not go on");
        this.failed(null, `sync stopped: ${/** @type {Error} */
        error.message ?? error}`);
      }
    });
    return this.queue;
  }
  /** Take a new token (after enrolling again); a refused connection may then try again. */
  retryWith(url, token) {
    this.options = { ...this.options, url, token };
    this.failures = 0;
    this.update({ state: "offline", error: null });
    this.syncNow();
  }
  async open() {
    const cursor = await this.options.loadCursor();
    this.update({ state: "connecting", nextTryAt: null });
    const socket = new this.Socket(this.options.url, protocols(this.options.token));
    socket.binaryType = "arraybuffer";
    const session = new SyncSession(this.options.replica, { resumeCursor: cursor });
    this.socket = socket;
    this.session = session;
    socket.addEventListener("open", () => {
      this.run(session, async () => {
        this.update({ reachable: true });
        await session.connect();
        this.flush();
      });
    });
    socket.addEventListener("message", (message) => {
      this.run(session, () => this.receive(session, message.data));
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.session = null;
      if (event.code === 1e3 && this.status.state === "stopped") return;
      this.closed(event.code, event.reason);
    });
  }
  /** @param {SyncSession} session @param {unknown} data */
  async receive(session, data) {
    if (!(data instanceof ArrayBuffer)) {
      const socket = this.socket;
      this.socket = this.session = null;
      socket?.close(4400, "text frame");
      this.failed(4400, "the relay sent something that is not a sync message");
      return;
    }
    await session.receiveData(new Uint8Array(data));
    this.flush();
    for (const event of session.eventsReceived()) {
      if (session !== this.session) return;
      await this.handle(event);
    }
    await this.refreshWaiting();
  }
  /** @param {any} event */
  async handle(event) {
    const kind = eventKind(event);
    if (kind === "Received") {
      this.update({ lastReceived: this.now() });
      this.options.onReceived();
    } else if (kind === "Acknowledged") {
      this.update({ lastSent: this.now() });
      await this.options.onAcknowledged(event.outboxSeq);
    } else if (kind === "CursorAdvanced") {
      await this.options.saveCursor(event.seq);
    } else if (kind === "Synced") {
      this.failures = 0;
      this.update({ state: "live", lastSynced: this.now(), error: null });
    } else if (kind === "Failed") {
      const socket = this.socket;
      this.socket = this.session = null;
      socket?.close(
        event.code >= 4e3 && event.code < 5e3 ? event.code : 4400,
        String(event.reason).slice(0, 120)
      );
      if (REFUSED.has(event.code)) this.closed(event.code, event.reason);
      else this.failed(event.code, `sync failed: ${event.reason} (code ${event.code})`);
    }
  }
  flush() {
    const socket = this.socket;
    const session = this.session;
    if (!socket || !session || socket.readyState !== 1) return;
    for (const frame of session.dataToSend()) socket.send(frame);
  }
  /** @param {number} code @param {string} reason */
  closed(code, reason) {
    if (REFUSED.has(code)) {
      this.update({
        state: "refused",
        reachable: true,
        error: { code, message: refusal(code, reason), at: this.now() }
      });
      return;
    }
    const message = code === 1006 || code === 1005 ? "the relay cannot be reached" : code === 1001 ? "the relay went away (it stopped or is restarting)" : `the relay closed the connection: ${reason || "no reason given"} (code ${code})`;
    this.failed(code === 1006 || code === 1005 ? null : code, message);
  }
  /** @param {number | null} code @param {string} message */
  failed(code, message) {
    this.failures += 1;
    const delay = retryDelay(this.failures, this.random);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.syncNow();
    }, delay);
    this.update({
      state: this.status.state === "refused" ? "refused" : "offline",
      reachable: code !== null,
      error: { code, message, at: this.now() },
      nextTryAt: this.now() + delay
    });
  }
  async refreshWaiting() {
    const waiting2 = (await this.options.replica.outbox(0)).length;
    if (waiting2 !== this.status.waiting) this.update({ waiting: waiting2 });
  }
  /** @param {Partial<SyncStatus>} change */
  update(change) {
    this.status = { ...this.status, ...change };
    this.options.onStatus(this.status);
  }
};
function retryDelay(failures, random2) {
  const full = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(full / 2 + random2() * (full / 2));
}
function refusal(code, reason) {
  if (code === 4401) {
    return `the relay does not accept this phone's token (${reason || "token refused"}, code 4401): ask for a new link. Your contacts and waiting edits stay on this phone.`;
  }
  if (code === 4404) return `the relay has no such space (code 4404)`;
  return `the relay refused this phone (${reason || "forbidden"}, code ${code})`;
}
function eventKind(event) {
  return String(event?.type ?? event?.kind ?? event?.constructor?.name ?? "");
}

// app/rpc.js
function serve(port2, handlers) {
  let queue = Promise.resolve();
  port2.addEventListener("message", (message) => {
    const request = (
      /** @type {Request} */
      message.data
    );
    queue = queue.then(async () => {
      const handler = Object.hasOwn(handlers, request.method) ? handlers[request.method] : void 0;
      try {
        if (!handler) throw new Error(`no such call: ${request.method}`);
        port2.postMessage({ id: request.id, ok: true, result: await handler(...request.args) });
      } catch (thrown) {
        const error = (
          /** @type {Error & { field?: string }} */
          thrown
        );
        port2.postMessage({
          id: request.id,
          ok: false,
          error: { name: error.name ?? "Error", message: String(error.message ?? error), field: error.field }
        });
      }
    });
  });
  return {
    /** @param {string} event @param {unknown} data */
    send(event, data) {
      port2.postMessage(
        /** @type {Event} */
        { event, data }
      );
    }
  };
}

// app/text_change.js
function textChange(before, after) {
  if (before === after) return null;
  let head = 0;
  const most = Math.min(before.length, after.length);
  while (head < most && before.charCodeAt(head) === after.charCodeAt(head)) head++;
  if (head > 0 && isHighSurrogate(before.charCodeAt(head - 1))) head--;
  let tail = 0;
  while (tail < most - head && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  if (tail > 0 && isLowSurrogate(before.charCodeAt(before.length - tail))) tail--;
  const removed = before.slice(head, before.length - tail);
  const insert = after.slice(head, after.length - tail);
  return {
    index: [...before.slice(0, head)].length,
    delete: [...removed].length,
    insert,
    unitIndex: head,
    unitDelta: insert.length - removed.length
  };
}
function rebase(other, index, count) {
  if (other === null) return { index, delete: count };
  const start = other.index;
  const end = other.index + other.delete;
  const added = [...other.insert].length;
  if (index + count <= start) return { index, delete: count };
  if (index >= end) return { index: index + added - other.delete, delete: count };
  return { index: start + added, delete: Math.max(0, index + count - end) };
}
var isHighSurrogate = (unit) => unit >= 55296 && unit <= 56319;
var isLowSurrogate = (unit) => unit >= 56320 && unit <= 57343;

// app/waiting.js
var META2 = "app.waiting";
var Waiting = class {
  /**
   * @param {{ getMeta(key: string): string | null, setMeta(values: Record<string, string>): Promise<void>,
   *   outbox(afterSeq?: number, limit?: number): Promise<unknown[]> }} replica
   */
  constructor(replica2) {
    this.replica = replica2;
    this.notes = /* @__PURE__ */ new Map();
    try {
      const stored2 = JSON.parse(replica2.getMeta(META2) ?? "{}");
      for (const [key, seq] of Object.entries(stored2)) {
        if (typeof seq === "number") this.notes.set(key, seq);
      }
    } catch {
    }
  }
  /** Forget the notes if nothing waits in the outbox. */
  async settle() {
    if (this.notes.size && (await this.replica.outbox(0, 1)).length === 0) {
      this.notes.clear();
      await this.save();
    }
  }
  /** A local edit of `kind`/`id` was stored as log entry `seq`. @param {string} kind @param {string} id @param {number} seq */
  async edited(kind, id2, seq) {
    this.notes.set(`${kind}/${id2}`, seq);
    await this.save();
  }
  /** The relay holds every outbox entry up to `seq`. @param {number} seq */
  async acknowledged(seq) {
    let changed = false;
    for (const [key, noted] of this.notes) {
      if (noted <= seq) {
        this.notes.delete(key);
        changed = true;
      }
    }
    if (changed) await this.save();
  }
  /** The waiting records, as "kind/id". */
  keys() {
    return [...this.notes.keys()];
  }
  async save() {
    await this.replica.setMeta({ [META2]: JSON.stringify(Object.fromEntries(this.notes)) });
  }
};

// app/worker.js
var APP_VERSION = package_default.version;
var KINDS2 = ["contact", "company", "group", "note", "history", "activity", "opportunity"];
var RECENT_ERRORS = 10;
var CURSOR_META = "app.cursor";
var replica = null;
var storage = null;
var connection = null;
var waiting = null;
var errors = [];
var openedAt = 0;
var decodeMs = 0;
var port = (
  /** @type {any} */
  globalThis
);
var channel = serve(port, {
  open,
  create: (kind, fields) => edit(kind, null, (r) => r.create(kind, fields)),
  update: (kind, id2, fields) => edit(kind, id2, (r) => r.update(kind, id2, fields)),
  delete: (kind, id2) => edit(kind, id2, (r) => r.delete(kind, id2)),
  restore: (kind, id2) => edit(kind, id2, (r) => r.restore(kind, id2)),
  resolve: (kind, id2, field, value) => edit(kind, id2, (r) => r.resolve(kind, id2, field, value)),
  editNoteText: (id2, index, change) => edit("note", id2, (r) => r.editNoteText(id2, index, change)),
  editNoteFrom: (id2, base, index, change) => edit("note", id2, (r) => {
    const now = String(r.get("note", id2, { includeDeleted: true }).text ?? "");
    const moved = rebase(textChange(base, now), index, change.delete);
    return r.editNoteText(id2, moved.index, { insert: change.insert, delete: moved.delete });
  }),
  addToGroup: (group, contact) => edit("group", group, (r) => r.addToGroup(group, contact)),
  removeFromGroup: (group, contact) => edit("group", group, (r) => r.removeFromGroup(group, contact)),
  get: (kind, id2) => ready().get(kind, id2, { includeDeleted: true }),
  conflicts: (kind, id2) => ready().conflicts(kind, id2),
  // "Sync now" and the schedule: a fresh round, even over an open connection.
  syncNow: () => connection?.scheduled(),
  scheduledSync: () => connection?.scheduled(),
  enrolAgain: (e) => connection?.retryWith(spaceUrl(e.relay, e.space), e.token),
  diagnostics
});
function ready() {
  if (!replica) throw new Error("the space is not open yet");
  return replica;
}
async function edit(kind, id2, change) {
  const opened = ready();
  const before = opened.lastSeq;
  const result = await change(opened);
  if (waiting && opened.lastSeq !== before) {
    await waiting.edited(kind, id2 ?? String(result), opened.lastSeq);
    channel.send("waiting", waiting.keys());
  }
  void connection?.localChanged();
  return result;
}
async function open(enrolment) {
  openedAt = performance.now();
  storage = await IndexedDbStorage.open(`handsync:${enrolment.relay}:${enrolment.space}`);
  for (const kind of KINDS2) {
    channel.send("rows", { kind, rows: await storage.rows(kind), replace: true });
  }
  channel.send("painted", { ms: performance.now() - openedAt });
  const started = performance.now();
  replica = await WebReplica.open(storage, { clock: () => Date.now() });
  let locale = replica.locale;
  replica.onRows((rows, whole) => {
    for (const kind of whole ? KINDS2 : new Set(rows.map((row) => row.kind))) {
      channel.send("rows", { kind, rows: rows.filter((row) => row.kind === kind), replace: whole });
    }
    const now = (
      /** @type {WebReplica} */
      replica.locale
    );
    if (now !== locale) channel.send("locale", { locale: locale = now });
  });
  decodeMs = performance.now() - started;
  channel.send("ready", { decodeMs, locale: replica.locale });
  const noted = new Waiting(replica);
  waiting = noted;
  await noted.settle();
  channel.send("waiting", noted.keys());
  const opened = replica;
  connection = new Connection({
    replica,
    url: spaceUrl(enrolment.relay, enrolment.space),
    token: enrolment.token,
    // The relay log place this phone holds up to: resumed from at the next connection.
    loadCursor: async () => Number(opened.getMeta(CURSOR_META) ?? 0),
    saveCursor: (seq) => opened.setMeta({ [CURSOR_META]: String(seq) }),
    onStatus: (status) => {
      if (status.error && errors.at(-1) !== status.error) {
        errors.push(status.error);
        errors.splice(0, Math.max(0, errors.length - RECENT_ERRORS));
      }
      channel.send("status", status);
    },
    onReceived: () => {
    },
    onAcknowledged: async (outboxSeq) => {
      await noted.acknowledged(outboxSeq);
      channel.send("waiting", noted.keys());
    }
  });
  connection.start();
  return { decodeMs };
}
async function diagnostics() {
  const status = connection?.status;
  const stats = storage ? await storage.stats() : null;
  const when = (ms) => ms ? new Date(ms).toISOString() : "never";
  const lines = [
    `handsync app ${APP_VERSION}`,
    `browser: ${globalThis.navigator?.userAgent ?? "unknown"}`,
    `sync: ${status?.state ?? "not started"}, relay reachable: ${status?.reachable ? "yes" : "no"}`,
    `edits waiting: ${status?.waiting ?? "?"}`,
    `last sent: ${when(status?.lastSent)}, last received: ${when(status?.lastReceived)}`,
    `opened in ${decodeMs.toFixed(0)} ms`,
    stats ? `stored: ${stats.records} records, log ${stats.logEntries} entries (${stats.logBytes} bytes), snapshot ${stats.snapshotBytes} bytes, outbox ${stats.outbox}` : "stored: not open",
    "recent errors:",
    ...errors.length ? errors.map((e) => `  ${new Date(e.at).toISOString()} ${e.code ?? "-"} ${e.message}`) : ["  none"]
  ];
  return lines.join("\n");
}
export {
  APP_VERSION
};
