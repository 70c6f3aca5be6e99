"""Page weight and speed of the results browser for a full-size run (900 items) in headless Chromium.

Builds the full-size data (benchmarks/fullsize.py), scores it with the offline judge (which writes report.html),
then opens report.html on its items table in the system's Chromium (Playwright, no browser download) several
times: the time from navigation start until the table of 900 rows is drawn (the page's own performance.now()
when it is ready), the wall time of the whole open as Playwright sees it, and the time of a text filter over the
table. Also the sizes of report.html and of an exported page without audio.

    .venv/bin/python benchmarks/view_page.py            # -> benchmarks/results/view_page.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.fullsize import build_distinct  # noqa: E402
from benchmarks.machine import describe, load_average  # noqa: E402
from tests.humdial_eval.view.browser import chromium_path  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--per-file", type=int, default=150)
    parser.add_argument("--name", default="view_page")
    args = parser.parse_args()
    result: dict[str, Any] = {"benchmark": "view_page", "machine": describe(), "command_line": sys.argv[1:]}
    with tempfile.TemporaryDirectory(prefix="humdial-view-bench-") as tmp:
        work = Path(tmp)
        testset, submission = build_distinct(work / "data", args.per_file)
        run = work / "run"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "humdial_eval", "score", str(submission), "--testset", str(testset),
                        "--out", str(run), "--no-cache"], check=True, cwd=REPO, capture_output=True)
        result["score_seconds"] = round(time.perf_counter() - started, 2)
        from humdial_eval.view.page import write_report_html

        started = time.perf_counter()
        write_report_html(run, work / "again.html")
        result["report_html_write_seconds"] = round(time.perf_counter() - started, 3)
        subprocess.run([sys.executable, "-m", "humdial_eval", "view", str(run), "--export", str(work / "export.html"),
                        "--no-audio"], check=True, cwd=REPO, capture_output=True)
        items = sum(1 for line in (run / "items.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
        result.update(items=items, report_html_bytes=(run / "report.html").stat().st_size,
                      export_no_audio_bytes=(work / "export.html").stat().st_size)
        result["browser"] = _measure(run / "report.html", args.repeats, items)
    out = REPO / "benchmarks" / "results" / f"{args.name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    b = result["browser"]
    print(f"{items} items; report.html {result['report_html_bytes'] / 2**20:.2f} MiB; table drawn "
          f"{b['rendered_ms_median']:.0f} ms after navigation start (median of {args.repeats}, max "
          f"{b['rendered_ms_max']:.0f}); open as Playwright sees it {b['open_ms_median']:.0f} ms; text filter "
          f"{b['filter_ms_median']:.1f} ms -> {out.relative_to(REPO)}")
    return 0


def _measure(report: Path, repeats: int, items: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise SystemExit("no chromium executable (apt-get install chromium)")
    rendered, opened, filtered, loads = [], [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        version = browser.version
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            loads.append(load_average())
            started = time.perf_counter()
            page.goto(report.as_uri() + "#/run/0/items")
            page.wait_for_selector("body[data-ready=true]")
            opened.append((time.perf_counter() - started) * 1000)
            rows = page.locator("table.items tbody tr").count()
            if rows != items:
                raise SystemExit(f"the table has {rows} rows, expected {items}")
            rendered.append(float(page.get_attribute("body", "data-rendered-ms")))
            filtered.append(page.evaluate("""() => {
                const box = document.querySelector('input[data-filter=text]');
                const t0 = performance.now();
                box.value = 'sorry';
                box.dispatchEvent(new Event('input'));
                return performance.now() - t0; }"""))
            page.close()
        browser.close()
    return {
        "chromium": version, "executable": executable, "repeats": repeats, "load_average_before_each": loads,
        "rendered_ms": [round(x, 1) for x in rendered], "rendered_ms_median": statistics.median(rendered),
        "rendered_ms_max": max(rendered),
        "open_ms": [round(x, 1) for x in opened], "open_ms_median": round(statistics.median(opened), 1),
        "filter_ms": [round(x, 2) for x in filtered], "filter_ms_median": round(statistics.median(filtered), 2),
    }


if __name__ == "__main__":
    raise SystemExit(main())
