"""What the bridge tests share: a real relay process, the Act! sandbox on 127.0.0.1 (in a
thread, on a clock the test moves), a bridge home and device homes."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from clients.act.client import ActClient
from clients.act_sandbox.store import SandboxStore, user_id_for
from clients.bridge.runner import Bridge, BridgeConfig, init_bridge
from clients.device.home import Device, init_home
from engine.replica import Replica
from relay.store import RelayStore
from tests.clients.act_sandbox.helpers import DB, PASSWORD, TIMEOUT, USER, Clock, serve_sandbox
from tests.clients.conftest import HANDSYNC, start_relay

PASSWORD_ENV = "HANDSYNC_TEST_ACT_PASSWORD"


class Ticking(Clock):
    """The sandbox's clock: moved by the test, and a millisecond on at every reading, so
    that each Act! write gets its own ``edited`` stamp, as on a real server."""

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


@dataclass


class World:
    """A relay, the sandbox, a bridge home and two device homes (ann, bob)."""

    root: Path
    relay_url: str
    act_url: str
    act_store: SandboxStore
    clock: Clock
    tokens: dict[str, str]
    bridge_home: Path
    homes: dict[str, Path] = field(default_factory=dict)
    clients: list[ActClient] = field(default_factory=list)

    def client(self, transport: httpx.BaseTransport | None = None) -> ActClient:
        """A fresh Act! client of the sandbox, on the sandbox's clock."""
        act = ActClient(self.act_url, DB, USER, PASSWORD, password_env=PASSWORD_ENV,
                        clock=self.clock, trust_env=False, timeout=TIMEOUT,
                        transport=transport, sleep=lambda _: None)
        self.clients.append(act)
        return act

    @contextmanager
    def bridge(self, transport: httpx.BaseTransport | None = None) -> Iterator[Bridge]:
        """The bridge home, opened with a client of the sandbox."""
        with Bridge(self.bridge_home, act=self.client(transport)) as b:
            yield b

    def once(self, transport: httpx.BaseTransport | None = None) -> Any:
        """One bridge pass; returns its tally."""
        with self.bridge(transport) as b:
            return b.once()

    @contextmanager
    def device(self, name: str) -> Iterator[Device]:
        """A device home, opened and synced."""
        with Device(self.homes[name]) as dev:
            dev.sync(timeout=TIMEOUT)
            yield dev

    @contextmanager
    def edits(self, name: str) -> Iterator[Replica]:
        """A device's replica to edit, synced before and after the block."""
        with self.device(name) as dev:
            yield dev.replica
            dev.sync(timeout=TIMEOUT)

    def act_records(self, kind: str) -> list[dict[str, Any]]:
        """What the sandbox stores of ``kind``, private records of others included."""
        return list(self.act_store.records(kind))


@contextmanager


def world(root: Path, seed_contacts: int = 0, sandbox: dict[str, Any] | None = None,
          **bridge: Any) -> Iterator[World]:
    """Everything running. The sandbox clock starts five minutes before the real time, so
    Act!'s ``edited`` stamps and the devices' clocks are comparable, and a test can put an
    Act! edit before or after a device's edit while Act!'s clock only moves forward.
    ``sandbox`` holds SandboxConfig settings (envelope, rate limit); the rest go to the
    bridge's settings."""
    data = root / "relay"
    store = RelayStore(data)
    now = int(time.time() * 1000)
    store.create_space("acme", now)
    tokens = {name: store.issue_token("acme", name, now)[1] for name in ("bridge", "ann", "bob")}
    store.close()
    clock = Ticking(time.time() - 300)  # five minutes behind: tests can move it either way
    with ExitStack() as stack:
        relay, port = start_relay(data)
        stack.callback(_stop, relay)
        url, act_store = stack.enter_context(serve_sandbox(root, clock, seed_contacts,
                                                                 **(sandbox or {})))
        relay_url = f"ws://127.0.0.1:{port}"
        home = root / "bridge"
        init_bridge(home, BridgeConfig(act_url=url, database=DB, user=USER,
                                       password_env=PASSWORD_ENV, **bridge),
                    relay=relay_url, space="acme", token=tokens["bridge"])
        w = World(root, relay_url, url, act_store, clock, tokens, home)
        for name in ("ann", "bob"):
            w.homes[name] = root / name
            init_home(root / name, relay_url, "acme", tokens[name], name, auto_sync=False)
        try:
            yield w
        finally:
            for act in w.clients:
                act.close()


