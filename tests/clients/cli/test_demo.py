"""`handsync demo` — the main job — runs the whole tour and converges."""

from __future__ import annotations

from click.testing import CliRunner

from clients.cli.main import cli


def test_demo_runs_relay_two_devices_and_the_act_bridge_to_the_same_contacts() -> None:
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "relay listening on ws://127.0.0.1:" in out
    assert out.count("job_title=Head of Sales") == 2  # both devices see the office's edit
    assert out.count("mobile_phone=+1 555 0142") == 2  # … and the phone's
    assert "email: kept 'bob.marsh@marsh.example' (newest), also typed 'bob@marsh.example'" in out
    assert "devices identical: True" in out
    # The Act! part: the sandbox's contacts reach both devices, and edits cross both ways.
    assert "Act! sandbox listening on http://127.0.0.1:" in out
    assert "to Act!: 2 contact created" in out  # Ann Lee and Bob Marsh, made on devices
    assert out.count("now holds 199 contacts") == 2  # 197 public Act! contacts + those two
    assert "job title: Regional Director" in out
    assert out.count("mobile phone is +1 555 0177") == 2
    assert "Act! and both devices agree: True" in out
