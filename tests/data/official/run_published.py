"""Regenerate ``expected/`` by running the published scripts with their model imports stood in.

Not run by the test suite: the published scripts are not part of this repository. Fetch
``Emotional_Intelligence/eval_task{1,2,3}.py`` of ASLP-lab/Hum-Dial into a folder outside the
repository, apply the patch described in README.md, then::

    python tests/data/official/run_published.py /path/to/scripts

Stand-ins (written to a temporary folder put first on ``sys.path`` of each script's process):
``vllm.LLM.generate`` answers each prompt with ``scripted_judge.answer``; ``SamplingParams`` records
its arguments; the Qwen processor's ``apply_chat_template`` returns the text parts of the message;
``process_mm_info`` returns no media; ``torch.cuda.device_count`` returns 1. Nothing else changes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

STUBS = {
    "vllm/__init__.py": '''
import sys
sys.path.insert(0, {here!r})
from scripted_judge import answer

class SamplingParams:
    def __init__(self, **kwargs):
        self.kwargs = kwargs

class _Completion:
    def __init__(self, text):
        self.text = text

class _Output:
    def __init__(self, text):
        self.outputs = [_Completion(text)]

class LLM:
    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def generate(self, prompts, sampling_params):
        return [_Output(answer(p["prompt"] if isinstance(p, dict) else p)) for p in prompts]
''',
    "qwen_omni_utils/__init__.py": '''
def process_mm_info(messages, use_audio_in_video=False):
    return None, None, None
''',
    "transformers/__init__.py": '''
class Qwen3OmniMoeProcessor:
    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        return cls()

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=True):
        parts = []
        for message in messages:
            content = message["content"]
            if isinstance(content, str):
                parts.append(content)
            else:
                parts.extend(part["text"] for part in content if part.get("type") == "text")
        return "\\n".join(parts)
''',
    "torch/__init__.py": '''
class cuda:
    @staticmethod
    def device_count():
        return 1
''',
}


def main(scripts: Path) -> None:
    for data in (HERE, HERE / "refused"):  # the main data, and the lines the harness refuses (make_data.py)
        run_scripts(scripts, data)


def run_scripts(scripts: Path, data: Path) -> None:
    expected = data / "expected"
    expected.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        stubs = Path(tmp) / "stubs"
        for name, source in STUBS.items():
            path = stubs / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source.format(here=str(HERE)), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(stubs)}
        for language in ("en", "zh"):
            for task in ("T1", "T2", "T3"):
                source = data / "submission" / "HD-Track1" / language / f"HD-Track1-{task}.jsonl"
                if not source.is_file():
                    continue
                out = Path(tmp) / "out" / f"{language}_{task}.jsonl"
                run = subprocess.run(
                    [sys.executable, str(scripts / f"eval_task{task[1]}.py"), "--model", "scripted",
                     "--input_file", str(source), "--output_file", str(out)],
                    env=env, capture_output=True, text=True, check=False,
                )
                (expected / f"{language}_{task}.log").write_text(run.stdout + run.stderr, encoding="utf-8")
                if run.returncode != 0:
                    raise SystemExit(f"eval_task{task[1]}.py failed on {source}:\n{run.stderr[-2000:]}")
                shutil.copy(out, expected / f"{language}_{task}.jsonl")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
