"""`handsync demo` — the main job — runs the whole tour and converges."""

from __future__ import annotations

from click.testing import CliRunner

from clients.cli import cli


def test_demo_runs_relay_and_two_devices_to_the_same_contacts() -> None:
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "relay listening on ws://127.0.0.1:" in out
    assert out.count("job_title=Head of Sales") == 2  # both devices see the office's edit
    assert out.count("mobile_phone=+1 555 0142") == 2  # … and the phone's
    assert "email: kept 'bob.marsh@marsh.example' (newest), also typed 'bob@marsh.example'" in out
    assert "devices identical: True" in out
