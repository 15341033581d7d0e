"""The lazy command group: its table matches the commands, and help loads nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import clients.cli.main
import relay.cli as relay_cli
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
    # Only the engine's error classes (which the group converts): no replica, no store.
    assert not any(m.startswith(("engine.", "pycrdt", "sqlite_utils")) and m != "engine.errors"
                   for m in modules)


def test_a_device_command_imports_neither_the_bridge_nor_the_sandbox() -> None:
    modules = _loaded_after(["contact", "search", "--help"])
    assert "clients.cli.records" in modules
    assert _heavy(modules) == []


def test_the_bridge_command_does_load_the_bridge() -> None:
    # The check above would pass for a broken probe too; this one shows it sees imports.
    modules = _loaded_after(["bridge", "--help"])
    assert "clients.bridge.runner" in modules


def test_library_errors_become_one_clear_line_in_one_place(tmp_path: Path) -> None:
    # No home here: Device raises HomeError, which no command catches itself.
    result = CliRunner().invoke(cli, ["contact", "show", "x", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "not a handsync device home" in result.output
    # The relay's commands alone (python -m relay) convert the same way.
    relay_only = CliRunner().invoke(relay_cli.relay, ["space", "create", "no spaces allowed",
                                                      "--data", str(tmp_path / "relay")])
    assert relay_only.exit_code == 1 and relay_only.output.startswith("Error: ")


def test_no_command_module_converts_library_errors_itself() -> None:
    # The generic conversion lives in relay.group.HandsyncGroup alone: a handler that only
    # re-raises a HandsyncError as ClickException(str(exc)) anywhere else is a second place.
    sources = [*Path(clients.cli.main.__file__).parent.glob("*.py"),
               Path(relay_cli.__file__)]
    found = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name)
                    and node.type.id == "HandsyncError" and len(node.body) == 1
                    and "ClickException(str(" in ast.unparse(node.body[0])):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
