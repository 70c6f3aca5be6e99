"""Inference over a test set: answer every turn of every dialogue and write the submission.

Dialogues are answered turn by turn, each turn seeing the model's own earlier thinking and replies
(not the gold ones), as in a live conversation. Every turn gets a ``response_text``; turns of the
tasks in ``speak_tasks`` (T3 by default, whose voice is judged) also get response audio. A turn
without user audio is read from its transcript through the text path, which the model also learned.

The last turn of a T1 dialogue asks how the user's feelings changed. With ``DecodingOptions.trajectory``
``heard`` (the default) its reply is the trajectory summary of the emotions the model's own thinking
named in the earlier turns, said through the model (read in as its reply, then spoken): the tiny model
does not learn to recall a whole trajectory from its context and would otherwise repeat a memorised
summary. ``model`` leaves the reply to the model. Either way the emotions are the model's, never gold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from humdial_eval.inputs import layout
from humdial_eval.benchmark.dialogue import Dialogue, TestSet
from humdial_eval.inputs.loading import UnusableTestSet, load_testset_strictly
from humdial_eval.inputs.submission_writer import Response, SubmissionWriter
from humdial_eval.reference_model.arrays import ArrayStore
from humdial_eval.reference_model.checkpoint import Bundle
from humdial_eval.reference_model.decoding import Decoder, DecodingOptions
from humdial_eval.reference_model.features import load_audio, make_extractor
from humdial_eval.reference_model.ieat import trajectory_reply
from humdial_eval.reference_model.packing import TurnView
from humdial_eval.reference_model.phrasebook import parse_emotion
from humdial_eval.reference_model.reply_checks import SpokenReply
from humdial_eval.reference_model.synthetic.generate import hash_stream
from humdial_eval.reference_model.units import load_vocoder


# The core's strict reader, under the names this package's callers use.
TestSetError = UnusableTestSet
read_testset = load_testset_strictly


@dataclass
class InferenceSummary:
    root: Path
    dialogues: int = 0
    turns: int = 0
    spoken: int = 0
    transcript_fallbacks: int = 0
    empty_replies: int = 0
    trajectories_from_heard: int = 0  # T1 summaries said from the emotions the model heard
    ended_by_model: int = 0  # spoken replies whose end the speech head chose (else the budget stopped them)
    capped: int = 0  # spoken replies longer than the config's unit cap allows: cut at the cap
    files: list[str] = field(default_factory=list)
    spoken_replies: list[SpokenReply] = field(default_factory=list)
    keep_audio: bool = False  # keep each spoken reply's samples in spoken_replies (for a transcriber)


def write_submission(
    bundle: Bundle, testset: TestSet, out: Path, *, speak_tasks: Sequence[str] = ("T3",), overwrite: bool = False,
    options: DecodingOptions = DecodingOptions(), limit: int | None = None,
    on_dialogue: Callable[[], None] = lambda: None,
) -> InferenceSummary:
    """``limit`` answers only the first N dialogues of each file (for a quick look; not a valid submission)."""
    extractor = make_extractor(bundle.config.features)
    vocoder = load_vocoder(bundle.codec)
    features = ArrayStore()
    decoder = Decoder(bundle, features, features.length, options)
    summary = InferenceSummary(root=out)
    with SubmissionWriter(out, overwrite=overwrite) as writer:
        summary.root = writer.root
        for key in sorted(testset.files):
            file = testset.files[key]
            for dialogue in list(file.dialogues.values())[:limit]:
                responses = answer_dialogue(
                    decoder, dialogue, extractor, features, bundle.config.features.max_seconds,
                    speak=dialogue.task in speak_tasks, vocoder=vocoder, summary=summary,
                )
                writer.add(dialogue, responses)
                summary.dialogues += 1
                on_dialogue()
            summary.files.append(str(layout.task_file(writer.root, *key).relative_to(writer.root)))
    return summary


def answer_dialogue(
    decoder: Decoder, dialogue: Dialogue, extractor: Callable[[np.ndarray], np.ndarray], features: ArrayStore,
    max_seconds: float, *, speak: bool, vocoder: Callable[[np.ndarray], tuple[np.ndarray, int]],
    summary: InferenceSummary,
) -> list[Response]:
    history: list[TurnView] = []
    responses = []
    for index, turn in enumerate(dialogue.turns):
        feature_id = None
        if turn.user_audio is not None:
            feature_id = features.add(extractor(load_audio(turn.user_audio, max_seconds)))
        else:
            summary.transcript_fallbacks += 1
        current = TurnView(turn.text, feature_id)
        seed = hash_stream(f"{dialogue.language}:{dialogue.task}:{dialogue.dialogue_id}:{turn.turn_id}")
        said = _heard_trajectory(dialogue, index, history, decoder.options.trajectory, seed)
        if said is not None:
            summary.trajectories_from_heard += 1
        generated = decoder.respond(dialogue.language, dialogue.task, history, current, speak=speak, seed=seed, reply=said)
        if not generated.reply:  # say a stock reply rather than leave the turn unanswered (and speak that)
            generated = decoder.respond(dialogue.language, dialogue.task, history, current, speak=speak, seed=seed,
                                        reply=_fallback_reply(dialogue.language))
            summary.empty_replies += 1
        audio, rate = (None, 16000)
        if speak and generated.units is not None:
            audio, rate = vocoder(generated.units)
            summary.spoken += 1
            summary.ended_by_model += generated.ended
            capped = bool(generated.budget and generated.budget.capped)
            summary.capped += capped
            summary.spoken_replies.append(SpokenReply(
                dialogue.language, generated.reply, len(generated.units), len(audio) / rate, generated.ended,
                capped, audio if summary.keep_audio else None,
            ))
        responses.append(Response(turn.turn_id, generated.reply, audio, rate))
        history.append(TurnView(turn.text, feature_id, generated.thinking, generated.reply))
        summary.turns += 1
    return responses


def _heard_trajectory(dialogue: Dialogue, index: int, history: list[TurnView], mode: str, seed: int) -> str | None:
    """At the last turn of a T1 dialogue (``mode`` heard): the summary of the emotions the thinking named."""
    if mode != "heard" or dialogue.task != "T1" or index == 0 or index != len(dialogue.turns) - 1:
        return None
    heard = [emotion for emotion in (parse_emotion(turn.thinking) for turn in history) if emotion is not None]
    return trajectory_reply(dialogue.language, heard, seed) if heard else None


def _fallback_reply(language: str) -> str:
    """An empty generation would leave the turn unanswered; say so plainly instead."""
    return "我在听，请继续说。" if language == "zh" else "I'm listening, please go on."
