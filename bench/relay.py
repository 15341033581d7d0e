"""Benchmark of the relay as a real process, and of pycrdt-websocket's server beside it.

Run ``python bench/relay.py`` (medians of 3 runs) or ``python bench/relay.py --quick`` (one
short run: a smoke test). ``--json FILE`` writes every sample and median. It measures:
acknowledged-update throughput (1 writer; 50 writers in one space; 50 writers in 50 spaces),
device-to-device latency at 100 updates/s, RSS per idle connection, catch-up of 100 missed
edits in 10k- and 100k-contact spaces, initial sync of a 10k-contact space, and the same
throughput and latency workload against pycrdt-websocket (bench-only dependency), which has no
acks: there, throughput is updates received by a listening peer per second. Every server
listens on 127.0.0.1, port 0; docs/benchmarks.md explains the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

# Run as a script, this file's directory comes first on sys.path, and bench/engine.py and
# this file would then shadow the engine and relay packages.
if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

from clients.device.connection import sync_once
from clients.device.home import start_thread
from engine import codec
from engine.clock import make_stamp
from engine.registers import encode_value, entry_key
from engine.replica import Replica
from engine.schema import KINDS, normalize_fields
from engine.sqlite_store import SqliteStore
from engine.store import MemoryStore
from relay.store import RelayStore

LOOPBACK = "127.0.0.1"
MAX_FRAME = 64 * 1024 * 1024
TIMEOUT = 120.0  # seconds, for any one wait
CHUNK = 10_000  # contacts per initial-state update (~12.5 MB, under the relay's 32 MB limit)
EDITS = 100  # missed edits to catch up on
RATE = 100.0  # updates per second in the latency test
WRITERS = [f"w{i}" for i in range(50)]
TARGETS = {"tp_50w": 10_000.0, "p99_ms": 20.0, "conn_kb": 100.0, "catchup_ms": 50.0,
           "sync_s": 2.0}
FIRST = ["Ann", "Bob", "Carla", "Deepak", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas"]
LAST = ["Smith", "Okafor", "Müller", "García", "Nguyen", "Kowalski", "Rossi", "Tanaka"]
COMPANY = ["Acme Industrial Supply", "Northwind Traders", "Blue Ridge Logistics"]
log = logging.getLogger("bench.relay")


def now_ms() -> int:
    return int(time.time() * 1000)


@contextmanager
def server(cmd: list[str], workdir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start a server process and wait for its JSON "listening" line on stderr."""
    log_path = workdir / f"server-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as sink:  # a file, not a pipe: a full pipe would stall it
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=sink)
    try:
        port, deadline = None, time.monotonic() + 30
        while port is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            for line in log_path.read_text(errors="replace").splitlines():
                if '"listening"' in line:
                    port = int(json.loads(line)["port"])
                    break
        if port is None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{cmd[0]} did not start (exit {proc.poll()}):\n{tail}")
        yield proc, f"ws://{LOOPBACK}:{port}"
    except Exception:
        log.error("server log tail:\n%s", log_path.read_text(errors="replace")[-20000:])
        raise
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def relay_cmd(data: Path) -> list[str]:
    exe = Path(sys.executable).parent / "handsync"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "relay"]
    return [*base, "relay", "serve", "--data", str(data), "--host", LOOPBACK, "--port", "0"]


def prepare(data: Path, layout: dict[str, list[str]]) -> dict[str, dict[str, str]]:
    """Create spaces and a token per device BEFORE the relay starts; space -> device -> token.

    Never while it runs: RelayStore.__init__ open()s and closes the database file, which
    drops the process's POSIX locks, so another process's closing connection then thinks it
    is the last one and deletes the WAL under the relay (a corrupt database: see the docs).
    """
    store = RelayStore(data)
    try:
        out = {}
        for space, devices in layout.items():
            store.create_space(space, now_ms())
            out[space] = {d: store.issue_token(space, d, now_ms())[1] for d in devices}
        return out
    finally:
        store.close()


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def edit_frames(name: str, count: int) -> list[bytes]:
    """``count`` SyncUpdate frames from a real Replica: a create, then one-field edits."""
    replica = Replica(MemoryStore(), clock=now_ms, replica_id=name)
    rid = replica.create("contact", {"first_name": name, "last_name": "Writer"})
    for i in range(count - 1):
        replica.update("contact", rid, {"email": f"{name}.{i}@edit.example"})
    return [codec.encode(codec.SyncUpdate(u)) for _, u in replica.outbox()][:count]


