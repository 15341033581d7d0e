"""Reading the structure of a Yjs update (v1) without applying it.

pycrdt 0.14 integrates a client's structs even when that client's earlier
structs are missing, and shows them, while its state vector does not count
them; a restart (which merges the log into one update) then leaves them
pending, so the replica would show less after a restart than before it
(engine/gaps.py). To never hand pycrdt such an update, the replica first asks
:func:`is_ready`: does everything in the update follow on from what the
document already holds?

Layout of an update v1, as written by Yjs and yrs (lib0 encoding: varUint is
7 bits per byte, least significant first; a string is a varUint byte length and
UTF-8 bytes):

* varUint number of clients; for each client: varUint number of structs,
  varUint client id, varUint clock of the first struct, then the structs;
* a struct starts with an info byte whose low 5 bits say what it is: 0 a GC
  range and 10 a Skip (a hole in a merged update), each followed by a varUint
  length; any other value is an Item: if bit 0x80 is set, the ID (client,
  clock) of its left origin follows; if bit 0x40, its right origin; if neither,
  its parent: varUint 1 and a root type name, or varUint 0 and the parent's
  ID; then, if bit 0x20, a key string (its place in a map). The content comes
  last, by the low 5 bits: 1 deleted (varUint length), 2 JSON (varUint count,
  strings), 3 binary (varUint length, bytes), 4 string, 5 embed (string),
  6 format (two strings), 7 type (varUint type ref, plus a name string for
  refs 3 and 5), 8 any (varUint count, lib0 "any" values), 9 subdocument
  (guid string, one "any");
* the delete set: varUint number of clients; for each, varUint client id,
  varUint number of ranges, each a varUint clock and a varUint length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pycrdt import merge_updates

from engine.clock import decode_stamp
from engine.codec import Reader
from engine.errors import ProtocolError

MERGE_FAN_IN = 32
_GC, _SKIP = 0, 10
_LENGTH_CONTENT = (1,)  # deleted: the item's length is the varUint that follows
_XML_NAMED_TYPES = (3, 5)  # XmlElement and XmlHook carry a name


@dataclass(slots=True)
class UpdateShape:
    """What an update holds, by client: where its structs start and end, and what
    the structs refer to outside themselves."""

    #: client -> (clock of the first struct, clock after the last one)
    ranges: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: True if a Skip struct leaves a hole inside one client's range
    holes: bool = False
    #: (client, clock) of every origin and parent the items name
    refs: list[tuple[int, int]] = field(default_factory=list)


def merge(updates: Sequence[bytes], fan_in: int = MERGE_FAN_IN) -> bytes:
    """Merge updates into one, as pycrdt's ``merge_updates`` does, in rounds.

    yrs's merge costs more per update the more updates one call takes: 1,000 one-field
    edits cost 5.6 us each merged in one call, 1.4 us each merged ``fan_in`` (32) at a
    time and the results merged again (6,000 creates: 317 ms against 173 ms). The result
    is the same update, or where updates overlap (one struct twice, once
    garbage-collected) one that builds the same document. ValueError if one is malformed.
    """
    parts = list(updates)
    while len(parts) > fan_in:
        parts = [merge_updates(*parts[i:i + fan_in]) for i in range(0, len(parts), fan_in)]
    return merge_updates(*parts)


def read_shape(update: bytes) -> UpdateShape:
    """Parse the structs of ``update``; ProtocolError if they are malformed."""
    reader = Reader(update)
    shape = UpdateShape()
    for _ in range(reader.read_var_uint()):
        count = reader.read_var_uint()
        client = reader.read_var_uint()
        start = clock = reader.read_var_uint()
        for _ in range(count):
            info = reader.read_byte()
            ref = info & 0x1F
            if ref in (_GC, _SKIP):
                length = reader.read_var_uint()
                if ref == _SKIP:
                    shape.holes = True
            else:
                length, _ = _read_item(reader, info, ref, shape.refs)
            clock += length
        if count:
            shape.ranges[client] = (start, clock)
    return shape


def is_ready(update: bytes, state: dict[int, int]) -> bool:
    """True if every struct of ``update`` follows on from a document at ``state``.

    ``update`` must hold only what the document lacks (``get_update(u, state)``):
    then each client's structs must start exactly where the document's stop, with
    no hole, and every origin or parent they name must be in the document or in
    the update itself.
    """
    shape = read_shape(update)
    if shape.holes:
        return False
    for client, (start, _end) in shape.ranges.items():
        if start != state.get(client, 0):
            return False
    for client, clock in shape.refs:
        if clock < state.get(client, 0):
            continue
        own = shape.ranges.get(client)
        if own is None or not own[0] <= clock < own[1]:
            return False
    return True


# Every entry key is in an update's bytes as it is (a UTF-8 string): "|<stamp>|" in it.
# (The closing bar is looked ahead at, not taken: "a|b|<stamp>|r" must find the stamp.)
_STAMP_TEXT = re.compile(rb"\|([0-9a-z]{1,16})(?=\|)")


def live_stamp_after(update: bytes, limit: int) -> int | None:
    """Return the newest stamp of a live entry ``update`` writes if it is later than
    ``limit``, else None. Reads, never applies; ProtocolError if it must parse the update
    and it is malformed.

    A scan of the raw bytes comes first: when nothing there even looks like a stamp later
    than ``limit`` (the usual case, ~1 us), the structs are not parsed (~10 us).
    """
    if not any(int(text, 36) > limit for text in _STAMP_TEXT.findall(update)):
        return None
    newest = newest_live_stamp(update)
    return newest if newest is not None and newest > limit else None


def newest_live_stamp(update: bytes) -> int | None:
    """Return the newest stamp of a live entry ``update`` writes, or None if it writes none.

    The update is only read, never applied (see :func:`live_entries`).
    """
    return max((stamp for _key, stamp in live_entries(update)), default=None)


def live_entries(update: bytes) -> list[tuple[str, int]]:
    """Return (key, stamp) of every live entry ``update`` writes.

    An entry (engine/registers.py) is a map item whose key is ``<field>|<stamp>|<replica>``;
    it is live unless its content is deleted or the update's own delete set covers it
    (an edit and the re-stamping that retired it, merged into one update). The update
    is only read, never applied. ProtocolError if it is malformed.
    """
    reader = Reader(update)
    keyed: list[tuple[int, int, str]] = []  # (client, clock, key) of items with content
    refs: list[tuple[int, int]] = []
    for _ in range(reader.read_var_uint()):
        count = reader.read_var_uint()
        client = reader.read_var_uint()
        clock = reader.read_var_uint()
        for _ in range(count):
            info = reader.read_byte()
            ref = info & 0x1F
            if ref in (_GC, _SKIP):
                clock += reader.read_var_uint()
                continue
            length, key = _read_item(reader, info, ref, refs)
            if key is not None and ref != 1 and key.count("|") >= 2:
                keyed.append((client, clock, key))
            clock += length
    deleted = _read_delete_set(reader)
    found: list[tuple[str, int]] = []
    for client, clock, key in keyed:
        try:
            stamp = decode_stamp(key.rsplit("|", 2)[1])
        except ValueError:
            continue  # not an entry key
        if not _covered(deleted.get(client), clock):
            found.append((key, stamp))
    return found


def _read_delete_set(reader: Reader) -> dict[int, list[tuple[int, int]]]:
    """Read an update's delete set: client -> [(first clock, length)]."""
    ranges: dict[int, list[tuple[int, int]]] = {}
    if reader.at_end:
        return ranges  # some writers leave out an empty delete set
    for _ in range(reader.read_var_uint()):
        client = reader.read_var_uint()
        ranges[client] = [(reader.read_var_uint(), reader.read_var_uint())
                          for _ in range(reader.read_var_uint())]
    return ranges


