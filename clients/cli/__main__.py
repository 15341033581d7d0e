"""``python -m clients.cli``: the ``handsync`` command, for services that start Python itself."""

from __future__ import annotations

from clients.cli.main import cli

cli(prog_name="handsync")