class Recording(httpx.HTTPTransport):
    """The real transport, recording every request; ``fail_posts`` makes POSTs fail:
    ``"lost"`` sends them and then loses the answer (the record exists, the caller does not
    know), ``"unsent"`` fails before sending (nothing is created). ``before`` runs an
    action (an edit in Act! by someone else) just before the first call to a path."""

    def __init__(self, fail_posts: str | None = None,
                 before: tuple[str, Callable[[], None]] | None = None,
                 refuse: Callable[[str, Any], bool] | None = None) -> None:
        super().__init__()
        self.fail_posts = fail_posts
        self.refuse = refuse  # (method, JSON body) -> answer 500 without calling Act!
        self.before = before  # (path, action): run the action once, before that path's call
        self.requests: list[tuple[str, str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, request.url.path, body))
        if self.before is not None and request.url.path.endswith(self.before[0]):
            action, self.before = self.before[1], None
            action()
        if self.refuse is not None and self.refuse(request.method, body):
            return httpx.Response(500, json={"Message": "An error has occurred (test)."})
        if request.method == "POST" and self.fail_posts == "unsent":
            raise httpx.ConnectError("refused (test)", request=request)
        response = super().handle_request(request)
        if request.method == "POST" and self.fail_posts == "lost":
            response.read()
            response.close()
            raise httpx.ReadTimeout("answer lost (test)", request=request)
        return response

    def sent(self, method: str) -> list[tuple[str, Any]]:
        """(path, JSON body) of each request with ``method``."""
        return [(path, body) for m, path, body in self.requests if m == method]


def _stop(relay: Any) -> None:
    if relay.poll() is None:
        relay.kill()
    relay.wait(timeout=TIMEOUT)
    if relay.stderr is not None:
        relay.stderr.close()


# ---------------------------------------------------------------- shared by the tests


def visible(w: World, kind: str) -> dict[str, dict[str, Any]]:
    """The records of ``kind`` the bridge's user may see in Act!, by id."""
    me = user_id_for(USER)
    return {r["id"]: r for r in w.act_records(kind)
            if not r.get("isPrivate") or r.get("_owner") == me}


def public(w: World, kind: str) -> dict[str, dict[str, Any]]:
    """The records of ``kind`` that reach devices: visible and not private."""
    return {i: r for i, r in visible(w, kind).items() if not r.get("isPrivate")}


def link_ids(links: list[Any]) -> list[str]:
    """The ids of a stored link list (the sandbox keeps bare ids; the API sends objects)."""
    return [link["id"] if isinstance(link, dict) else link for link in links]


def act_contact(w: World, rid: str) -> dict[str, Any]:
    record = w.act_store.get("contact", rid)
    assert record is not None
    return record


def seed_small(w: World) -> dict[str, str]:
    act = w.client()
    company = act.create("companies", {"name": "Acme"})["id"]
    ids = {"company": company}
    for name in ("Ann", "Bob", "Cid"):
        ids[name] = act.create("contacts", {"firstName": name, "lastName": "Lee",
                                            "companyID": company, "jobTitle": "Buyer",
                                            "customFields": {"user1": "x"}})["id"]
    ids["group"] = act.create("groups", {"name": "Key accounts"})["id"]
    act.add_to_group(ids["group"], [ids["Ann"]])
    ids["note"] = act.create("notes", {"noteText": "Met at the fair",
                                       "contacts": [{"id": ids["Ann"]}]})["id"]
    return ids


def bridge_cli(w: World, *args: str, password: str = PASSWORD) -> subprocess.Popen[str]:
    env = {**os.environ, PASSWORD_ENV: password}
    return subprocess.Popen([HANDSYNC, "bridge", *args, "--home", str(w.bridge_home)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def device_creates(w: World, fields: dict[str, Any]) -> str:
    with w.edits("ann") as ann:
        rid = ann.create("contact", fields)
    return rid


def named(w: World, first: str) -> list[dict[str, Any]]:
    return [r for r in w.act_records("contact") if r["firstName"] == first]