def contact(i: int) -> dict[str, str]:
    first, last, company = FIRST[i % 10], LAST[i // 10 % 8], COMPANY[i % 3]
    phone = f"+1 ({200 + i % 700}) 555-{i % 10000:04d}"
    return {"first_name": first, "last_name": last, "full_name": f"{first} {last}",
            "salutation": f"Dear {first}", "company": company, "job_title": "Account Executive",
            "department": "Sales", "email": f"{first}.{i}@acme.example".lower(),
            "personal_email": f"{first}{i}@mail.example".lower(), "business_phone": phone,
            "mobile_phone": phone, "fax_phone": phone, "home_phone": phone,
            "business_address_line1": f"{1 + i % 9999} Main Street",
            "business_address_city": "Springfield", "business_address_state": "IL",
            "business_address_postal_code": "62701", "business_address_country": "United States",
            "website": "https://www.acme.example", "id_status": "Customer"}


def contacts_update(first: int, count: int) -> bytes:
    """One update creating contacts ``first``..: the layout Replica.create writes, in bulk."""
    doc, stamp = Doc(client_id=1_000_000 + first), make_stamp(now_ms())
    root = doc.get(KINDS["contact"].root, type=Map)
    with doc.transaction():
        for i in range(first, first + count):
            rid = f"contact-{i}"
            values = normalize_fields("contact", contact(i), record_id=rid)
            root[rid] = Map({entry_key(k, stamp, "importer"): encode_value(v)
                             for k, v in values.items() if v is not None})
    return doc.get_update()


class Peer:
    """A raw client: handsync (Hello, counts Ack/Relayed/CaughtUp) or plain Yjs (counts
    SyncUpdate). Its reader task stamps each frame on arrival."""

    def __init__(self, ws: ClientConnection, yjs: bool) -> None:
        self.ws, self.yjs = ws, yjs
        self.acked = self.seq = self.received = self.head = 0
        self.acked_at = self.received_at = 0.0
        self.ready = False
        self.arrivals: list[float] = []
        self.failure: str | None = None
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                now = time.perf_counter()
                if isinstance(frame, bytes):
                    (self._yjs if self.yjs else self._handsync)(frame, now)
                    self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            self.failure = self.failure or f"closed ({self.ws.close_code} {self.ws.close_reason})"
            self._changed.set()

    def _handsync(self, frame: bytes, now: float) -> None:
        # This one process plays every client, and in the one-space run it must take in 49
        # copies of every update: read only the headers of Relayed and Ack messages (the
        # relay's own work is what is measured); anything else goes through the codec.
        pos, end = 0, len(frame)
        while pos < end and frame[pos] == codec.MESSAGE_HANDSYNC:
            kind = frame[pos + 1]
            if kind == codec.HANDSYNC_RELAYED:
                seq, pos = _var_uint(frame, pos + 2)
                size, pos = _var_uint(frame, pos)
                pos += size
                self.received, self.head, self.received_at = self.received + 1, seq, now
                self.arrivals.append(now)
            elif kind == codec.HANDSYNC_ACK:
                count, pos = _var_uint(frame, pos + 2)
                seq, pos = _var_uint(frame, pos)
                self.acked, self.seq, self.acked_at = count, seq, now
            else:
                break
        if pos < end:
            self._decode(frame[pos:], now)

    def _decode(self, frame: bytes, now: float) -> None:
        for m in codec.decode(frame):
            if isinstance(m, codec.Ack):
                self.acked, self.seq, self.acked_at = m.count, m.seq, now
            elif isinstance(m, codec.Relayed):
                self.received, self.head, self.received_at = self.received + 1, m.seq, now
                self.arrivals.append(now)
            elif isinstance(m, codec.CaughtUp):
                self.ready, self.head = True, m.seq
            elif isinstance(m, codec.Error):
                self.failure = f"relay error {m.code}: {m.reason}"

    def _yjs(self, frame: bytes, now: float) -> None:
        if frame[:2] == b"\x00\x00":
            self.ready = True  # the room's SyncStep1: we are one of its clients now
        elif frame[:2] == b"\x00\x02":
            self.received, self.received_at = self.received + 1, now
            self.arrivals.append(now)

    async def until(self, done: Callable[[Peer], bool], timeout: float = TIMEOUT) -> None:
        async with asyncio.timeout(timeout):
            while not done(self):
                if self.failure:
                    raise RuntimeError(self.failure)
                self._changed.clear()
                await self._changed.wait()

    async def close(self) -> None:
        with suppress(TimeoutError):
            async with asyncio.timeout(10):
                await self.ws.close()
        self._task.cancel()


def _var_uint(data: bytes, pos: int) -> tuple[int, int]:
    """Read a varUint at ``pos``; return it and the position after it."""
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


async def open_peer(url: str, space: str, token: str | None, *, name: str = "bench",
                    cursor: int = 0, step1: bool = True) -> Peer:
    """Connect; a handsync peer says Hello (and SyncStep1) and waits for CaughtUp."""
    yjs = token is None
    target = f"{url}/{space}" if yjs else f"{url}/v1/spaces/{space}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    ws = await connect(target, additional_headers=headers, max_size=MAX_FRAME,
                       compression=None, open_timeout=TIMEOUT, ping_interval=None)
    peer = Peer(ws, yjs)
    if not yjs:
        greet = codec.encode(codec.Hello(codec.PROTOCOL_VERSION, name, cursor))
        await ws.send(greet + (codec.encode(codec.SyncStep1(b"\x00")) if step1 else b""))
    await peer.until(lambda p: p.ready)
    return peer


