"""A trivial system for comparison with the reference baseline: one fixed sentence for every turn.

Every turn of every dialogue of a test set is answered with the same sentence (per language), and
the turns of the spoken tasks get that sentence spoken by the synthetic voice in a neutral tone, so
the submission is complete and valid. Whatever a judge gives it is the floor a real system must beat.

  python benchmarks/fixed_sentence_system.py --testset DATA/test --out SUBMISSION
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = {"en": "Thank you for telling me.", "zh": "谢谢你告诉我。"}


def main() -> None:
    from humdial_eval.inputs.submission_writer import Response, SubmissionWriter
    from humdial_eval.reference_model.inference import read_testset
    from humdial_eval.reference_model.synthetic.voice import ASSISTANT, NumpyVoice

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testset", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--speak-tasks", default="T3")
    args = parser.parse_args()
    speak = set(args.speak_tasks.split(","))
    testset = read_testset(args.testset, ["T1", "T2", "T3"], ["zh", "en"])
    voice = NumpyVoice()
    audio = {lang: voice.synthesize(text, lang, "neutral", ASSISTANT, np.random.default_rng(0)) for lang, text in SENTENCES.items()}
    with SubmissionWriter(args.out, overwrite=True) as writer:
        for key in sorted(testset.files):
            for dialogue in testset.files[key].dialogues.values():
                spoken = dialogue.task in speak
                writer.add(dialogue, [
                    Response(t.turn_id, SENTENCES[dialogue.language], audio[dialogue.language] if spoken else None, 16000)
                    for t in dialogue.turns
                ])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
