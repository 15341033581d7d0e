"""Real storage faults for tests: a small tmpfs to fill up.

Mounting needs root, as CI runs; elsewhere the test that asks for one is skipped, and
the relay's `--max-db-mb` tests cover the same paths without privileges."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_tmpfs(where: Path, megabytes: int) -> Iterator[Path]:
    """Mount a ``megabytes`` tmpfs at ``where`` (made if missing); unmount afterwards."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                           str(where)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
