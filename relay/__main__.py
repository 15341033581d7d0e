"""``python -m relay …`` is ``handsync relay …``."""

from __future__ import annotations

from relay.cli import relay

relay(prog_name="python -m relay")
