"""The lazy command group: its table matches the commands, and help loads nothing heavy."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from clients.cli.main import COMMANDS, cli, load

HEAVY = ("httpx", "clients.bridge", "clients.act", "clients.act_sandbox", "relay.server",
         "websockets.asyncio.server", "vobject")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_says_what_the_command_says(name: str) -> None:
    command = load(name)
    assert command.name == name
    assert COMMANDS[name].short_help == command.get_short_help_str(limit=60)


def test_an_unknown_command_is_a_usage_error() -> None:
    result = click.testing.CliRunner().invoke(cli, ["contcat", "list"])
    assert result.exit_code == 2
    assert "No such command 'contcat'" in result.output


def _loaded_after(args: list[str]) -> set[str]:
    code = ("import sys\nfrom clients.cli.main import cli\n"
            f"try:\n    cli({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print('\\n'.join(sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return set(out.split())


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m in HEAVY or m.startswith(tuple(h + "." for h in HEAVY)))


def test_help_imports_no_command_module() -> None:
    modules = _loaded_after(["--help"])
    assert "clients.cli.main" in modules
    assert _heavy(modules) == []
    assert not any(m.startswith(("engine.", "pycrdt", "sqlite_utils")) for m in modules)


def test_a_device_command_imports_neither_the_bridge_nor_the_sandbox() -> None:
    modules = _loaded_after(["contact", "search", "--help"])
    assert "clients.cli.records" in modules
    assert _heavy(modules) == []


def test_the_bridge_command_does_load_the_bridge() -> None:
    # The check above would pass for a broken probe too; this one shows it sees imports.
    modules = _loaded_after(["bridge", "--help"])
    assert "clients.bridge.runner" in modules
