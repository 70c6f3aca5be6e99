"""The challenge's packaging rules in `validate`: HD-Track1.zip and a system description of at least two pages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from humdial_eval.cli.main import main
from tests.conftest import Dataset, write_pdf


def codes(dataset: Dataset, capsys: pytest.CaptureFixture[str], *extra: str, submission: Path | None = None) -> tuple[int, dict[str, str]]:
    capsys.readouterr()
    code = main(["validate", str(submission or dataset.submission), "--testset", str(dataset.testset), "--json", *extra])
    document = json.loads(capsys.readouterr().out)
    return code, {issue["code"]: issue["severity"] for issue in document["issues"]}


def test_a_complete_package_has_no_rule_issue(dataset: Dataset, capsys: pytest.CaptureFixture[str]) -> None:
    assert codes(dataset, capsys, "--strict") == (0, {})


@pytest.mark.parametrize(("breakage", "code"), [
    (lambda d: (d.submission / "Team_System_Description.pdf").unlink(), "missing_system_description"),
    (lambda d: write_pdf(d.submission / "Team_System_Description.pdf", pages=1), "system_description_too_short"),
    (lambda d: (d.submission / "Team_System_Description.pdf").write_bytes(b"%PDF-1.7\n garbage"),
     "system_description_unreadable"),
    (lambda d: (d.submission / "Team_System_Description.pdf").write_text("a Word file, renamed"),
     "system_description_unreadable"),
])
def test_rule_breaches_warn_and_fail_under_strict(dataset: Dataset, capsys: pytest.CaptureFixture[str], breakage,  # type: ignore[no-untyped-def]
                                                  code: str) -> None:
    breakage(dataset)
    assert codes(dataset, capsys) == (0, {code: "warning"})
    assert codes(dataset, capsys, "--strict") == (1, {code: "error"})


def test_a_package_with_another_name_is_reported(dataset: Dataset, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "my_submission"), "zip", dataset.submission.parent, "HD-Track1"))
    assert codes(dataset, capsys, submission=archive) == (0, {"package_name": "warning"})
    proper = archive.rename(tmp_path / "HD-Track1.zip")
    assert codes(dataset, capsys, "--strict", submission=proper) == (0, {})