def _covered(ranges: list[tuple[int, int]] | None, clock: int) -> bool:
    return any(start <= clock < start + length for start, length in ranges or ())


def _read_item(reader: Reader, info: int, ref: int,
               refs: list[tuple[int, int]]) -> tuple[int, str | None]:
    """Read one item after its info byte; return its length in clock ticks and its key."""
    key = _read_head(reader, info, refs)
    return _read_content(reader, ref), key


def _read_head(reader: Reader, info: int, refs: list[tuple[int, int]]) -> str | None:
    """Read an item's origins and parent; return its key in a parent map, if any."""
    key = None
    if info & 0x80:
        refs.append((reader.read_var_uint(), reader.read_var_uint()))
    if info & 0x40:
        refs.append((reader.read_var_uint(), reader.read_var_uint()))
    if not info & 0xC0:
        if reader.read_var_uint() == 1:
            reader.read_var_string()  # a root type's name
        else:
            refs.append((reader.read_var_uint(), reader.read_var_uint()))
        if info & 0x20:
            key = reader.read_var_string()  # the key in the parent map
    return key


def _read_content(reader: Reader, ref: int) -> int:
    """Read an item's content; return its length in clock ticks."""
    if ref == 1:  # deleted
        return reader.read_var_uint()
    if ref == 2:  # JSON values
        count = reader.read_var_uint()
        for _ in range(count):
            reader.read_var_string()
        return count
    if ref in (3, 4, 5):  # binary, string, embed
        raw = reader.read_var_bytes()
        if ref == 4:  # a string's length counts UTF-16 code units
            text = raw.decode("utf-8", errors="surrogatepass")
            return len(text.encode("utf-16-le", errors="surrogatepass")) // 2
        return 1
    if ref == 6:  # format
        reader.read_var_string()
        reader.read_var_string()
        return 1
    if ref == 7:  # a nested type
        if reader.read_var_uint() in _XML_NAMED_TYPES:
            reader.read_var_string()
        return 1
    if ref == 8:  # "any" values
        count = reader.read_var_uint()
        for _ in range(count):
            _skip_any(reader)
        return count
    if ref == 9:  # a subdocument
        reader.read_var_string()
        _skip_any(reader)
        return 1
    raise ProtocolError(f"unknown struct content type {ref}", code=4400)


def _skip_any(reader: Reader, depth: int = 0) -> None:
    """Read past one lib0 "any" value."""
    if depth > 100:
        raise ProtocolError("an 'any' value nests too deep", code=4400)
    tag = reader.read_byte()
    if tag in (127, 126, 121, 120):  # undefined, null, false, true
        return
    if tag == 125:  # integer (varInt)
        while reader.read_byte() & 0x80:
            pass
    elif tag == 124:
        reader.read_bytes(4)
    elif tag in (123, 122):
        reader.read_bytes(8)
    elif tag in (119, 116):  # string, bytes
        reader.read_var_bytes()
    elif tag == 118:  # object
        for _ in range(reader.read_var_uint()):
            reader.read_var_string()
            _skip_any(reader, depth + 1)
    elif tag == 117:  # array
        for _ in range(reader.read_var_uint()):
            _skip_any(reader, depth + 1)
    else:
        raise ProtocolError(f"unknown 'any' value tag {tag}", code=4400)
