"""Python and JavaScript replicas editing at random converge (issue 16's mixed convergence).

Each run has two Python replicas and one web replica (in the Node process of
tests/web_engine/node.py) on one shared clock, each replica's clock off by its own drawn
skew. Drawn steps edit records (few records and few fields, so that concurrent edits of
one field are common), delete and restore them, resolve conflicts, insert into note
bodies, change group members, deliver drawn subsets of the updates in flight in drawn
orders (some twice), and reopen replicas. At the end every update reaches every replica,
and all three must hold identical records, conflicts and rows, with nothing waiting.

``MIXED_CONVERGENCE_RUNS`` sets the number of seeded runs (200 by default); a failing
run prints its seed and its steps, and ``MIXED_CONVERGENCE_SEED=N`` runs that one alone.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from typing import Any

from engine.errors import RecordDeletedError, RecordNotFoundError
from engine.replica import Replica
from engine.store import MemoryStore
from tests.web_engine.node import JsError, JsReplica, NodeEngine, contents

RUNS = int(os.environ.get("MIXED_CONVERGENCE_RUNS", "200"))
ONLY = os.environ.get("MIXED_CONVERGENCE_SEED")
STEPS = 24
BASE_MS = 1_700_000_000_000
FIELDS = {"contact": ("first_name", "company", "job_title"), "group": ("name", "description")}
REFUSALS = ("RecordDeletedError", "RecordNotFoundError")


class Python:
    """A Python replica on a MemoryStore that a reopen opens again."""

    def __init__(self, name: str, client_id: int, clock: Callable[[], int]) -> None:
        self.name, self.client_id, self.clock = name, client_id, clock
        self.store = MemoryStore()
        self.ids = iter(range(1, 10_000))
        self.replica = self.open()

    def open(self) -> Replica:
        return Replica(self.store, clock=self.clock, replica_id=self.name,
                       new_id=lambda: f"{self.name}-{next(self.ids)}", client_id=self.client_id)

    def reopen(self) -> None:
        self.replica = self.open()

    def outbox(self, after: int) -> list[tuple[int, bytes]]:
        return self.replica.outbox(after)

    def apply(self, updates: list[bytes]) -> None:
        self.replica.apply_remote(updates)

    def edit(self, method: str, *args: Any) -> bool:
        try:
            getattr(self.replica, method)(*args)
        except (RecordDeletedError, RecordNotFoundError):
            return False
        return True

    def insert(self, note: str, text: str) -> bool:
        """Insert ``text`` at the start of a note's body."""
        try:
            self.replica.edit_note_text(note, 0, insert=text)
        except (RecordDeletedError, RecordNotFoundError):
            return False
        return True

    def create(self, kind: str, fields: dict[str, Any]) -> str:
        return self.replica.create(kind, fields)

    def contents(self) -> dict[str, Any]:
        return contents(self.replica)


class Web:
    """The web replica, with the same calls as :class:`Python`."""

    def __init__(self, engine: NodeEngine, name: str, client_id: int, clock: Callable[[], int]) -> None:
        self.name, self.clock = name, clock
        self.js: JsReplica = engine.replica(name, client_id=client_id, now=clock())

    def reopen(self) -> None:
        self.js.reopen()

    def outbox(self, after: int) -> list[tuple[int, bytes]]:
        return self.js.outbox(after)

    def apply(self, updates: list[bytes]) -> None:
        self.js.apply_remote(updates)

    def edit(self, method: str, *args: Any) -> bool:
        self.js.now = self.clock()
        try:
            getattr(self.js, method)(*args)
        except JsError as error:
            if error.name in REFUSALS:
                return False
            raise
        return True

    def insert(self, note: str, text: str) -> bool:
        """Insert ``text`` at the start of a note's body."""
        self.js.now = self.clock()
        try:
            self.js.edit_note_text(note, 0, insert=text)
        except JsError as error:
            if error.name in REFUSALS:
                return False
            raise
        return True

    def create(self, kind: str, fields: dict[str, Any]) -> str:
        self.js.now = self.clock()
        return self.js.create(kind, fields)

    def contents(self) -> dict[str, Any]:
        return self.js.contents()


