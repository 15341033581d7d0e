"""The command group every handsync command line builds on (light: click and the
engine's errors only, so ``handsync --help`` stays quick)."""

from __future__ import annotations

from typing import Any

import click

from engine.errors import HandsyncError


class HandsyncGroup(click.Group):
    """A command group that turns library errors into command-line errors.

    This is the one place where a ``HandsyncError`` raised by any command below (the
    relay's here, and every ``handsync`` command: ``clients.cli.main`` builds on it)
    becomes a ``click.ClickException``: one clear line on stderr, exit status 1.
    Commands call the libraries directly and catch only what they add advice to.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HandsyncError as exc:
            raise click.ClickException(str(exc)) from exc
