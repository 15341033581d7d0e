"""`handsync relay token issue SPACE --device NAME --link URL`: the app link carrying the
space and a working token in its fragment, a QR code of it on a terminal only, and a bad
URL refused before any token is issued."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from click.testing import CliRunner

from clients.cli.main import cli
from relay.cli import app_link
from relay.store import RelayStore
from tests.relay.conftest import TIMEOUT, Relay

# `python -m relay` run from the checkout: this tree's code, whatever else is installed.
ROOT = Path(__file__).resolve().parents[2]


def _issue(relay_data: Relay, *options: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["relay", "token", "issue", "acme", "--device",
                                      "anns-phone", *options, "--data", str(relay_data.data)])
    return result.exit_code, result.stdout, result.stderr


def _device_tokens(relay_data: Relay) -> list[str]:
    store = RelayStore(relay_data.data)
    try:
        return [t.id for t in store.tokens("acme") if t.device == "anns-phone"]
    finally:
        store.close()


@pytest.mark.parametrize(("base", "expected_root"), [
    ("https://relay.example.com", "https://relay.example.com/app/"),
    ("https://relay.example.com:8443/", "https://relay.example.com:8443/app/"),
    ("https://example.com/handsync", "https://example.com/handsync/app/"),
    ("https://example.com/handsync/app/", "https://example.com/handsync/app/"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765/app/"),
])
def test_the_link_carries_space_and_a_working_token_in_its_fragment(
        relay_data: Relay, base: str, expected_root: str) -> None:
    code, out, err = _issue(relay_data, "--link", base)
    assert code == 0, err
    link = out.strip()
    assert "\n" not in link  # not a terminal: the link alone, no QR code
    parts = urlsplit(link)
    assert link.startswith(expected_root + "#")
    assert parts.query == ""  # nothing of the enrolment in what a request would carry
    fields = parse_qs(parts.fragment, strict_parsing=True)
    assert fields["space"] == ["acme"]
    (token,) = fields["token"]
    store = RelayStore(relay_data.data)
    try:
        found = store.authenticate(token)
    finally:
        store.close()
    assert found is not None and found.space == "acme" and found.device == "anns-phone"
    assert "shown once" in err and "warning" not in err


def test_an_http_address_off_this_machine_gets_a_warning(relay_data: Relay) -> None:
    code, out, err = _issue(relay_data, "--link", "http://relay.example.com")
    assert code == 0 and out.startswith("http://relay.example.com/app/#space=acme&token=hs_")
    assert "warning" in err and "https://" in err


def test_the_link_encodes_what_it_carries() -> None:
    link = app_link("https://r.example", "a.b_c-d", "hs_0a1b2c3d4e5f_x-Y_z")
    assert link == "https://r.example/app/#space=a.b_c-d&token=hs_0a1b2c3d4e5f_x-Y_z"
    assert app_link("https://r.example", "s", "a&b=c#d").endswith("token=a%26b%3Dc%23d")


@pytest.mark.parametrize(("base", "words"), [
    ("ftp://relay.example.com", "not the relay's web address"),
    ("relay.example.com", "not the relay's web address"),
    ("wss://relay.example.com", "not the relay's web address"),
    ("https://", "not the relay's web address"),
    ("https://relay.example.com:99999", "is not a URL"),
    ("https://relay.example.com:port", "is not a URL"),
    ("https://ann:secret@relay.example.com", "user name or password"),
    ("https://relay.example.com/?space=x", "query or fragment"),
    ("https://relay.example.com/#x", "query or fragment"),
    ("", "not the relay's web address"),
])
def test_a_bad_link_address_is_refused_and_issues_nothing(
        relay_data: Relay, base: str, words: str) -> None:
    before = _device_tokens(relay_data)
    code, out, err = _issue(relay_data, "--link", base)
    assert code == 2
    assert "Invalid value for '--link'" in err and words in err
    assert out == ""
    assert _device_tokens(relay_data) == before


def test_on_a_terminal_a_qr_code_of_the_link_follows(relay_data: Relay) -> None:
    """Run the real command on a pseudo-terminal; the QR code printed must be the one
    segno makes for the very link printed above it."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "relay", "token", "issue", "acme", "--device", "anns-phone",
         "--link", "https://relay.example.com", "--data", str(relay_data.data)],
        stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE,
        env={**os.environ, "TERM": "xterm"}, cwd=ROOT)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:  # bounded: read until the command closes the pty
        ready, _, _ = select.select([leader], [], [], 0.2)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(TIMEOUT) == 0
    assert proc.stderr is not None and "shown once" in proc.stderr.read().decode()
    proc.stderr.close()
    lines = b"".join(chunks).decode().replace("\r\n", "\n").splitlines()
    link = lines[0]
    assert link.startswith("https://relay.example.com/app/#space=acme&token=hs_")
    expected = segno.make(link, error="m")
    drawn = StringIO()
    expected.terminal(out=drawn, compact=True)
    assert lines[1:] == drawn.getvalue().splitlines()
    assert len(lines) > 20 and "█" in lines[5]
