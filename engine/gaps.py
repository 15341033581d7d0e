"""Defence against pycrdt leaving out-of-order updates pending.

pycrdt 0.14 (yrs 0.28) does not always integrate an update that arrives before
the updates it depends on, even once they arrive later in separate
``apply_update`` calls (shared/reference/pycrdt-notes.md has the repro). The
gap is detectable: after applying, the document's state vector is behind the
state vector of what was received. Applying the not-yet-integrated remainder
again *merged with* the newly arrived updates integrates it.

:class:`GapTracker` keeps that remainder, merges it into every later apply, and
says when something is still missing so the sync session asks a peer for it.
Snapshots include the remainder, so a restart never loses it.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, get_update, merge_updates

from engine.codec import Reader, decode_state_vector
from engine.errors import ProtocolError


def checked_merge(updates: list[bytes]) -> bytes:
    """Merge updates into one; ProtocolError (nothing applied) if one cannot be decoded."""
    try:
        return merge_updates(*updates)
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
    """Remembers received updates the document has not integrated yet."""

    def __init__(self) -> None:
        self.pending: bytes | None = None

    @property
    def missing(self) -> bool:
        """True while some received updates wait for earlier ones."""
        return self.pending is not None

    def with_pending(self, update: bytes) -> bytes:
        """Return ``update`` merged with what is still pending: apply this instead."""
        return update if self.pending is None else merge_updates(self.pending, update)

    def check(self, doc: Doc[Any], applied: bytes) -> None:
        """After ``doc.apply_update(applied)``, keep what did not integrate."""
        state = doc.get_state()
        rest = get_update(applied, state)
        self.pending = rest if _holds_unintegrated(rest, decode_state_vector(state)) else None

    def snapshot(self, doc: Doc[Any]) -> bytes:
        """Return the full state of ``doc`` plus whatever is still pending."""
        full = doc.get_update()
        return full if self.pending is None else merge_updates(full, self.pending)


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