class Run:
    """One seeded run: three replicas, the updates in flight between them, the steps taken."""

    def __init__(self, seed: int, engine: NodeEngine) -> None:
        self.random = random.Random(seed)
        self.now = BASE_MS
        self.log: list[str] = []
        self.values = iter(range(1, 100_000))
        self.peers: list[Python | Web] = [
            Python("py0", 11, self.clock(self.skew())),
            Python("py1", 12, self.clock(self.skew())),
            Web(engine, "web", 13, self.clock(self.skew())),
        ]
        self.taken = {peer.name: 0 for peer in self.peers}
        self.queues: dict[tuple[str, str], list[bytes]] = {
            (a.name, b.name): [] for a in self.peers for b in self.peers if a is not b}
        self.records: dict[str, list[str]] = {"contact": [], "group": [], "note": []}

    def skew(self) -> int:
        return self.random.choice([0, self.random.randint(-2000, 2000), 365 * 86_400_000])

    def clock(self, skew: int) -> Callable[[], int]:
        def read() -> int:
            self.now += 1
            return self.now + skew
        return read

    def value(self) -> str:
        return f"v{next(self.values)}"

    def publish(self, peer: Python | Web) -> None:
        entries = peer.outbox(self.taken[peer.name])
        if entries:
            self.taken[peer.name] = entries[-1][0]
        for other in self.peers:
            if other is not peer:
                self.queues[(peer.name, other.name)] += [update for _, update in entries]

    def edit(self) -> None:
        peer = self.random.choice(self.peers)
        kind = self.random.choice(("contact", "contact", "group", "note"))
        ids = self.records[kind]
        choice = self.random.random()
        if not ids or (choice < 0.15 and len(ids) < 3):
            fields: dict[str, Any] = ({"text": self.value()} if kind == "note"
                                      else {"name": self.value()} if kind == "group"
                                      else {"first_name": self.value()})
            ids.append(peer.create(kind, fields))
            self.log.append(f"{peer.name} create {kind} {ids[-1]}")
        else:
            record = self.random.choice(ids)
            if choice < 0.25:
                step: tuple[Any, ...] = ("delete", kind, record)
            elif choice < 0.35:
                step = ("restore", kind, record)
            elif kind == "note":
                text = self.value()
                done = peer.insert(record, text)
                self.log.append(f"{peer.name} insert {text!r} into {record}"
                                f"{'' if done else ' (refused)'}")
                self.publish(peer)
                return
            elif kind == "group" and choice < 0.55 and self.records["contact"]:
                member = self.random.choice(self.records["contact"])
                step = (self.random.choice(("add_to_group", "remove_from_group")), record, member)
            elif choice < 0.45:
                field = self.random.choice(FIELDS[kind])
                step = ("resolve", kind, record, field, self.value())
            else:
                field = self.random.choice(FIELDS[kind])
                step = ("update", kind, record, {field: self.value()})
            done = peer.edit(*step)
            self.log.append(f"{peer.name} {step}{'' if done else ' (refused)'}")
        self.publish(peer)

    def deliver(self, everything: bool = False) -> None:
        link = self.random.choice(sorted(self.queues))
        links = sorted(self.queues) if everything else [link]
        for source, target in links:
            queue = self.queues[(source, target)]
            if not queue:
                continue
            count = len(queue) if everything else self.random.randint(1, len(queue))
            picked = self.random.sample(range(len(queue)), count)
            batch = [queue[i] for i in picked]
            if self.random.random() < 0.3:
                batch.append(self.random.choice(batch))  # a duplicate
            self.random.shuffle(batch)
            self.queues[(source, target)] = [u for i, u in enumerate(queue) if i not in set(picked)]
            peer = next(p for p in self.peers if p.name == target)
            peer.apply(batch)
            self.log.append(f"deliver {source}->{target} {len(batch)}")

    def step(self) -> None:
        roll = self.random.random()
        if roll < 0.55:
            self.edit()
        elif roll < 0.92:
            self.deliver()
        else:
            peer = self.random.choice(self.peers)
            peer.reopen()
            self.log.append(f"reopen {peer.name}")

    def finish(self) -> None:
        for _ in range(3):  # a batch may need what a later one brings: a few full rounds
            self.deliver(everything=True)


def test_python_and_javascript_replicas_converge(node: NodeEngine) -> None:
    seeds = [int(ONLY)] if ONLY else range(RUNS)
    ran = 0
    for seed in seeds:
        node.reset()
        run = Run(seed, node)
        for _ in range(STEPS):
            run.step()
        run.finish()
        seen = [peer.contents() for peer in run.peers]
        for peer, got in zip(run.peers[1:], seen[1:], strict=True):
            if got != seen[0]:
                raise AssertionError(
                    f"seed {seed}: {peer.name} differs from {run.peers[0].name} after:\n  "
                    + "\n  ".join(run.log) + "\n" + _difference(seen[0], got))
        assert seen[0]["missing"] is False, f"seed {seed}: updates still waiting"
        ran += 1
    assert ran == len(seeds) and ran >= 1


def _difference(first: dict[str, Any], second: dict[str, Any]) -> str:
    lines = []
    for key in first:
        a, b = json.dumps(first[key], sort_keys=True), json.dumps(second[key], sort_keys=True)
        if a != b:
            lines.append(f"{key}:\n    first: {a[:1500]}\n    other: {b[:1500]}")
    return "\n".join(lines)
