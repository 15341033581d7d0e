"""Defence against pycrdt leaving out-of-order updates pending.

pycrdt 0.14 (yrs 0.28) does not always integrate an update that arrives before
the updates it depends on, even once they arrive later in separate
``apply_update`` calls (tests/engine/test_gaps.py shows it on a raw Doc). Worse,
it sometimes *shows* such an update's structs while its state vector does not
count them, and a document rebuilt from the same updates merged (as a restart
does) does not show them: a replica would show less after a restart than before.

So a replica never hands pycrdt an update that does not follow on from the
document (engine/updates.py says whether one does):

* In order, the common case, a received batch is applied at once; afterwards
  :func:`left_waiting` checks that everything integrated (a cheap diff in yrs).
  If it did not, the replica rebuilds its document from its store the careful
  way, exactly as it would after a restart.
* The careful way is :meth:`GapTracker.settle`: apply each update that follows
  on from the document, repeatedly, and keep the rest waiting. Waiting updates
  are retried with every later batch and said to be ``missing``, so the sync
  session asks a peer for what lacks; snapshots never include them (the store
  keeps them beside the snapshot).
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

from pycrdt import Doc, get_update, merge_updates

from engine.codec import Reader, decode_state_vector
from engine.errors import ProtocolError
from engine.store import Loaded
from engine.updates import is_ready, merge, read_shape


def checked_merge(updates: list[bytes]) -> bytes:
    """Merge updates into one; ProtocolError (nothing applied) if one cannot be decoded."""
    try:
        return merge(updates)
    except ValueError:
        for index, update in enumerate(updates):
            try:
                merge_updates(update)
            except ValueError:
                raise ProtocolError(
                    f"update {index + 1} of {len(updates)} ({len(update)} bytes) is not a valid "
                    "Yjs update", code=4400) from None
        raise ProtocolError("updates cannot be merged", code=4400) from None


class GapTracker:
    """Received updates the document cannot integrate yet, kept in arrival order."""

    def __init__(self, waiting: list[bytes] | None = None) -> None:
        self.waiting: list[bytes] = list(waiting or ())

    @property
    def missing(self) -> bool:
        """True while some received updates wait for earlier ones."""
        return bool(self.waiting)

    def settle(self, doc: Doc[Any], updates: list[bytes]) -> bool:
        """Apply to ``doc`` every waiting or given update that follows on from it.

        Repeats until nothing more applies; what is left keeps waiting. Returns True
        if anything was applied. ``updates`` must decode (see :func:`checked_merge`).
        """
        candidates = [*self.waiting, *updates]
        applied_any, progress = False, True
        while progress and candidates:
            progress, kept = False, []
            for update in candidates:
                state = doc.get_state()
                rest = get_update(update, state)
                structs = _holds_structs(rest)
                known = decode_state_vector(state)
                if structs and not _follows_on(rest, known):
                    kept.append(update)
                    continue
                doc.apply_update(rest)
                applied_any = True
                # Progress only if the document grew: an update yrs still cannot integrate
                # (whatever is_ready missed) must not be retried forever.
                progress = progress or (structs and decode_state_vector(doc.get_state()) != known)
                if left_waiting(doc, update):
                    kept.append(update)  # deletes of items the document has not seen yet
            candidates = kept
        self.waiting = candidates
        return applied_any

    def snapshot_meta(self) -> dict[str, str]:
        """What a store keeps beside a snapshot, which never holds waiting updates."""
        return {"gap": "1" if self.waiting else "0",
                "waiting": " ".join(base64.b64encode(u).decode() for u in self.waiting)}


def left_waiting(doc: Doc[Any], applied: bytes) -> bool:
    """After ``doc.apply_update(applied)``: True if part of it did not integrate."""
    state = doc.get_state()
    return _holds_unintegrated(get_update(applied, state), decode_state_vector(state))


def _follows_on(rest: bytes, state: dict[int, int]) -> bool:
    # An update whose structs cannot be read is refused, not handed to yrs unchecked:
    # that is exactly the unsafe path this module exists to avoid.
    try:
        return is_ready(rest, state)
    except ProtocolError as exc:
        raise ProtocolError(f"cannot tell whether an update follows on ({exc.reason})",
                            code=exc.code) from None


def _holds_structs(update: bytes) -> bool:
    return Reader(update).read_var_uint() != 0


def _holds_unintegrated(rest: bytes, state: dict[int, int]) -> bool:
    """True if ``rest`` (an update diffed against ``state``) still needs integrating.

    Update v1 layout: varUint number of clients with structs, their structs, then
    the delete set (varUint clients; per client varUint id, varUint ranges; per
    range varUint clock, varUint length).
    """
    reader = Reader(rest)
    if reader.read_var_uint() != 0:
        return True  # structs the document has not integrated
    for _ in range(reader.read_var_uint()):
        client = reader.read_var_uint()
        known = state.get(client, 0)
        for _ in range(reader.read_var_uint()):
            clock = reader.read_var_uint()
            if clock + reader.read_var_uint() > known:
                return True  # deletes of items the document has not seen yet
    return False


def load_document(loaded: Loaded, client_id: int | None) -> tuple[Doc[Any], GapTracker]:
    """Build a replica's document from what its store holds.

    The snapshot only ever holds integrated content. If nothing was waiting when the
    store was last written, the log is merged and applied at once; otherwise each
    stored update is applied the careful way (engine/gaps.py), so the document
    shows exactly what it showed before.

    yrs hands out the next clock value of its client id from what it integrated.
    If some of this client's own stored updates wait for others, reusing the id
    would give new edits the ids of those updates, and replicas would never
    converge; this session then takes an id derived from ``client_id`` instead.
    """
    waiting = [base64.b64decode(u) for u in loaded.meta.get("waiting", "").split()]
    log = [e.update for e in loaded.log]
    careful = loaded.meta.get("gap") == "1" or bool(waiting)

    def build(doc: Doc[Any]) -> GapTracker:
        gaps = GapTracker(waiting)
        if loaded.snapshot:
            doc.apply_update(loaded.snapshot)
        if not careful and log:
            tail = log[0] if len(log) == 1 else merge(log)
            doc.apply_update(tail)
            if not left_waiting(doc, tail):
                return gaps
            raise _Careful
        gaps.settle(doc, log)
        return gaps

    def attempt(cid: int | None) -> tuple[Doc[Any], GapTracker]:
        nonlocal careful
        doc: Doc[Any] = Doc() if cid is None else Doc(client_id=cid)
        try:
            return doc, build(doc)
        except _Careful:
            careful = True
            doc = Doc() if cid is None else Doc(client_id=cid)
            return doc, build(doc)

    doc, gaps = attempt(client_id)
    if client_id is None or not gaps.missing:
        return doc, gaps
    candidate, n = client_id, 0
    while _own_updates_wait(candidate, doc, gaps):
        n += 1
        candidate = zlib.crc32(f"{client_id}:{n}".encode())
        doc, gaps = attempt(candidate)
    return doc, gaps


class _Careful(Exception):
    """The log did not integrate at once: load it the careful way."""


def _own_updates_wait(client_id: int, doc: Doc[Any], gaps: GapTracker) -> bool:
    state = doc.get_state()
    for update in gaps.waiting:
        try:
            if client_id in read_shape(get_update(update, state)).ranges:
                return True
        except ProtocolError:
            return True  # cannot tell: take another id, which is always safe
    return False
