"""The page as a file: data embedded so that no text can end its script element, CSP pinned to the shipped assets."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from humdial_eval.view.page import embed_json, render_page
from humdial_eval.view.rundata import read_run
from tests.humdial_eval.view.runs import EXAMPLES, HOSTILE, hostile_submission, sample_run, score


def test_embedded_json_cannot_close_its_script_and_reads_back() -> None:
    data = {"reply": HOSTILE["close"], "sep": "a\u2028b\u2029c", "amp": "&lt;"}
    text = embed_json(data)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == data


def test_score_writes_report_html_with_every_item_and_no_live_hostile_markup(tmp_path: Path) -> None:
    run = score(hostile_submission(tmp_path), EXAMPLES / "testset", tmp_path / "run")
    html = (run / "report.html").read_text(encoding="utf-8")
    payload = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S).group(1))
    items = [json.loads(line) for line in (run / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(payload["runs"][0]["records"]) == len(items) == len(payload["runs"][0]["rows"])
    assert payload["runs"][0]["summary"] == json.loads((run / "summary.json").read_text(encoding="utf-8"))
    replies = json.dumps(payload["runs"][0]["dialogues"], ensure_ascii=False)
    assert HOSTILE["img"].replace('"', '\\"') in replies  # the data keeps the text as it was written
    for text in HOSTILE.values():  # ... but the HTML holds none of it raw
        assert text not in html
    assert html.count("<script") == 2 and html.count("</script>") == 2


def test_the_policy_allows_only_the_shipped_script_and_style(tmp_path: Path) -> None:
    html = render_page([read_run(sample_run(tmp_path))])
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = lambda text: base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()  # noqa: E731
    assert f"script-src 'sha256-{digest(script)}'" in policy and f"style-src 'sha256-{digest(style)}'" in policy
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy and "http" not in policy
    assert not re.search(r"(src|href)=\"?https?:", html)  # nothing fetched from the network


def test_a_run_without_items_still_gets_its_page(tmp_path: Path) -> None:
    from humdial_eval.view.page import write_report_html

    (tmp_path / "items.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "summary.json").write_text('{"languages": [1, 2], "primary_judges": "x"}', encoding="utf-8")
    page = write_report_html(tmp_path)
    assert page == tmp_path / "report.html" and 'id="data"' in page.read_text(encoding="utf-8")
