"""The HTML page in a real browser: headless Chromium renders it, and its DOM holds the names as text only.

Needs Debian's `chromium` package (/usr/bin/chromium); CI installs it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from tests.leaderboards.helpers import toy_rows, write_definition

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = "<script>alert(1)</script>"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]

pytestmark = pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs /usr/bin/chromium (apt-get install chromium)")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from humdial_eval.cli.main import main

    root = tmp_path_factory.mktemp("browser")
    rows = toy_rows(SCRIPT, {"zh": (2, 2, 2), "en": (2, 2, 2)})
    rows += toy_rows("Zoë & Co", {"zh": (4, 4, 4), "en": (4, 3, 5)})
    rows += toy_rows("团队甲", {"zh": (3, 3, 3), "en": (3, 3, 3)})
    folder = write_definition(root / "def", rows)
    assert main(["leaderboard", "build", str(folder), "--out", str(root / "out")]) == 0
    return root / "out" / "leaderboard.html"


def test_dom_holds_team_names_as_text_and_no_script(page: Path, tmp_path: Path) -> None:
    result = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<table" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert not re.search(r"<script", dom, re.IGNORECASE)
    assert "Zoë &amp; Co" in dom and "团队甲" in dom
    assert dom.count("<img") == 3


def test_screenshot_shows_a_rendered_page(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri())
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (1600, 1280)
    inked = np.any(pixels < 0.9, axis=-1).mean()
    colours = len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    # Text, table rules and the coloured figures: far from a blank page.
    assert inked > 0.02 and colours > 50, (inked, colours)
