"""The README's screenshots of the results browser: the bundled sample scored offline, its report.html opened in
headless Chromium (the system's package, driven by Playwright), the overview and one T3 item saved as PNG.

    .venv/bin/python scripts/view_screenshots.py        # -> docs/images/view-overview.png, view-item.png
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.humdial_eval.view.browser import chromium_path  # noqa: E402


def main() -> int:
    from playwright.sync_api import sync_playwright

    images = REPO / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="humdial-view-shots-") as tmp:
        run = Path(tmp) / "sample-team"
        subprocess.run([sys.executable, "-m", "humdial_eval", "score", "examples/submission", "--testset",
                        "examples/testset", "--out", str(run), "--no-cache", "--system-name", "sample-team"],
                       check=True, cwd=REPO, capture_output=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1150}, device_scale_factor=1)
            page.goto((run / "report.html").as_uri())
            page.wait_for_selector("body[data-ready=true]")
            page.screenshot(path=str(images / "view-overview.png"))
            page.goto((run / "report.html").as_uri() + "#/run/0/items")
            page.select_option("select[data-filter=task]", "T3")
            page.select_option("select[data-filter=language]", "en")
            page.locator("table.items tbody tr td a").first.click()
            page.wait_for_selector("article.item")
            page.wait_for_function("[...document.querySelectorAll('audio')].every(a => a.readyState >= 1)")
            page.screenshot(path=str(images / "view-item.png"), full_page=True)
            browser.close()
    print(f"wrote {images / 'view-overview.png'} and {images / 'view-item.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
