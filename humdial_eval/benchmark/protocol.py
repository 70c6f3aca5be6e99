"""Scoring protocols: every rule that decides a score without being a judge's opinion, by name, in one place.

``score --protocol NAME`` picks one; summary.json, every items.jsonl record and the report carry its
name and settings, so a number always says which rules made it.

- ``humdial`` (the default): the harness's documented rules plus integrity rules, so that nothing a
  submission contains can turn a bad item into no item (see :data:`HUMDIAL`).
- ``official``: the published scoring scripts (ASLP-lab/Hum-Dial, ``Emotional_Intelligence/
  eval_task{1,2,3}.py``, commit 211cd64) item for item, quirks included, plus the challenge's language
  rule (``--no-language-rule`` leaves the scripts alone). See :data:`OFFICIAL` and docs/protocols.md
  for each rule with the line of the script it reproduces.

A protocol is data. The task plugins read their part through task options (turn selection, history,
empty replies), judges through :meth:`humdial_eval.benchmark.judgment.Judge.use_protocol` (answer parsing,
sampling), and the runner and aggregation read the rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

# Reply length caps (characters of the stripped reply), per language. A reply above its cap is a
# validation error and, under a protocol with integrity rules, scores the minimum without being sent.
# English replies run ~5 characters a word; the cap allows ~800 words, a Chinese one ~2000 characters:
# several times the longest reply a judge is asked to read in the published prompts' spirit ("concise").
REPLY_CAPS: dict[str, int] = {"en": 4000, "zh": 2000}
DEFAULT_REPLY_CAP = 4000


@dataclass(frozen=True)
class OfficialAnswerRule:
    """How one published script reads a judge's answer (the parts that differ between scripts).

    ``scores_required``: ``eval_dict["scores"]`` (T1/T2: a missing key fails the item) versus
    ``eval_dict.get("scores", {})`` (T3: every dimension then becomes 1).
    ``overflow_fails_item``: T1/T2 catch only ValueError/TypeError around ``int()``, so ``int(Infinity)``
    (OverflowError) fails the whole item; T3's bare ``except`` makes it 1.
    ``repair_brackets``: T1/T2's repair also appends missing ``]``; T3's only ``}``.
    """

    scores_required: bool
    overflow_fails_item: bool
    repair_brackets: bool


OFFICIAL_T1_T2 = OfficialAnswerRule(scores_required=True, overflow_fails_item=True, repair_brackets=True)
OFFICIAL_T3 = OfficialAnswerRule(scores_required=False, overflow_fails_item=False, repair_brackets=False)


@dataclass(frozen=True)
class Protocol:
    """The rules of one scoring protocol. Field comments say what each does; docs/protocols.md compares them."""

    name: str
    description: str
    # Which T3 turn is evaluated (a rule name of tasks/empathy.py's TURN_RULES).
    t3_turn_rule: str
    # T1/T2 history shown to the judge: "all" earlier turns, or "text_and_emotion" (only the turns
    # whose raw label and text are both non-empty, as the published scripts build it).
    history: str
    # An empty reply: "rule_min" (scores the minimum without a judge) or "judge" (sent as it is).
    empty_reply: str
    # Per-task answer-reading rules of the published scripts; empty = the harness's tolerant parser.
    official_answers: dict[str, OfficialAnswerRule] = field(default_factory=dict)
    # Settings forced on every LLM judge (sampling, max_tokens, seed, parse retries); empty = the profile's.
    llm_settings: dict[str, Any] = field(default_factory=dict)
    # The challenge's language rule: a reply not in the test set's language scores the minimum.
    language_rule: bool = True
    # Integrity rules: audio with non-finite samples, digital silence or a duration absurd for its text
    # scores the minimum on the audio dimensions; a reply over REPLY_CAPS scores the minimum unsent;
    # a judgment that fails because of the submission (HTTP 400/413/422, audio the judge cannot take)
    # scores the minimum, flagged submission_fault.
    integrity: bool = True
    # What a dialogue with no turn to evaluate becomes: "fallback" (the turn rule picks another) or
    # "skip" (counted as skipped, in no mean), which the published T3 script does.
    unqualified_dialogue: str = "fallback"
    # A whole answer the protocol's parser cannot read: "judge_failure" (unscored; the run is
    # incomplete unless --on-failure says otherwise) or "exclude" (left out by the protocol's own rule).
    unparsable_answer: str = "judge_failure"

    def task_options(self) -> dict[str, str]:
        """The options task plugins read (turn selection, history, empty replies)."""
        return {
            "t3_turn_rule": self.t3_turn_rule,
            "history": self.history,
            "empty_reply": self.empty_reply,
            "unqualified_dialogue": self.unqualified_dialogue,
        }

    def record(self) -> dict[str, Any]:
        """What summary.json and the report say about the protocol (items carry its name)."""
        data = asdict(self)
        data["official_answers"] = sorted(self.official_answers)
        return data


HUMDIAL = Protocol(
    name="humdial",
    description="humdial-eval's documented rules with integrity rules: no expected item silently leaves a mean",
    t3_turn_rule="second_non_neutral",
    history="all",
    empty_reply="rule_min",
)

OFFICIAL = Protocol(
    name="official",
    description="the published scripts eval_task{1,2,3}.py item for item, plus the challenge's language rule",
    t3_turn_rule="published_second_raw",
    history="text_and_emotion",
    empty_reply="judge",
    official_answers={"T1": OFFICIAL_T1_T2, "T2": OFFICIAL_T1_T2, "T3": OFFICIAL_T3},
    # SamplingParams and LLM(seed=...) of eval_task{1,2,3}.py; the scripts parse each answer once.
    llm_settings={"temperature": 0.6, "top_p": 0.95, "top_k": 20, "max_tokens": 16384, "seed": 1234,
                  "parse_retries": 0},
    integrity=False,
    unqualified_dialogue="skip",
    unparsable_answer="exclude",
)

PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (HUMDIAL, OFFICIAL)}
DEFAULT_PROTOCOL = HUMDIAL.name


def get_protocol(name: str, *, language_rule: bool = True, t3_turn_rule: str | None = None) -> Protocol:
    """The named protocol, with the user's ``--no-language-rule`` and (humdial only) ``--t3-turn-rule``."""
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; choose one of {', '.join(PROTOCOLS)}")
    protocol = PROTOCOLS[name]
    if t3_turn_rule is not None and t3_turn_rule != protocol.t3_turn_rule:
        if protocol is OFFICIAL:
            raise ValueError(
                f"--t3-turn-rule {t3_turn_rule}: the official protocol fixes the T3 turn rule to "
                f"{OFFICIAL.t3_turn_rule} (what eval_task3.py does)"
            )
        protocol = replace(protocol, t3_turn_rule=t3_turn_rule)
    if not language_rule:
        protocol = replace(protocol, language_rule=False)
    return protocol


def reply_cap(language: str) -> int:
    return REPLY_CAPS.get(language, DEFAULT_REPLY_CAP)