async def push(peer: Peer, frames: list[bytes]) -> None:
    for frame in frames:  # pipelined: no wait for acks
        await peer.ws.send(frame)


async def throughput(url: str, pid: int, writers: list[tuple[str, str | None]],
                     listener: tuple[str, str | None] | None,
                     frames: list[list[bytes]]) -> dict[str, float]:
    """Writers pipeline their frames; rates of acks (handsync) and of listener arrivals, and
    the server's CPU time per update (robust to a noisy machine, unlike rates)."""
    ear = await open_peer(url, *listener, name="listener") if listener else None
    peers = await asyncio.gather(*(open_peer(url, s, t, name=f"w{i}")
                                   for i, (s, t) in enumerate(writers)))
    total, out = sum(map(len, frames)), {}
    cpu, start, mine = cpu_s(pid), time.perf_counter(), time.process_time()
    tasks = [asyncio.create_task(push(p, f)) for p, f in zip(peers, frames, strict=True)]
    if writers[0][1] is not None:
        await asyncio.gather(*(p.until(partial(lambda n, q: q.acked >= n, len(f)))
                               for p, f in zip(peers, frames, strict=True)))
        out["acked"] = total / (max(p.acked_at for p in peers) - start)
    if ear is not None:
        await ear.until(lambda q: q.received >= total)
        out["received"] = total / (ear.received_at - start)
    out["cpu_us"] = (cpu_s(pid) - cpu) / total * 1e6
    # This process plays every client: when it is busy nearly all the time, the rates
    # above are bounded by the clients (one core), not by the relay.
    out["client_busy"] = (time.process_time() - mine) / (time.perf_counter() - start)
    await asyncio.gather(*tasks)
    await asyncio.gather(*(p.close() for p in [*peers, *([ear] if ear else [])]))
    return out


async def latency(url: str, sender: tuple[str, str | None], receiver: tuple[str, str | None],
                  frames: list[bytes]) -> dict[str, float]:
    """Send at RATE per second; time from each send to its arrival at the other device."""
    ear = await open_peer(url, *receiver, name="rx")
    mouth = await open_peer(url, *sender, name="tx")
    sent: list[float] = []
    start = time.perf_counter() + 0.1
    for i, frame in enumerate(frames):
        delay = start + i / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(time.perf_counter())
        await mouth.ws.send(frame)
    await ear.until(lambda q: q.received >= len(frames))
    ms = [(a - s) * 1000 for a, s in zip(ear.arrivals, sent, strict=True)]
    await asyncio.gather(ear.close(), mouth.close())
    return {"p50_ms": statistics.median(ms), "p99_ms": statistics.quantiles(ms, n=100)[98],
            "max_ms": max(ms)}


async def idle_memory(url: str, pid: int, tokens: list[tuple[str, str]]) -> dict[str, float]:
    """RSS of the relay before and after opening len(tokens) caught-up idle connections."""
    gate = asyncio.Semaphore(50)

    async def one(space: str, token: str, i: int) -> Peer:
        async with gate:
            return await open_peer(url, space, token, name=f"idle{i}")

    warm = await asyncio.gather(*(one(s, t, i) for i, (s, t) in enumerate(tokens[:20])))
    await asyncio.gather(*(p.close() for p in warm))
    await asyncio.sleep(1.0)
    before = rss_kb(pid)
    peers = await asyncio.gather(*(one(s, t, i) for i, (s, t) in enumerate(tokens)))
    await asyncio.sleep(1.0)
    after = rss_kb(pid)
    await asyncio.gather(*(p.close() for p in peers))
    return {"rss_before_kb": before, "rss_after_kb": after,
            "kb_per_conn": (after - before) / len(tokens)}


