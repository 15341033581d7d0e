"""A JavaScript replica in a Node process, driven from Python (clients/web/tools/driver.js).

:class:`NodeEngine` is one Node process holding any number of web replicas (each on the
web engine's MemoryStorage); :class:`JsReplica` is one of them with the calls the suite
needs, named as on :class:`engine.replica.Replica`, so one test can drive a Python and a
JavaScript replica alike. Requests and answers are JSON lines; every read of an answer
has a deadline, so a hung Node process fails the test instead of stalling it.
"""

from __future__ import annotations

import json
import selectors
import shutil
import subprocess
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from engine.replica import Replica
from engine.schema import KINDS
from engine.store import RecordQuery

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "clients" / "web" / "tools" / "driver.js"
ANSWER_SECONDS = 30.0
#: Row columns the two engines share. The Python row's sort key is an ICU key; the web
#: engine keeps the sort fields and orders them with Intl.Collator (same order, other form).
ROW_COLUMNS = ("kind", "id", "deleted", "updated", "updated_by", "data", "search", "sort_tail",
               "company_id", "company", "links", "conflicts")


class JsError(Exception):
    """A call the JavaScript replica refused: ``name`` is its error class."""

    def __init__(self, name: str, message: str, code: Any = None) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
        self.code = code


class NodeEngine:
    """One Node process running the driver; close it (or use ``with``) when done."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("Node 20+ is needed for the web engine's tests (see README)")
        self.process = subprocess.Popen(
            [node, str(DRIVER)], cwd=DRIVER.parent, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self.selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self.selector.register(self.process.stdout, selectors.EVENT_READ)

    def __enter__(self) -> NodeEngine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.selector.close()

    def request(self, **request: Any) -> Any:
        """Send one request and return its result; raise JsError for a refused call."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        deadline = time.monotonic() + ANSWER_SECONDS
        while not self.selector.select(timeout=max(0.0, deadline - time.monotonic())):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no answer from the web engine to {request['op']}")
        line = self.process.stdout.readline()
        if not line:
            stderr = self.process.stderr.read() if self.process.stderr else ""
            raise RuntimeError(f"the web engine's process ended: {stderr[-2000:]}")
        answer = json.loads(line)
        if not answer["ok"]:
            error = answer["error"]
            raise JsError(error["name"], error["message"], error.get("code"))
        return answer.get("result")  # absent when the call returned nothing

    def replica(self, name: str, client_id: int, now: int) -> JsReplica:
        """Open a new web replica named ``name`` (its record ids are ``<name>-1`` …)."""
        self.request(op="open", name=name, replicaId=name, clientId=client_id, now=now)
        return JsReplica(self, name)

    def reset(self) -> None:
        self.request(op="reset")


class JsReplica:
    """A web replica in the Node process, with the Python replica's names."""

    def __init__(self, engine: NodeEngine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.replica_id = name
        self.now: int | None = None  # when set, the wall clock each call starts from

    def call(self, method: str, *args: Any) -> Any:
        return self.engine.request(op="call", name=self.name, method=method, args=list(args),
                                   now=self.now)

    def create(self, kind: str, fields: dict[str, Any], *, record_id: str | None = None) -> str:
        if record_id is not None:
            return str(self.call("create", kind, fields, {"id": record_id}))
        return str(self.call("create", kind, fields))

    def update(self, kind: str, record_id: str, fields: dict[str, Any]) -> None:
        self.call("update", kind, record_id, fields)

    def delete(self, kind: str, record_id: str) -> None:
        self.call("delete", kind, record_id)

    def restore(self, kind: str, record_id: str) -> None:
        self.call("restore", kind, record_id)

    def resolve(self, kind: str, record_id: str, field: str, value: Any) -> None:
        self.call("resolve", kind, record_id, field, value)

    def add_to_group(self, group_id: str, contact_id: str) -> None:
        self.call("addToGroup", group_id, contact_id)

    def remove_from_group(self, group_id: str, contact_id: str) -> None:
        self.call("removeFromGroup", group_id, contact_id)

    def edit_note_text(self, note_id: str, index: int, *, insert: str = "", delete: int = 0) -> None:
        self.call("editNoteText", note_id, index, {"insert": insert, "delete": delete})

    def outbox(self, after_seq: int = 0) -> list[tuple[int, bytes]]:
        return [(int(seq), bytes.fromhex(update)) for seq, update in
                self.engine.request(op="outbox", name=self.name, after=after_seq)]

    def apply_remote(self, updates: list[bytes]) -> Any:
        return self.engine.request(op="apply", name=self.name, updates=[u.hex() for u in updates])

    def diff(self, state_vector: bytes | None = None) -> bytes:
        args = [] if state_vector is None else [{"$bytes": state_vector.hex()}]
        return bytes.fromhex(self.call("diff", *args))

    def reopen(self) -> None:
        self.engine.request(op="reopen", name=self.name)

    def contents(self) -> dict[str, Any]:
        """What :func:`contents` gives for a Python replica, from the web replica."""
        raw = self.engine.request(op="contents", name=self.name, kinds=list(KINDS))
        out: dict[str, Any] = {kind: raw[kind] for kind in KINDS}
        out["conflicts"] = raw["conflicts"]
        out["rows"] = {kind: [{c: row[c] for c in ROW_COLUMNS} for row in raw[f"rows:{kind}"]]
                       for kind in KINDS}
        out["missing"] = raw["missing"]
        return out


def contents(replica: Replica) -> dict[str, Any]:
    """Everything a person can read of a Python replica, and its rows, as JSON data."""
    out: dict[str, Any] = {kind: replica.list(kind, include_deleted=True) for kind in KINDS}
    out["conflicts"] = replica.conflicts()
    out["rows"] = {kind: [{c: asdict(row)[c] for c in ROW_COLUMNS} for row in
                          replica.store.query(RecordQuery(kind, include_deleted=True))]
                   for kind in KINDS}
    out["missing"] = replica.missing
    return json.loads(json.dumps(out, ensure_ascii=False))
