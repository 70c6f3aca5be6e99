"""The results browser as one HTML file: data embedded as JSON, rendered by the package's own script and style.

The page needs no network and no build step. Every text of a run (replies, user turns, judges' reasons, ids) is
data inside ``<script type="application/json">`` and is put on screen with DOM text nodes only, so markup in a
reply stays text. A Content-Security-Policy with the hashes of the one script and the one style refuses any other
script, even one that found its way in. Audio is referred to by a source the caller chooses: a ``file:`` URI
(report.html beside the run), the viewer server's numbered route, an embedded data URI (``--export``), or none.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from humdial_eval.inputs.inputfiles import read_regular_bytes
from humdial_eval.terminal import json_line
from humdial_eval.view.compare import compare_runs
from humdial_eval.view.explain import EXPLANATIONS
from humdial_eval.view.rundata import MAX_AUDIO_BYTES, AudioFile, RunData, audio_allowed, read_run

AudioMode = Literal["file", "server", "inline", "none"]
REPORT_FILE = "report.html"
SCHEMA = "humdial-eval/view/1"
# An export that embeds audio is refused beyond this: a full test set's recordings are gigabytes.
MAX_INLINE_AUDIO_BYTES = 512 * 1024 * 1024
# Characters that could end the script element or a JS string, each with its JSON escape. Replaced one by one:
# str.replace runs in C over the whole text, ten times faster here than str.translate with a mapping.
_JSON_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


class PageError(ValueError):
    """The page cannot be built as asked (e.g. embedded audio over the cap); the message says what to do."""


def write_report_html(run_dir: Path, out: Path | None = None, *, audio: AudioMode = "file") -> Path:
    """Write the browser page of one run folder to ``out`` (default ``run_dir/report.html``) and return it.

    Called by ``score`` after its other outputs (report.write_outputs) and usable by any command that writes a
    run folder; ``audio="file"`` lets the page play the recordings where the test set and submission lie."""
    target = out or run_dir / REPORT_FILE
    run = read_run(run_dir, require_items=False)  # a viewer problem must never cost `score` its results
    system = run.summary.get("system")
    if isinstance(system, str) and system:
        run.label = system  # `score` writes into a hidden staging folder: its name means nothing to a reader
    run.path = None  # the same: where the page lies is where the run lies
    target.write_text(render_page([run], audio=audio), encoding="utf-8")
    return target


def render_page(runs: Sequence[RunData], *, audio: AudioMode = "file") -> str:
    """The HTML of the browser over ``runs`` (the first is the base of every comparison)."""
    sources = _audio_sources(runs, audio)
    payload = {
        "schema": SCHEMA,
        "audio_mode": audio,
        "runs": [_run_payload(run, sources[i]) for i, run in enumerate(runs)],
        "comparisons": compare_runs(runs) if len(runs) > 1 else [],
        "explain": EXPLANATIONS,
    }
    return html_document(payload)


def load_runs(paths: Sequence[Path]) -> list[RunData]:
    """Read run folders, labelled by folder name (made unique with a number when two share a name)."""
    runs: list[RunData] = []
    for index, path in enumerate(paths):
        name = path.resolve().name or str(path)
        label = name if name not in {r.label for r in runs} else f"{name} ({index + 1})"
        runs.append(read_run(path, label))
    return runs


def html_document(payload: dict[str, Any]) -> str:
    script = _asset("viewer.js")
    style = _asset("viewer.css")
    policy = "; ".join([
        "default-src 'none'",
        f"script-src '{_sha256(script)}'",
        f"style-src '{_sha256(style)}'",
        "media-src 'self' file: data:",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<title>humdial-eval results</title>\n"
        f"<style>{style}</style>\n</head>\n<body>\n"
        "<noscript>This page needs JavaScript (no network: everything is in this file).</noscript>\n"
        "<div id=\"app\"></div>\n"
        f"<script type=\"application/json\" id=\"data\">{embed_json(payload)}</script>\n"
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def embed_json(data: Any) -> str:
    """JSON that cannot end its ``<script>`` element: ``<``, ``>``, ``&`` and the JS line separators escaped, and
    (as in every output file, terminal.json_line) no raw control or bidi character in the file."""
    text = json_line(data, separators=(",", ":"), allow_nan=False)
    for character, escape in _JSON_ESCAPES:
        text = text.replace(character, escape)
    return text


def _run_payload(run: RunData, source: Callable[[int], str | None]) -> dict[str, Any]:
    return {
        "label": run.label,
        "path": None if run.path is None else str(run.path),
        "summary": run.summary,
        "dimensions": [list(d) for d in run.dimensions],
        "records": run.records,
        "rows": run.rows,
        "validation": run.validation,
        "dialogues": run.dialogues,
        "notes": run.notes[:200],
        "audio": [source(i) for i in range(len(run.audio))],
    }


def _audio_sources(runs: Sequence[RunData], mode: AudioMode) -> list[Callable[[int], str | None]]:
    if mode == "none":
        return [lambda i: None for _ in runs]
    if mode == "file":
        return [lambda i, run=run: run.audio[i].path.as_uri() for run in runs]
    if mode == "server":
        return [lambda i, r=r: f"audio/{r}/{i}" for r in range(len(runs))]
    total = sum(file.path.stat().st_size for run in runs for file in run.audio)
    if total > MAX_INLINE_AUDIO_BYTES:
        raise PageError(f"the recordings add up to {total / 2**20:.0f} MiB, over the {MAX_INLINE_AUDIO_BYTES // 2**20} "
                        "MiB an exported page may embed; export with --no-audio, or use `humdial-eval view` to listen")
    return [lambda i, run=run: _data_uri(run.audio[i]) for run in runs]


def _data_uri(file: AudioFile) -> str | None:
    if not audio_allowed(file.path, file.root):
        return None
    data = read_regular_bytes(file.path, max_bytes=MAX_AUDIO_BYTES)
    return "data:audio/wav;base64," + base64.b64encode(data).decode("ascii")


def _asset(name: str) -> str:
    return resources.files("humdial_eval.view").joinpath("assets", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
