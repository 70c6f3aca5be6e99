"""The results browser in a real browser (headless Chromium): what issue 20's "Must show" lists.

Overview numbers against summary.json, one table row per item, filters and sorting, an item with playable
audio for every user turn and the reply, next/previous under the filter, hostile texts kept as text, the
comparison against a hand computation, and the served and exported pages playing audio.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from humdial_eval.cli.main import main
from humdial_eval.view.page import load_runs, render_page, write_report_html
from humdial_eval.view.server import ViewerServer
from tests.humdial_eval.view.browser import chromium_path
from tests.humdial_eval.view.runs import (
    EXAMPLES, HOSTILE, changed_submission, hand_differences, hostile_submission, records, sample_run, score,
)

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium executable (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(10000)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    opened.errors = errors
    yield opened
    context.close()


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")


def _number(text: str | None) -> float | None:
    """A number as the page wrote it in data-value ("null" for none)."""
    return None if text in (None, "null") else float(text)


def _wait_playable(page: Any) -> list[dict[str, Any]]:
    """Every audio element on the page once its metadata loaded (or failed): readyState, duration, error."""
    page.wait_for_function("[...document.querySelectorAll('audio')].every(a => a.readyState >= 1 || a.error)",
                           timeout=15000)
    return page.evaluate("[...document.querySelectorAll('audio')].map(a => ({label: a.dataset.audio, ready: a.readyState,"
                         " duration: a.duration, error: a.error && a.error.code}))")


def test_score_report_overview_table_item_and_audio(tmp_path: Path, page: Any) -> None:
    run = sample_run(tmp_path)
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    _open(page, (run / "report.html").as_uri())
    # the final (here partial, the offline judge scores no T3 D2/D3) and every dimension mean, as summary.json has them
    assert _number(page.get_attribute("[data-testid=final]", "data-value")) == summary["final"]
    assert _number(page.get_attribute("[data-testid=final_partial]", "data-value")) == summary["final_partial"]
    assert page.inner_text("[data-testid=final_partial]") == f"{summary['final_partial']:.2f}"
    checked = 0
    for language, entry in summary["languages"].items():
        for task, values in entry.items():
            if not (isinstance(values, dict) and task in ("T1", "T2", "T3")):
                continue
            for key, value in values.items():
                if key.endswith(("_ci", "_n", "_n_expected")):
                    continue
                cell = page.locator(f'[data-cell="{language}|{task}|{key}"]')
                assert _number(cell.get_attribute("data-value")) == value, (language, task, key)
                assert cell.inner_text() == ("n/a" if value is None else f"{value:.2f}")
                checked += 1
    assert checked == 2 * 3 * 4
    assert page.locator("svg[data-plot]").count() == 7  # one distribution per scored dimension
    assert page.get_attribute('[data-count="items"]', "data-value") == str(summary["counts"]["items"])
    # the table: one row per item
    items = records(run)
    page.click("a[data-nav=items]")
    page.wait_for_selector("table.items tbody tr")
    rows = page.locator("table.items tbody tr")
    assert rows.count() == len(items) == len({(r["task"], r["language"], r["dialogue_id"], r["turn_id"]) for r in items})
    page.select_option("select[data-filter=task]", "T3")
    assert rows.count() == sum(r["task"] == "T3" for r in items)
    page.select_option("select[data-filter=language]", "en")
    assert rows.count() == sum(r["task"] == "T3" and r["language"] == "en" for r in items)
    # sort by the T3 dimension, highest first
    page.click('th[data-sort="dim:textual_empathy_insight"]')
    shown = [float(v) for v in page.locator("table.items tbody tr td.score").all_inner_texts() if v]
    assert shown == sorted(shown, reverse=True) and len(shown) == rows.count()
    # open the first, walk to the next under the filter, and back
    first_id = page.locator("table.items tbody tr td a").first.inner_text()
    page.locator("table.items tbody tr td a").first.click()
    page.wait_for_selector("article.item")
    assert page.inner_text("[data-field=dialogue_id]") == first_id
    heard = _wait_playable(page)
    turn = next(r["turn_id"] for r in items if r["dialogue_id"] == first_id)
    assert [a["label"] for a in heard] == [f"user turn {i}" for i in range(1, turn + 1)] + ["evaluated reply"]
    assert all(a["ready"] >= 1 and a["duration"] > 0 and a["error"] is None for a in heard), heard
    assert page.locator("[data-field=reply_text]").count() == 1
    assert page.locator(".judgment [data-field=rationale]").count() == 1
    page.click("a[data-nav=next]")
    page.wait_for_selector("article.item")
    second_id = page.inner_text("[data-field=dialogue_id]")
    assert second_id != first_id and second_id.startswith("en_t3_")
    page.click("a[data-nav=previous]")
    page.wait_for_selector("article.item")
    assert page.inner_text("[data-field=dialogue_id]") == first_id
    assert not page.errors


def test_filters_score_range_flag_and_text(tmp_path: Path, page: Any) -> None:
    run = sample_run(tmp_path)
    items = records(run)
    _open(page, (run / "report.html").as_uri() + "#/run/0/items")
    rows = page.locator("table.items tbody tr")
    page.select_option("select[data-filter=dimension]", "Added_Value")
    page.fill("input[data-filter=min]", "3")
    assert rows.count() == sum(r["scores"].get("Added_Value", 0) >= 3 for r in items)
    page.fill("input[data-filter=min]", "")
    page.select_option("select[data-filter=dimension]", "")
    page.select_option("select[data-filter=flag]", "language_rule")
    assert rows.count() == sum("language_rule" in r["flags"] for r in items) > 0
    page.select_option("select[data-filter=flag]", "")
    page.fill("input[data-filter=text]", "biscuit")
    assert rows.count() >= 1
    assert all("t3" in t for t in page.locator("table.items tbody tr td a").all_inner_texts())
    page.fill("input[data-filter=text]", "no such words anywhere")
    assert rows.count() == 0 and page.inner_text("[data-testid=count]").startswith("0 of")


def test_hostile_texts_stay_text(tmp_path: Path, page: Any) -> None:
    run = score(hostile_submission(tmp_path), EXAMPLES / "testset", tmp_path / "run")
    # hostile texts from a judge too: reasoning, error, raw answer, flags, the judge's name
    lines = records(run)
    for record in lines:
        if record["task"] == "T3" and record["language"] == "en":
            record.update(rationale=HOSTILE["img"] + HOSTILE["bidi"], error=HOSTILE["link"], judge=HOSTILE["script"],
                          flags=[*record["flags"], HOSTILE["close"]])
            record["meta"]["raw_answer"] = HOSTILE["close"]
    (run / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    write_report_html(run)
    _open(page, (run / "report.html").as_uri() + "#/run/0/items")
    page.select_option("select[data-filter=task]", "T3")
    page.select_option("select[data-filter=language]", "en")
    count = page.locator("table.items tbody tr").count()
    assert count == 4
    page.locator("table.items tbody tr td a").first.click()
    for position in range(count):
        page.wait_for_selector("article.item")
        text = page.inner_text("article.item")
        assert HOSTILE["img"] in page.inner_text("[data-field=reply_text]")  # shown literally, as written
        assert "<script>" in text and "onerror=" in text and "javascript:" in text
        assert "abc\\u202edcba\\u2066x\\u2069" in text and "\u202e" not in text and "\u2066" not in text
        assert page.inner_text("[data-field=raw_answer]") == HOSTILE["close"]
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
        assert page.evaluate("document.querySelectorAll('script').length") == 2
        assert page.evaluate("[...document.querySelectorAll('a')].every(a => a.getAttribute('href').startsWith('#/'))")
        if position < count - 1:
            page.click("a[data-nav=next]")
    assert not page.errors


def test_comparison_matches_a_hand_computation_and_opens_side_by_side(tmp_path: Path, page: Any) -> None:
    base = sample_run(tmp_path)
    other = score(changed_submission(tmp_path), EXAMPLES / "testset", tmp_path / "changed-run")
    assert main(["view", str(base), str(other), "--export", str(tmp_path / "both.html"), "--no-audio"]) == 0
    _open(page, (tmp_path / "both.html").as_uri())
    page.click("a[data-nav=compare]")
    page.wait_for_selector("table[data-table=diffs]")
    expected = hand_differences(base, other)
    for (task, dimension, language), value in expected.items():
        shown = page.get_attribute(f'[data-cell="{task}|{dimension}|{language}"]', "data-value")
        assert float(shown) == pytest.approx(value, abs=1e-4), (task, dimension)
    assert any(v != 0 for v in expected.values())
    ranks = [float(v) for v in page.locator("table[data-table=disagreement] tbody tr td:nth-child(6)").all_inner_texts()]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > 0
    page.locator("table[data-table=disagreement] tbody tr td a").first.click()
    page.wait_for_selector(".sidebyside")
    assert page.locator(".sidebyside article.item").count() == 2
    assert page.locator(".sidebyside .runname").all_inner_texts() == ["sample-run", "changed-run"]
    assert not page.errors


def test_served_and_exported_pages_play_audio(tmp_path: Path, page: Any) -> None:
    testset, submission = tmp_path / "testset", tmp_path / "submission"
    shutil.copytree(EXAMPLES / "testset", testset)
    shutil.copytree(EXAMPLES / "submission", submission)
    run = score(submission, testset, tmp_path / "run")
    runs = load_runs([run])
    index = next(i for i, r in enumerate(runs[0].rows) if r["task"] == "T3")
    server = ViewerServer(render_page(runs, audio="server"), [runs[0].audio])
    server.start()
    try:
        _open(page, f"{server.url}#/run/0/item/{index}")
        heard = _wait_playable(page)
        assert len(heard) >= 2 and all(a["ready"] >= 1 and a["duration"] > 0 for a in heard), heard
        assert page.evaluate("document.querySelector('audio').src").startswith(server.url + "audio/0/")
    finally:
        server.shutdown()
        server.server_close()
    assert main(["view", str(run), "--export", str(tmp_path / "one.html")]) == 0
    shutil.rmtree(testset)  # the exported page needs nothing beside it
    shutil.rmtree(submission)
    _open(page, (tmp_path / "one.html").as_uri() + f"#/run/0/item/{index}")
    heard = _wait_playable(page)
    assert len(heard) >= 2 and all(a["ready"] >= 1 and a["duration"] > 0 for a in heard), heard
    assert not page.errors
