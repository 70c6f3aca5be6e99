"""Headless Chromium for the viewer's tests and benchmark: the system's Debian package, driven by Playwright.

Playwright is never asked to download a browser: it is pointed at the installed executable. Tests skip only
when no Chromium executable exists on the machine (CI installs the `chromium` package).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# The Debian package's binary first: /usr/bin/chromium is a shell wrapper around it.
CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    """The Chromium executable to drive: $HUMDIAL_EVAL_CHROMIUM, else the first installed candidate."""
    chosen = os.environ.get("HUMDIAL_EVAL_CHROMIUM")
    if chosen:
        return chosen
    for name in CANDIDATES:
        found = name if Path(name).is_file() and os.access(name, os.X_OK) else shutil.which(name)
        if found:
            return found
    return None
