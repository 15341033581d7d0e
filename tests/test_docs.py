"""Docs stay in step with the code: every schema field is in docs/act-fields.md,
and every CLI command has help text with an example and appears in docs/cli.md."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from clients.cli.main import cli
from engine.schema import KINDS

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_field_is_in_the_mapping_table(kind: str) -> None:
    text = (DOCS / "act-fields.md").read_text()
    for spec in KINDS[kind].fields.values():
        assert f"| `{spec.name}` | {spec.type}" in text, f"{kind}.{spec.name} missing"
        assert f"| `{spec.act}` |" in text, f"{kind}.{spec.name}: Act! name {spec.act} missing"


def _commands(group: click.Group, prefix: str = "handsync") -> list[tuple[str, click.Command]]:
    # Through list_commands/get_command: the top group loads its commands lazily.
    ctx = click.Context(group)
    found: list[tuple[str, click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


COMMANDS = _commands(cli)


def test_the_command_list_is_complete() -> None:
    # Guards the parametrisation below against an empty or shrunken walk.
    paths = {path for path, _ in COMMANDS}
    assert {"handsync contact search", "handsync bridge once", "handsync relay serve",
            "handsync import", "handsync demo"} <= paths
    assert len(paths) > 60


@pytest.mark.parametrize(("path", "command"), COMMANDS)
def test_every_command_has_help_with_an_example_and_is_documented(
    path: str, command: click.Command
) -> None:
    assert command.help and "Example" in command.help, f"{path} needs help with an example"
    assert f"## `{path}`" in (DOCS / "cli.md").read_text(), f"{path} missing from docs/cli.md"
