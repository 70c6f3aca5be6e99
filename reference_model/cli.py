"""``humdial-eval baseline data|train|infer|evaluate``: the reference model from the command line.

Multi-process training goes through torchrun, e.g.
``torchrun --nproc-per-node 2 -m humdial_eval.cli.main baseline train --config tiny --data D --out C``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from humdial_eval.inputs import layout
from humdial_eval.outputs.atomic_write import write_atomic
from humdial_eval.cli.errors import EXIT_INVALID, EXIT_OK, UserError
from humdial_eval.terminal import printable

CONFIG_DIR = Path(__file__).parent / "configs"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("baseline", help="the reference IEAT spoken language model: data, train, infer, evaluate")
    commands = parser.add_subparsers(dest="baseline_command", metavar="{data,train,infer,evaluate}")
    parser.set_defaults(func=lambda args: _usage(parser))

    data = commands.add_parser("data", help="write a synthetic bilingual training set and held-out test split")
    data.add_argument("--out", type=Path, required=True, help="folder to create (gets train/ and test/)")
    data.add_argument("--train-dialogues", type=int, default=40, help="training dialogues per task and language (40)")
    data.add_argument("--test-dialogues", type=int, default=8, help="held-out dialogues per task and language (8)")
    data.add_argument("--languages", default="zh,en", help="comma-separated languages (zh,en)")
    data.add_argument("--voice", choices=("numpy", "espeak"), default="numpy", help="user voice: numpy tones (default) or espeak-ng")
    data.add_argument("--seed", type=int, default=0)
    data.add_argument("--writer", metavar="PROFILE", help="an LLM judge profile (openai backend) that writes each training "
                      "turn's cause and reply; without it the templates do (offline)")
    data.add_argument("--overwrite", action="store_true", help="write into a non-empty --out")
    data.set_defaults(func=run_data)

    train = commands.add_parser("train", help="two-stage training (stage 1 then stage 2)")
    train.add_argument("--config", required=True, help="a YAML path or a shipped config name (tiny, paper)")
    train.add_argument("--data", type=Path, required=True, help="training data in the test-set layout ({zh,en}/HD-Track1-T{n}.jsonl + wavs)")
    train.add_argument("--out", type=Path, required=True, help="checkpoint folder (final model; stage1/ holds the stage-1 model)")
    train.add_argument("--resume", action="store_true", help="continue the run saved in --out exactly where it stopped")
    train.add_argument("--stop-after", type=int, metavar="N", help="stop (with a resumable state) after N optimiser steps")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config field, e.g. stages.stage1.steps=50")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.set_defaults(func=run_train)

    infer = commands.add_parser("infer", help="answer a test set and write a submission folder")
    _add_model_arguments(infer)
    infer.add_argument("--out", type=Path, required=True, help="submission folder (HD-Track1/ is created inside unless --out is named so)")
    infer.add_argument("--speak-tasks", default="T3", help="tasks whose turns get response audio (T3)")
    infer.add_argument("--overwrite", action="store_true", help="replace submission files that exist")
    infer.add_argument("--no-validate", action="store_true", help="skip checking the submission with the harness's validator")
    infer.set_defaults(func=run_infer)

    evaluate = commands.add_parser("evaluate", help="emotion-from-audio accuracy and text-speech consistency on a held-out split")
    _add_model_arguments(evaluate)
    evaluate.add_argument("--out", type=Path, help="write the report as JSON here")
    evaluate.add_argument("--no-consistency", action="store_true", help="skip the (slower) consistency measurement")
    evaluate.add_argument("--asr", metavar="MODEL", help="a local FunASR ASR model folder: whole-reply coverage by "
                          "transcribing the spoken replies (else by unit count against the reply's length)")
    evaluate.add_argument("--asr-transcriber", metavar="MODULE:FACTORY", help="any transcriber object instead of --asr")
    evaluate.set_defaults(func=run_evaluate)


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", type=Path, required=True, help="a training --out folder (or its stage1/)")
    parser.add_argument("--testset", type=Path, required=True, help="test set folder (HD-Track1-Test/ or its parent)")
    parser.add_argument("--tasks", default="T1,T2,T3", help="comma-separated tasks (T1,T2,T3)")
    parser.add_argument("--languages", default="zh,en", help="comma-separated languages (zh,en)")
    parser.add_argument("--limit", type=int, help="only the first N dialogues of each file (a quick look)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (cpu)")
    parser.add_argument("--max-new-tokens", type=int, default=160, help="cap on the tokens of the thinking and of the reply (160 each)")
    parser.add_argument("--unit-temperature", type=float, default=0.7, help="sampling temperature of speech units; 0 is greedy (0.7)")
    parser.add_argument("--trajectory", choices=("heard", "model"), default="heard",
                        help="last turn of T1: summarise the emotions the model's thinking named (heard, default) "
                             "or let the model write the summary (model)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_data(args: argparse.Namespace) -> int:
    from humdial_eval.reference_model.synthetic.generate import generate_dataset
    from humdial_eval.reference_model.synthetic.voice import make_voice

    languages = _languages(args.languages)
    if args.train_dialogues < 1 or args.test_dialogues < 0:
        raise UserError("--train-dialogues must be at least 1 and --test-dialogues at least 0")
    if args.out.exists() and any(args.out.iterdir()) and not args.overwrite:
        raise UserError(f"{args.out} is not empty; pass --overwrite or choose another --out")
    try:
        voice = make_voice(args.voice)
    except RuntimeError as exc:
        raise UserError(str(exc)) from exc
    writer = _writer(args.writer) if args.writer else None
    from humdial_eval.reference_model.writer import WriterError

    try:
        summary = generate_dataset(
            args.out, voice, train_dialogues=args.train_dialogues, test_dialogues=args.test_dialogues,
            languages=tuple(languages), seed=args.seed, writer=writer,
        )
    except WriterError as exc:
        raise UserError(f"{exc} (nothing usable was written; {args.out} may hold a partial data set)") from exc
    if writer is not None:
        print(f"writer {printable(writer.name)}: cause and reply written for {summary.written} of {summary.asked} training turns "
              f"({writer.fallbacks} left to the templates)")
    for split in ("train", "test"):
        print(f"{split}: {summary.dialogues[split]} dialogues, {summary.turns[split]} turns -> {printable(args.out / split)}")
    print(f"{summary.audio_seconds / 60:.1f} minutes of user audio ({voice.name} voice)")
    return EXIT_OK


def _writer(spec: str) -> Any:
    from humdial_eval.engine.profiles import ProfileError
    from humdial_eval.reference_model.writer import ProfileWriter

    try:
        return ProfileWriter(spec)
    except ProfileError as exc:
        raise UserError(str(exc)) from exc
    except ImportError as exc:
        raise UserError(f"--writer needs the llm extra (pip install 'humdial-eval[llm]'): {exc}") from exc


def run_train(args: argparse.Namespace) -> int:
    from humdial_eval.reference_model.checkpoint import CheckpointError
    from humdial_eval.reference_model.config import ConfigError, config_from_dict
    from humdial_eval.reference_model.prepare import DataError
    from humdial_eval.reference_model.training import TrainingError, train

    raw = _read_config(args.config)
    for assignment in args.set:
        _apply_override(raw, assignment)
    try:
        config = config_from_dict(raw, source=str(_config_path(args.config)))
    except ConfigError as exc:
        raise UserError(str(exc)) from exc
    if args.stop_after is not None and args.stop_after < 1:
        raise UserError("--stop-after must be at least 1")
    try:
        result = train(
            config, args.data, args.out, resume=args.resume, stop_after=args.stop_after,
            progress=not args.no_progress and sys.stderr.isatty(), log=lambda m: print(m, file=sys.stderr),
        )
    except (DataError, TrainingError, CheckpointError, ConfigError) as exc:
        raise UserError(str(exc)) from exc
    state = "stopped early (resume with --resume)" if result.stopped_early else "finished"
    print(f"training {state} after {result.seconds:.0f} s; steps {result.steps}; checkpoint {printable(args.out)}")
    return EXIT_OK


def run_infer(args: argparse.Namespace) -> int:
    from humdial_eval.inputs.submission_writer import SubmissionExistsError
    from humdial_eval.reference_model.inference import TestSetError, write_submission

    bundle, testset = _load_inputs(args)
    speak = _split(args.speak_tasks, "speak-tasks")
    with _bar(args, testset) as advance:
        try:
            summary = write_submission(
                bundle, testset, args.out, speak_tasks=speak, overwrite=args.overwrite, limit=args.limit,
                options=_decoding(args), on_dialogue=advance,
            )
        except (SubmissionExistsError, TestSetError) as exc:
            raise UserError(str(exc)) from exc
    print(f"wrote {printable(summary.root)}: {summary.dialogues} dialogues, {summary.turns} turns, {summary.spoken} spoken replies "
          f"({summary.ended_by_model} ended by the model, the rest at their unit budget)")
    if summary.capped:
        print(f"{summary.capped} spoken repl(ies) needed more than units.max_units ({bundle.config.units.max_units}) "
              "and were cut there", file=sys.stderr)
    if summary.empty_replies:
        print(f"{summary.empty_replies} empty generated repl(ies) were replaced by a stock reply", file=sys.stderr)
    if summary.transcript_fallbacks:
        print(f"{summary.transcript_fallbacks} turn(s) had no user audio and were read from the transcript", file=sys.stderr)
    if bundle.speech_rate is None:
        print(f"{args.checkpoint}: no speech_rate.json (a checkpoint from before the unit budget): spoken replies "
              "are limited by units.max_units only; re-train to speak whole replies", file=sys.stderr)
    if args.no_validate:
        return EXIT_OK
    return _report_validation(summary.root, args)


def _report_validation(root: Path, args: argparse.Namespace) -> int:
    """The harness's own validator on what was written: never a silent invalid submission."""
    from humdial_eval.engine.pipeline import ValidateOptions, validate

    tasks = _split(args.tasks, "tasks")
    # a generated submission has no system description to check: the packaging rules are off
    report = validate(ValidateOptions(root, args.testset, tuple(tasks) if tasks else None,
                                      tuple(_languages(args.languages)), package_rules="off")).issues
    shown = 20
    for issue in (report.errors + report.warnings)[:shown]:
        print(issue.format(), file=sys.stderr)
    more = len(report.errors) + len(report.warnings) - shown
    if more > 0:
        print(f"... and {more} more (humdial-eval validate {root} --testset {args.testset} lists them all)", file=sys.stderr)
    valid = not report.errors
    verdict = "VALID" if valid else "INVALID"
    print(f"validation: {verdict}, {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    if valid:
        return EXIT_OK
    if args.limit is not None:  # a quick look, asked for: the verdict is shown, the run is not a failure
        print(f"(--limit {args.limit} answers only part of the test set: the rest is missing by design)", file=sys.stderr)
        return EXIT_OK
    return EXIT_INVALID


def run_evaluate(args: argparse.Namespace) -> int:
    from humdial_eval.reference_model.evaluation import evaluate

    from humdial_eval.reference_model.meter import MeterError

    bundle, testset = _load_inputs(args)
    transcribe = _transcriber(args)
    passes = 1 if args.no_consistency else 2
    with _bar(args, testset, passes) as advance:
        try:
            report = evaluate(
                bundle, testset, limit=args.limit, consistency=not args.no_consistency, options=_decoding(args),
                on_dialogue=advance, transcribe=transcribe,
            )
        except MeterError as exc:
            raise UserError(str(exc)) from exc
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(args.out, text + "\n")
    print(text)
    return EXIT_OK


def _transcriber(args: argparse.Namespace) -> Any:
    """An ASR function for whole-reply coverage, from --asr or --asr-transcriber (None without either)."""
    if not args.asr and not args.asr_transcriber:
        return None
    if args.no_consistency:
        raise UserError("--asr needs the spoken replies, which --no-consistency skips")
    from humdial_eval.judges.acoustic.transcription import AsrSpec, load_transcriber

    try:
        transcriber = load_transcriber(AsrSpec(model=args.asr, transcriber=args.asr_transcriber, max_seconds=60.0))
    except Exception as exc:  # an ASR model or plug-in that cannot be loaded: say which and why
        raise UserError(f"cannot load the transcriber {args.asr_transcriber or args.asr}: {type(exc).__name__}: {exc}"[:500]) from exc
    return transcriber.transcribe


def _load_inputs(args: argparse.Namespace) -> tuple[Any, Any]:
    import torch

    from humdial_eval.reference_model.checkpoint import CheckpointError, load_bundle
    from humdial_eval.reference_model.inference import TestSetError, read_testset

    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be at least 1")
    if args.device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no GPU is available")
    try:
        bundle = load_bundle(args.checkpoint, args.device)
        testset = read_testset(args.testset, _split(args.tasks, "tasks"), _languages(args.languages))
    except (CheckpointError, TestSetError) as exc:
        raise UserError(str(exc)) from exc
    if bundle.config.train.num_threads:
        # as many torch threads as the run was trained with (train.num_threads): threads beyond the free
        # cores spend their time waiting on a shared machine
        torch.set_num_threads(bundle.config.train.num_threads)
    return bundle, testset


def _decoding(args: argparse.Namespace) -> Any:
    from humdial_eval.reference_model.decoding import DecodingOptions

    if args.max_new_tokens < 1 or args.unit_temperature < 0:
        raise UserError("--max-new-tokens must be at least 1 and --unit-temperature at least 0")
    return DecodingOptions(
        max_thinking_tokens=args.max_new_tokens, max_reply_tokens=args.max_new_tokens, unit_temperature=args.unit_temperature,
        trajectory=args.trajectory,
    )


def _bar(args: argparse.Namespace, testset: Any, passes: int = 1) -> Any:
    import contextlib

    total = passes * sum(min(len(f.dialogues), args.limit or len(f.dialogues)) for f in testset.files.values())
    if args.no_progress or not sys.stderr.isatty():
        return contextlib.nullcontext(lambda: None)
    from rich.progress import Progress

    @contextlib.contextmanager
    def bar() -> Any:
        with Progress(transient=True) as progress:
            task = progress.add_task("dialogues", total=total)
            yield lambda: progress.advance(task)

    return bar()


def _config_path(spec: str) -> Path:
    path = Path(spec)
    if path.is_file():
        return path
    shipped = CONFIG_DIR / f"{spec}.yaml"
    if shipped.is_file():
        return shipped
    names = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
    raise UserError(f"config {spec!r} not found (not a file; shipped configs: {names})")


def _read_config(spec: str) -> dict[str, Any]:
    path = _config_path(spec)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the config: {exc}") from exc
    if not isinstance(data, dict):
        raise UserError(f"{path}: a config must be a YAML mapping")
    return data


def _apply_override(raw: dict[str, Any], assignment: str) -> None:
    key, sep, value = assignment.partition("=")
    if not sep or not key.strip():
        raise UserError(f"--set {assignment!r}: expected KEY=VALUE, e.g. stages.stage1.steps=50")
    node = raw
    parts = key.strip().split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise UserError(f"--set {assignment!r}: {part} is not a section")
        node = child
    try:
        node[parts[-1]] = yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise UserError(f"--set {assignment!r}: the value is not valid YAML: {exc}") from exc


def _split(value: str, name: str) -> list[str]:
    items = [part.strip() for part in value.split(",") if part.strip()]
    if not items:
        raise UserError(f"--{name} is empty")
    return items


def _languages(value: str) -> list[str]:
    chosen = _split(value, "languages")
    unknown = [lang for lang in chosen if lang not in layout.LANGUAGES]
    if unknown:
        raise UserError(f"unknown language(s) {', '.join(unknown)}; the benchmark has {', '.join(layout.LANGUAGES)}")
    return chosen
