"""The bridge's log: ``logs/bridge.log`` in the bridge home, rotated by size.

``bridge run`` (and so the service) writes every line it says here with a UTC time, so a
PC where nobody watches a console still tells what happened: five files of 1 MB at most
(``bridge.log``, ``bridge.log.1`` … ``bridge.log.5``).
"""

from __future__ import annotations

import logging
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_DIR = "logs"
LOG_FILE = "bridge.log"
MAX_BYTES = 1_000_000
BACKUPS = 5


def log_path(home: Path) -> Path:
    """Where the bridge in ``home`` logs."""
    return home / LOG_DIR / LOG_FILE


class BridgeLog:
    """An open log; :meth:`write` one line at a time, :meth:`close` when done."""

    def __init__(self, home: Path, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
        path = log_path(home)
        path.parent.mkdir(exist_ok=True)
        self._handler = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                            encoding="utf-8")
        formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
        formatter.converter = time.gmtime
        self._handler.setFormatter(formatter)
        # A logger of our own, not propagating: the bridge's lines only go to this file.
        self._logger = logging.Logger(f"handsync.bridge.{path}", logging.INFO)
        self._logger.propagate = False
        self._logger.addHandler(self._handler)

    def __enter__(self) -> BridgeLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, line: str) -> None:
        """Append one line (with the time in UTC)."""
        self._logger.info(line)

    def close(self) -> None:
        """Flush and close the file."""
        self._logger.removeHandler(self._handler)
        self._handler.close()
