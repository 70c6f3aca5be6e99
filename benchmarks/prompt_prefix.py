"""How much of consecutive judge prompts a server's prefix cache can reuse, per task and prompt version.

vLLM (the official judge's server) keeps the KV cache of prompts it has computed and reuses the longest
cached prefix of a new request (automatic prefix caching). A judge run sends one task's items one
after another, so the figure that matters is the prefix each prompt shares with the prompt sent
before it. For every task of the full-size synthetic set (``fullsize.py``: 150 dialogues per task and
language) the prompts are rendered in the order the runner sends them (zh, then en) with the official
judge's settings (T3 audio attached), and for each prompt after the first the longest common prefix
with the previous one is divided by its length; the mean over the task is reported, in characters.

Tokens: where a tokenizer is at hand offline (``--tokenizer``, a ``tokenizers`` JSON file, e.g. the
judge model's ``tokenizer.json``) the same is computed in tokens; none ships with the packages here.
The T3 recording is not text: with humdial-v1 it is sent *before* the text, so the cacheable prefix
of a T3 request ends at the recording (the chat template's opening only); the ``cacheable`` column
accounts for that, the ``text`` column compares the texts alone.

Run by hand from the repository root (about half a minute)::

    .venv/bin/python benchmarks/prompt_prefix.py [--versions humdial-v1,humdial-v2] [--data DIR]
        [--tokenizer PATH] [--name prompt_prefix]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.fullsize import build_distinct  # noqa: E402
from benchmarks.machine import describe  # noqa: E402
from humdial_eval.benchmark.items import EvalItem  # noqa: E402
from humdial_eval.benchmark.language import language_mismatch  # noqa: E402
from humdial_eval.engine.registry import task_class  # noqa: E402
from humdial_eval.inputs.validation import open_inputs  # noqa: E402
from humdial_eval.judges.llm.prompting import PromptLibrary  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
GOAL = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", default="humdial-v1,humdial-v2")
    parser.add_argument("--data", type=Path, help="where to build (or reuse) the data (default: a temporary folder)")
    parser.add_argument("--tokenizer", type=Path, help="a tokenizers JSON file (tokenizer.json) for token figures")
    parser.add_argument("--name", default="prompt_prefix")
    args = parser.parse_args()
    tokenizer = _tokenizer(args.tokenizer)
    result: dict[str, Any] = {"benchmark": "prompt_prefix", "machine": describe(), "command_line": sys.argv[1:],
                              "tokenizer": str(args.tokenizer) if tokenizer else None, "versions": {}}
    with tempfile.TemporaryDirectory(prefix="humdial-prefix-") as scratch:
        testset, submission = build_distinct((args.data or Path(scratch) / "data") / "full", 150)
        tasks = [task_class(t)() for t in ("T1", "T2", "T3")]
        with open_inputs(submission, testset, tasks, ["zh", "en"]) as inputs:
            for version in args.versions.split(","):
                library = PromptLibrary(version, {}, "prefix-benchmark")
                result["versions"][version] = {task.id: measure(library, task, inputs, tokenizer) for task in tasks}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for version, per_task in result["versions"].items():
        cells = ", ".join(f"{t} {v['cacheable_mean']:.0%} (text {v['text_mean']:.0%})" for t, v in per_task.items())
        print(f"{version}: mean shared prefix with the previous prompt: {cells}")
    return 0


def measure(library: PromptLibrary, task: Any, inputs: Any, tokenizer: Any) -> dict[str, Any]:
    """Render the task's prompts in the runner's order and compare each with the one before."""
    template = None
    prompts: list[tuple[str, bool]] = []
    for language in inputs.testset.languages():
        gold_file, submitted_file = inputs.testset.get(language, task.id), inputs.submission.get(language, task.id)
        for gold in gold_file.dialogues.values():
            item = task.build_item(gold, submitted_file.dialogues.get(gold.dialogue_id) if submitted_file else None)
            if not isinstance(item, EvalItem) or not item.response_text or language_mismatch(item.response_text, language):
                continue  # scored by rule: no request
            dims = [d for d in task.rubric.dimensions if item.response_audio or not d.needs_audio]
            audio = item.response_audio is not None and any(d.needs_audio for d in dims)
            rendered = library.render(task, item, dims, audio_attached=audio)
            template = rendered.template
            prompts.append((rendered.text, audio))
    text_shares, cacheable_shares, token_shares = [], [], []
    for (previous, _), (current, audio) in zip(prompts, prompts[1:]):
        shared = len(os.path.commonprefix([previous, current])) / len(current)
        text_shares.append(shared)
        cacheable_shares.append(0.0 if audio and not (template and template.audio_last) else shared)
        if tokenizer is not None:
            a, b = tokenizer.encode(previous).ids, tokenizer.encode(current).ids
            common = len(os.path.commonprefix([a, b]))
            token_shares.append(0.0 if audio and not (template and template.audio_last) else common / len(b))
    entry: dict[str, Any] = {
        "prompts": len(prompts), "mean_chars": round(statistics.mean(len(p) for p, _ in prompts)),
        "text_mean": round(statistics.mean(text_shares), 4), "text_min": round(min(text_shares), 4),
        "cacheable_mean": round(statistics.mean(cacheable_shares), 4),
        "with_audio": sum(audio for _, audio in prompts),
        "audio_position": "after the text" if template and template.audio_last else "before the text",
        "goal": GOAL, "met": statistics.mean(cacheable_shares) >= GOAL,
    }
    if token_shares:
        entry["tokens_cacheable_mean"] = round(statistics.mean(token_shares), 4)
    return entry


def _tokenizer(path: Path | None) -> Any:
    if path is None:
        return None
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(path))


if __name__ == "__main__":
    sys.exit(main())