async def catch_up(url: str, space: str, tokens: dict[str, str], size: int,
                   runs: int) -> list[float]:
    """Load a ``size``-contact space, then per run: 100 edits, and a reader resuming from
    its cursor until CaughtUp (time from connect to CaughtUp, handshake included)."""
    importer = await open_peer(url, space, tokens["importer"], name="importer")
    chunk0 = b""
    for n, first in enumerate(range(0, size, CHUNK), start=1):
        chunk = contacts_update(first, min(CHUNK, size - first))
        chunk0 = chunk0 or chunk
        await importer.ws.send(codec.encode(codec.SyncUpdate(chunk)))
        await importer.until(lambda p, n=n: p.acked >= n)
    cursor = importer.seq
    await importer.close()
    editor = Replica(MemoryStore(), clock=now_ms, replica_id="editor")
    editor.apply_remote([chunk0])
    pen = await open_peer(url, space, tokens["editor"], name="editor", cursor=cursor, step1=False)
    times = []
    for run in range(runs):
        after = editor.last_seq
        for k in range(EDITS):
            rid = f"contact-{(k * 97 + run) % min(size, CHUNK)}"
            editor.update("contact", rid, {"email": f"run{run}.{k}@edit.example"})
        frames = [codec.encode(codec.SyncUpdate(u)) for _, u in editor.outbox(after_seq=after)]
        await push(pen, frames)
        await pen.until(lambda p, n=EDITS * (run + 1): p.acked >= n)
        start = time.perf_counter()
        reader = await open_peer(url, space, tokens["reader"], name="reader", cursor=cursor,
                                 step1=False)
        times.append((time.perf_counter() - start) * 1000)
        if reader.received != EDITS:
            raise RuntimeError(f"catch-up relayed {reader.received} edits, not {EDITS}")
        cursor = reader.head
        await reader.close()
    await pen.close()
    return times


async def initial_sync(url: str, space: str, token: str, workdir: Path,
                       run: int) -> dict[str, float]:
    """A new device's first sync_once into a fresh Replica over SqliteStore, until Synced;
    first, a raw client times the relay's part (Hello + SyncStep1 until CaughtUp)."""
    start = time.perf_counter()
    raw = await open_peer(url, space, token, name=f"raw{run}")
    state_s = time.perf_counter() - start
    await raw.close()
    replica = Replica(SqliteStore(workdir / f"device{run}.sqlite", start=start_thread), clock=now_ms,
                      replica_id=f"newdev{run}")
    try:
        start = time.perf_counter()
        report = await sync_once(replica, url, space, token, timeout=TIMEOUT)
        elapsed = time.perf_counter() - start
    finally:
        replica.close()
    if report.records < CHUNK:
        raise RuntimeError(f"initial sync brought {report.records} records")
    return {"s": elapsed, "state_s": state_s}


def new_device(url: str, space: str, token: str, workdir: Path, run: int) -> dict[str, float]:
    """:func:`initial_sync` in a fresh process, as a new device starts: the memory this
    benchmark holds (a 10k-contact editor replica, earlier runs) would otherwise weigh
    on the figure."""
    out = subprocess.run([sys.executable, __file__, "--initial-sync",
                          json.dumps([url, space, token, str(workdir), run])],
                         check=True, capture_output=True, text=True, timeout=TIMEOUT * 4)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


class WsChannel:
    """pycrdt's Channel over a websockets>=14 ServerConnection (which has no ``path``)."""

    def __init__(self, ws: ServerConnection) -> None:
        self._ws = ws

    @property
    def path(self) -> str:
        assert self._ws.request is not None
        return self._ws.request.path

    def __aiter__(self) -> WsChannel:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self.recv()
        except ConnectionClosed:
            raise StopAsyncIteration from None

    async def send(self, message: bytes) -> None:
        with suppress(ConnectionClosed):  # a room's broadcast must not fail for one client
            await self._ws.send(message)

    async def recv(self) -> bytes:
        message = await self._ws.recv()
        return message if isinstance(message, bytes) else message.encode()


