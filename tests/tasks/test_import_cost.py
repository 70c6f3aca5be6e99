"""Loading the task plugins (every LLM judge does, for their prompt templates) must stay cheap:
sklearn, which only the T4/T5 metrics use, costs ~0.9 s to import and is imported when they run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_loading_every_task_plugin_does_not_import_sklearn() -> None:
    code = (
        "import sys\n"
        "from humdial_eval.engine import registry\n"
        "for name in ('T1', 'T2', 'T3', 'T4', 'T5'):\n"
        "    registry.task_class(name)\n"
        "from humdial_eval.judges.llm.prompting import PromptLibrary\n"
        "PromptLibrary('humdial-v1', {}, 'probe')\n"
        "print('sklearn' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_metrics_still_work_once_asked_for() -> None:
    from humdial_eval.tasks.classification import classification_metrics

    metrics = classification_metrics(["happy", "sad", "sad"], ["happy", "sad", None])
    assert metrics["accuracy"] == round(2 / 3, 4) and metrics["unanswered"] == 1
