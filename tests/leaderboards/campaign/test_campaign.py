"""`campaign run | finish | status`: three teams scored with one LLM judge and one store, killed with SIGKILL while
scoring and run again (no judgment asked twice), the top K shortlisted, blind sheets of their T3 items only, and
a final board whose numbers match a hand computation from the filled sheets."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest
import yaml

from humdial_eval.cli.main import main
from tests.conftest import Dataset
from tests.faults.faulty import FaultPlan, start

REPO = Path(__file__).resolve().parents[3]
TEAMS = ("alpha", "beta", "gamma")
CONCURRENCY = 2
D2, D3 = "vocal_empathy_congruence", "audio_quality_naturalness"


def make_teams(dataset: Dataset, root: Path) -> Path:
    """Three submissions with replies of their own (each team's prompts differ), named by folder."""
    for number, team in enumerate(TEAMS):
        target = root / team / "HD-Track1"
        shutil.copytree(dataset.submission, target)
        for path in target.glob("*/*.jsonl"):
            lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            for dialogue in lines:
                for turn in dialogue["turns"]:
                    if turn.get("response_text"):
                        turn["response_text"] += "" if number == 0 else f" (take {number})"
            path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in lines), encoding="utf-8")
    return root


def rounded(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def test_a_killed_campaign_resumes_shortlists_and_ends_in_the_hand_computed_board(
    dataset: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = FaultPlan(latency=0.03)
    server = start(plan)
    try:
        teams = make_teams(dataset, tmp_path / "submissions")
        profile = tmp_path / "judge.yaml"
        profile.write_text(yaml.safe_dump({"backend": "openai", "model": "campaign-omni", "base_url": server.url,
                                           "audio": True, "concurrency": CONCURRENCY, "request_timeout": 5,
                                           "max_retries": 2, "backoff_base": 0.01, "backoff_max": 0.02}))
        out = tmp_path / "campaign"
        args = ["campaign", "run", str(teams), "--testset", str(dataset.testset), "--judge", str(profile),
                "--out", str(out), "--shortlist", "2", "--raters", "2", "--panel", "3", "--bootstrap", "200"]
        process = subprocess.Popen([sys.executable, "-m", "humdial_eval", *args], cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while plan.total_delivered() < 8 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL, "the campaign finished before it could be killed"
        killed_at = plan.total_delivered()
        assert main(args) == 0
        after_resume = plan.total_delivered()
        assert after_resume > killed_at
        # every judgment delivered once, but those a killed process received and could not store
        assert sum(plan.delivered.values()) - len(plan.delivered) <= CONCURRENCY
        assert main(args) == 0  # a third run asks nothing: every judgment is in the store
        assert plan.total_delivered() == after_resume
    finally:
        server.stop()

    state = json.loads((out / "campaign.json").read_text())
    finals = {}
    for team in TEAMS:
        summary = json.loads((out / "teams" / team / "preliminary" / "summary.json").read_text())
        assert summary["system"] == team and summary["final"] is not None  # the judge listens: a complete final
        finals[team] = summary["final"]
        assert state["teams"][team]["preliminary"] == finals[team]
    top = sorted(TEAMS, key=lambda t: (-finals[t], t))[:2]
    assert sorted(t for t in TEAMS if state["teams"][t]["shortlisted"]) == sorted(top)
    assert (out / "preliminary" / "leaderboard.md").is_file()

    key = json.loads((out / "private" / "key.json").read_text())
    assert {item["system"] for item in key["items"]} == set(top)
    assert {item["task"] for item in key["items"]} == {"T3"}
    t3_items = sum(1 for line in (out / "teams" / top[0] / "preliminary" / "items.jsonl").read_text().splitlines()
                   if json.loads(line)["task"] == "T3")
    assert len(key["items"]) == 2 * t3_items
    loads = [len(item["raters"]) for item in key["items"]]
    assert set(loads) == {2}
    per_rater = {r: sum(r in item["raters"] for item in key["items"]) for r in ("rater-01", "rater-02", "rater-03")}
    assert max(per_rater.values()) - min(per_rater.values()) <= 1
    for path in (out / "sheets").rglob("*"):  # nothing on a sheet names a team
        if path.is_file() and path.suffix in {".html", ".csv"}:
            text = path.read_text(encoding="utf-8")
            assert not any(team in text for team in TEAMS), path

    filled, scores = [], {}
    for template in sorted((out / "sheets").glob("*/rating_template.csv")):
        rows = list(csv.DictReader(template.open(encoding="utf-8")))
        for row in rows:
            row["score"] = str(1 + (hash((row["item"], row["dimension"], row["rater"])) % 5))
            scores.setdefault((row["item"], row["dimension"]), []).append(int(row["score"]))
        target = template.with_name("filled.csv")
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        filled.append(str(target))
    capsys.readouterr()
    assert main(["campaign", "finish", str(out), "--human-ratings", *filled]) == 0
    assert "Krippendorff" in capsys.readouterr().out
    board = json.loads((out / "final" / "leaderboard.json").read_text())
    teams_on_board = {team["team"]: team for team in board["teams"]}
    by_item = {item["item"]: item for item in key["items"]}
    for team in top:
        row = teams_on_board[team]
        assert row["unlike"] == []
        for language in ("zh", "en"):
            hand = {}
            for dimension in (D2, D3):
                means = [sum(v) / len(v) for (item, dim), v in scores.items()
                         if dim == dimension and by_item[item]["system"] == team and by_item[item]["language"] == language]
                hand[dimension] = rounded(sum(means) / len(means))
            entry = row["languages"][language]
            tasks = entry["tasks"]
            assert Decimal(str(tasks["T3"][D2])) == hand[D2]
            assert Decimal(str(tasks["T3"][D3])) == hand[D3]
            expected = (Decimal("0.2") * Decimal(str(tasks["T1"]["avg"])) + Decimal("0.2") * Decimal(str(tasks["T2"]["avg"]))
                        + Decimal("0.1") * Decimal(str(tasks["T3"]["textual_empathy_insight"]))
                        + Decimal("0.25") * hand[D2] + Decimal("0.25") * hand[D3])
            assert Decimal(str(entry["final"])) == expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    (left_out,) = [t for t in TEAMS if t not in top]
    assert teams_on_board[f"{left_out} (preliminary)"]["unlike"]
    reliability = json.loads((out / "final" / "panel_reliability.json").read_text())
    assert reliability["raters"] == 3 and {g["dimension"] for g in reliability["groups"]} == {D2, D3}
    assert main(["campaign", "status", str(out)]) == 0
    status = capsys.readouterr().out
    assert all(team in status for team in TEAMS) and "finished with" in status