def serve_pycrdt() -> None:
    """Run pycrdt-websocket's WebsocketServer on 127.0.0.1, port 0 (``--serve-pycrdt``)."""
    from pycrdt.websocket import WebsocketServer, exception_logger

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    async def main() -> None:
        rooms = WebsocketServer(exception_handler=exception_logger)

        async def handler(ws: ServerConnection) -> None:
            await rooms.serve(WsChannel(ws))

        async with rooms, serve(handler, LOOPBACK, 0, max_size=MAX_FRAME, compression=None,
                                ping_interval=None) as listener:
            port = listener.sockets[0].getsockname()[1]
            print(json.dumps({"event": "listening", "port": port}), file=sys.stderr, flush=True)
            await asyncio.Event().wait()  # until SIGTERM ends the process

    asyncio.run(main())


def raise_nofile(need: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        soft = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def run_all(args: argparse.Namespace, workdir: Path) -> dict[str, list[float]]:
    one_n, many_n, lat_n = (500, 20, 100) if args.quick else (4000, 160, 500)
    conns = min(args.connections, raise_nofile(args.connections + 256) - 256)
    log.info("preparing workloads (%d idle connections allowed by ulimit -n)", conns)
    one, talk = [edit_frames("solo", one_n)], edit_frames("talker", lat_n)
    many = [edit_frames(w, many_n) for w in WRITERS]
    samples: dict[str, list[float]] = {}

    def add(prefix: str, result: dict[str, float]) -> None:
        for key, value in result.items():
            samples.setdefault(f"{prefix}_{key}", []).append(value)

    for run in range(args.runs):
        data = workdir / f"relay{run}"
        tok = prepare(data, {"one": ["listener", "solo"], "all": ["listener", *WRITERS],
                             "lat": ["tx", "rx"], **{f"own{i}": ["w"] for i in range(50)}})
        with server(relay_cmd(data), workdir) as (proc, url):
            log.info("run %d: handsync relay throughput and latency", run + 1)
            add("relay_1w", asyncio.run(throughput(
                url, proc.pid, [("one", tok["one"]["solo"])], ("one", tok["one"]["listener"]),
                one)))
            add("relay_50w", asyncio.run(throughput(
                url, proc.pid, [("all", tok["all"][w]) for w in WRITERS],
                ("all", tok["all"]["listener"]), many)))
            add("relay_50s", asyncio.run(throughput(
                url, proc.pid, [(f"own{i}", tok[f"own{i}"]["w"]) for i in range(50)], None,
                many)))
            add("relay", asyncio.run(latency(url, ("lat", tok["lat"]["tx"]),
                                             ("lat", tok["lat"]["rx"]), talk)))
        data = workdir / f"memory{run}"
        tok = prepare(data, {f"m{k}": [f"d{i}" for i in range(-(-conns // 50))]
                             for k in range(50)})
        idle = [(s, t) for s, devices in tok.items() for t in devices.values()][:conns]
        with server(relay_cmd(data), workdir) as (proc, url):
            log.info("run %d: %d idle connections", run + 1, conns)
            add("relay", asyncio.run(idle_memory(url, proc.pid, idle)))
        if args.no_pycrdt:
            continue
        with server([sys.executable, __file__, "--serve-pycrdt"], workdir) as (proc, url):
            log.info("run %d: pycrdt-websocket throughput and latency", run + 1)
            add("pycrdt_1w", asyncio.run(throughput(url, proc.pid, [("one", None)],
                                                    ("one", None), one)))
            add("pycrdt_50w", asyncio.run(throughput(url, proc.pid, [("all", None)] * 50,
                                                     ("all", None), many)))
            add("pycrdt", asyncio.run(latency(url, ("lat", None), ("lat", None), talk)))

    data = workdir / "catchup"
    sizes = [10_000] if args.quick else [10_000, 100_000]
    tok = prepare(data, {f"c{n}": ["importer", "editor", "reader", "newdev"] for n in sizes})
    with server(relay_cmd(data), workdir) as (proc, url):
        for size in sizes:
            log.info("catch-up in a %d-contact space", size)
            samples[f"relay_catchup_{size}_ms"] = asyncio.run(
                catch_up(url, f"c{size}", tok[f"c{size}"], size, args.runs))
        for run in range(args.runs):
            log.info("initial sync of 10k contacts, run %d", run + 1)
            add("relay_sync", new_device(url, "c10000", tok["c10000"]["newdev"], workdir, run))
    return samples


ROWS = [  # label, sample key (relay_/pycrdt_ prefix), target key; "/s" rows: higher is better
    ("1 writer: acked updates/s", "1w_acked", ""),
    ("1 writer: received by a listener/s", "1w_received", ""),
    ("1 writer: server CPU us/update", "1w_cpu_us", ""),
    ("50 writers, 50 spaces: acked/s", "50s_acked", "tp_50w"),
    ("50 writers, 50 spaces: CPU us/update", "50s_cpu_us", ""),
    ("50 writers, 1 space: acked/s", "50w_acked", "tp_50w"),
    ("50 writers, 1 space: received/s", "50w_received", ""),
    ("50 writers, 1 space: CPU us/update", "50w_cpu_us", ""),
    ("50 writers, 1 space: clients' CPU busy", "50w_client_busy", ""),
    ("latency at 100/s: p50 ms", "p50_ms", ""),
    ("latency at 100/s: p99 ms", "p99_ms", "p99_ms"),
    ("RSS per idle connection, KB", "kb_per_conn", "conn_kb"),
    ("catch-up 100 edits, 10k contacts: ms", "catchup_10000_ms", "catchup_ms"),
    ("catch-up 100 edits, 100k contacts: ms", "catchup_100000_ms", "catchup_ms"),
    ("initial sync 10k contacts: s", "sync_s", "sync_s"),
    ("  of which the relay sends the state: s", "sync_state_s", ""),
]


def summarize(samples: dict[str, list[float]]) -> tuple[list[dict[str, Any]], str]:
    med = {k: statistics.median(v) for k, v in samples.items()}
    rows: list[dict[str, Any]] = []
    head = f"{'':40} {'handsync':>10} {'pycrdt-ws':>10} {'ratio':>6} {'target':>8}  met"
    lines = [head, "-" * len(head)]
    for label, key, target in ROWS:
        if f"relay_{key}" not in med:
            continue
        mine, theirs, goal = med[f"relay_{key}"], med.get(f"pycrdt_{key}"), TARGETS.get(target)
        higher = label.endswith("/s")
        met = None if goal is None else (mine >= goal if higher else mine <= goal)
        ratio = mine / theirs if theirs else None
        rows.append({"metric": label, "handsync": mine, "pycrdt_websocket": theirs,
                     "ratio": ratio, "target": goal, "met": met, "runs": samples[f"relay_{key}"]})
        cells = ["-" if theirs is None else f"{theirs:.1f}",
                 "-" if ratio is None else f"{ratio:.2f}",
                 "-" if goal is None else f"{'>=' if higher else '<='}{goal:g}",
                 "-" if met is None else "yes" if met else "NO"]
        lines.append(f"{label:40} {mine:10.1f} {cells[0]:>10} {cells[1]:>6} {cells[2]:>8}  "
                     f"{cells[3]}")
    lines.append("ratio = handsync / pycrdt-websocket. pycrdt-websocket has no acks: its "
                 "throughput is updates received by a listening peer per second.")
    return rows, "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--quick", action="store_true", help="one short run (smoke test)")
    parser.add_argument("--connections", type=int, default=1000, help="idle connections")
    parser.add_argument("--no-pycrdt", action="store_true", help="skip pycrdt-websocket")
    parser.add_argument("--json", type=Path, help="write samples and medians to this file")
    parser.add_argument("--serve-pycrdt", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--initial-sync", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_pycrdt:
        serve_pycrdt()
        return
    if args.initial_sync:
        url, space, token, workdir, run = json.loads(args.initial_sync)
        print(json.dumps(asyncio.run(initial_sync(url, space, token, Path(workdir), run))))
        return
    if args.quick:
        args.runs, args.connections = 1, min(args.connections, 200)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    if not args.no_pycrdt and _version("pycrdt-websocket") is None:
        log.warning("pycrdt-websocket is not installed: skipping the comparison")
        args.no_pycrdt = True
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as tmp:
        samples = run_all(args, Path(tmp))
    rows, table = summarize(samples)
    print(table)
    if args.json:
        meta = {"python": platform.python_version(), "cpus": len(os.sched_getaffinity(0)),
                "runs": args.runs, "quick": args.quick, "connections": args.connections,
                "seconds": round(time.perf_counter() - started, 1),
                "versions": {p: _version(p) for p in ("pycrdt", "websockets",
                                                       "pycrdt-websocket")}}
        args.json.write_text(json.dumps({"meta": meta, "rows": rows, "samples": samples},
                                        indent=1) + "\n")


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
