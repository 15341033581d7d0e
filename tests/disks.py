"""Real storage faults for tests: a small tmpfs to fill up, an ext4 image for chattr.

Mounting needs root, as CI runs; elsewhere the test that asks for one is skipped, and
the relay's `--max-db-mb` tests cover the same paths without privileges."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest


@contextmanager
def _mounted(where: Path, argv: list[str], what: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount {what} here ({done.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def small_tmpfs(where: Path, megabytes: int) -> AbstractContextManager[Path]:
    """Mount a ``megabytes`` tmpfs at ``where`` (made if missing); unmount afterwards."""
    return _mounted(where, ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                            str(where)], "a tmpfs")


@contextmanager
def ext4_image(where: Path, megabytes: int) -> Iterator[Path]:
    """Mount a new ``megabytes`` ext4 filesystem (a loop device over an image file beside
    ``where``) at ``where``: unlike tmpfs it takes ``chattr +i``."""
    image = where.with_suffix(".img")
    image.write_bytes(b"")
    os.truncate(image, megabytes * 1024 * 1024)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True,
                          text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot make an ext4 image here ({made.stderr.strip()})")
    with _mounted(where, ["mount", "-o", "loop", str(image), str(where)],
                  "an ext4 image") as mount:
        yield mount
