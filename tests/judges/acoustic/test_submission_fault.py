"""An acoustic judge that cannot take a reply's audio reports it as the submission's fault."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from humdial_eval.engine.profiles import build_judges
from humdial_eval.engine.registry import task_class
from humdial_eval.judges.llm.samples import sample_item


def test_unusable_reply_audio_is_a_submission_fault(tmp_path: Path) -> None:
    profile = tmp_path / "pros.yaml"
    profile.write_text("backend: prosody\nworkers: 0\nscore_dimensions: true\n", encoding="utf-8")
    (judge,) = build_judges(str(profile))
    empty = tmp_path / "reply.wav"
    empty.write_bytes(b"")
    item = dataclasses.replace(sample_item("T3"), response_audio=empty)

    async def go():  # type: ignore[no-untyped-def]
        try:
            return await judge.judge(item, task_class("T3")())
        finally:
            await judge.aclose()

    judgment = asyncio.run(go())
    assert judgment.status == "failed" and judgment.meta["fault"] == "submission"
