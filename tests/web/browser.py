"""The Chromium that the browser tests drive: Debian's ``/usr/bin/chromium``.

When it is missing it is installed: with apt-get (package ``chromium``) when running
as root where apt-get exists, else as Playwright's own build (``playwright install
chromium``). ``make test`` runs this module first (``python -m tests.web.browser``);
the tests' fixture calls :func:`chromium` too, so a lone pytest run works as well.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


def chromium() -> Path | None:
    """The browser to launch: Debian's path, or None for Playwright's own build."""
    if DEBIAN_CHROMIUM.exists():
        return DEBIAN_CHROMIUM
    apt = shutil.which("apt-get")
    if apt is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
        subprocess.run([apt, "update", "-qq"], check=True)
        subprocess.run([apt, "install", "-y", "-qq", "chromium"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if DEBIAN_CHROMIUM.exists():
            return DEBIAN_CHROMIUM
    subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=True)
    return None


if __name__ == "__main__":
    found = chromium()
    print(f"browser tests use {found or 'Playwright’s Chromium'}")
