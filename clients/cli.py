"""The ``handsync`` command line: a click group of thin wrappers over library calls.

Library errors (``engine.errors.HandsyncError``) become ``click.ClickException``
here, at the boundary, and nowhere else.
"""

from __future__ import annotations

import click

from clients.cli_bridge import bridge
from clients.cli_device import activity, conflicts, device, group, history, note, status, sync
from clients.cli_exchange import export, import_
from clients.cli_inspect import inspect as inspect_group
from clients.cli_records import record_group
from clients.cli_sandbox import act_sandbox
from clients.demo import run_demo
from engine.errors import HandsyncError
from relay.cli import relay


@click.group()
@click.version_option(package_name="handsync")
def cli() -> None:
    """handsync: Act! CRM contacts on phones and tablets, offline first.

    \b
    Example:
        handsync demo
    """


@cli.command()
def demo() -> None:
    """Tour: a relay, two devices editing offline, syncing, and settling a conflict.

    \b
    Example:
        handsync demo
    """
    try:
        converged = run_demo(click.echo)
    except HandsyncError as exc:
        raise click.ClickException(str(exc)) from exc
    if not converged:
        raise click.ClickException("the devices did not converge")


cli.add_command(relay)
cli.add_command(device)
cli.add_command(sync)
cli.add_command(status)
cli.add_command(conflicts)
cli.add_command(note)
cli.add_command(history)
cli.add_command(activity)
cli.add_command(group)
cli.add_command(export)
cli.add_command(import_)
cli.add_command(inspect_group)
cli.add_command(act_sandbox)
cli.add_command(bridge)
for _kind, _noun in (("contact", "contact"), ("company", "company"),
                     ("opportunity", "opportunity")):
    cli.add_command(record_group(_kind, _noun))


def main() -> None:
    """Entry point of the ``handsync`` console script."""
    cli()
