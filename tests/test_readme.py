"""The README's Quick start shows what `make sample` really prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_quick_start_output_in_the_readme_is_what_the_command_prints(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    command = re.search(r"^sample: setup\n\t\$\(VENV\)/bin/humdial-eval (.+)$", makefile, re.M)
    assert command is not None
    arguments = command.group(1).split()
    assert f"humdial-eval {command.group(1)}".replace(" ", "") in readme.replace("\n", "").replace(" ", "")
    shown = re.search(r"checks that this is what the command prints\):\n\n```\n(.*?)```\n", readme, re.S)
    assert shown is not None
    (tmp_path / "examples").symlink_to(REPO / "examples")  # the same relative paths, a fresh out/ and store
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("HUMDIAL_EVAL_CACHE", None)
    done = subprocess.run([sys.executable, "-m", "humdial_eval", *arguments], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr + done.stdout == shown.group(1)
