"""The ``handsync`` click group; each command's module is imported only when it runs.

Importing every command module costs ~0.3 s (httpx, the bridge, the Act! sandbox,
the relay server), which ``handsync --help`` and a quick ``contact search`` would
pay for nothing. So the group knows its commands by name, where each lives and its
one-line help, and imports a module only to run (or show the help of) one of its
commands. tests/clients/cli/test_main.py checks the table against the commands.

Library errors (``engine.errors.HandsyncError``) become ``click.ClickException`` in one
place, :class:`relay.group.HandsyncGroup`, which this group builds on.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import click

from relay.group import HandsyncGroup


class Lazy(NamedTuple):
    """Where a command lives (``module:attribute``) and its help line as
    ``get_short_help_str(limit=60)`` gives it (a test keeps the two equal)."""

    target: str
    short_help: str


COMMANDS: dict[str, Lazy] = {
    "demo": Lazy("clients.cli.demo:demo",
                  "Tour: a relay, two devices editing offline, syncing, and..."),
    "relay": Lazy("relay.cli:relay",
                   "Run the relay and manage its spaces and tokens."),
    "device": Lazy("clients.cli.device:device",
                    "Set up this device."),
    "sync": Lazy("clients.cli.device:sync",
                  "Sync now: send local edits, receive others', wait for the..."),
    "status": Lazy("clients.cli.device:status",
                    "Show last sent, last received, edits waiting, conflicts,..."),
    "contact": Lazy("clients.cli.records:contact",
                     "Work with contact records, offline."),
    "company": Lazy("clients.cli.records:company",
                     "Work with company records, offline."),
    "opportunity": Lazy("clients.cli.records:opportunity",
                         "Work with opportunity records, offline."),
    "group": Lazy("clients.cli.device:group",
                   "Groups and their members."),
    "note": Lazy("clients.cli.device:note",
                  "Notes linked to contacts; bodies merge character by..."),
    "history": Lazy("clients.cli.device:history",
                     "History entries (calls, meetings, e-mails done) linked to..."),
    "activity": Lazy("clients.cli.device:activity",
                      "Scheduled activities (calls, meetings, to-dos) linked to..."),
    "conflicts": Lazy("clients.cli.device:conflicts",
                       "List and resolve values that lost a same-field conflict."),
    "export": Lazy("clients.cli.exchange:export",
                    "Write records as JSON, CSV or vCard 3.0 (deleted records..."),
    "import": Lazy("clients.cli.exchange:import_",
                    "Import records from a JSON, CSV or vCard (3.0/4.0) file;..."),
    "inspect": Lazy("clients.cli.inspect:inspect",
                     "Look inside replicas: CRDT state, update log, field..."),
    "act-sandbox": Lazy("clients.cli.sandbox:act_sandbox",
                         "A local Act! Web API stand-in, with Act!'s quirks, to try..."),
    "bridge": Lazy("clients.cli.bridge:bridge",
                    "Mirror an Act! database into the space and back (run it..."),
}


def load(name: str) -> click.Command:
    """Import and return the command registered as ``name``."""
    module, _, attribute = COMMANDS[name].target.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{COMMANDS[name].target} is not a click command")
    return command


class LazyGroup(HandsyncGroup):
    """A group that imports a command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name].short_help) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="handsync")
def cli() -> None:
    """handsync: Act! CRM contacts on phones and tablets, offline first.

    \b
    Example:
        handsync demo
    """


def main() -> None:
    """Entry point of the ``handsync`` console script."""
    cli()
