// The error the wire codec and the sync session raise for bytes that break the protocol,
// as engine/errors.py's ProtocolError: a close code (4400 for anything the codec cannot
// parse) and a short reason that fits in a close frame, word for word the Python text so
// both engines report the same bad frame alike (tests/vectors/wire.json).

export class ProtocolError extends Error {
  /**
   * @param {string} reason short human-readable text (what the peer is told)
   * @param {number} [code] WebSocket close code (docs/protocol.md), 4400 by default
   */
  constructor(reason, code = 4400) {
    super(`${reason} (code ${code})`);
    this.name = "ProtocolError";
    /** @readonly */
    this.code = code;
    /** @readonly */
    this.reason = reason;
  }
}
