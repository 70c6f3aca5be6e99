"""Property-style check of the official answer reader over thousands of generated judge answers.

Each answer is built from parts whose outcome under the published scripts is known by construction, from
Python's documented behaviour as the scripts apply it (eval_task1.py lines 79-92, 156-232; eval_task3.py
76-83, 160-236): ``json.loads`` reads the JSON (an integer literal past 4300 digits makes it raise a plain
ValueError, which drops the item; ``1e400`` becomes ``inf``); ``int()`` of each score truncates floats,
reads strings of any Unicode decimal digits with underscores and a sign, refuses everything else
(ValueError/TypeError: 1) and overflows on ``inf`` (T1/T2 drop the item, T3 gives 1); T1/T2 then map
``<=2 -> 1, <=4 -> 3, else 5``, T3 clamps to 1..5. Wrappers (fences, prose, a cut-off end) decide whether
the JSON is found at all. The generator is seeded: a failure names the answer that broke the rule."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import pytest

from humdial_eval.judges.llm.parsing import ParseError, parse_official
from humdial_eval.benchmark.protocol import OFFICIAL_T1_T2, OFFICIAL_T3
from humdial_eval.tasks.empathy import RUBRIC as T3
from humdial_eval.tasks.trajectory import RUBRIC as T1

DROP = "drop"  # the scripts record an error for the item
OVERFLOW = "overflow"  # int() raises OverflowError: T1/T2 drop the item, T3 scores 1
# Unicode decimal digits int() accepts: Arabic-Indic, Devanagari, fullwidth, mathematical bold
DIGIT_SETS = ("0123456789", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "０１２３４５６７８９",
              "".join(chr(0x1D7CE + i) for i in range(10)))


@dataclass(frozen=True)
class Value:
    literal: str  # as it stands in the JSON text
    number: int | None  # int() of it; None: int() refuses it (the dimension becomes 1)
    effect: str | None = None  # DROP or OVERFLOW for the whole answer


def spell(number: int, digits: str) -> str:
    text = "".join(digits[int(c)] for c in str(abs(number)))
    return ("-" if number < 0 else "") + text


def values(rng: random.Random) -> Value:
    kind = rng.randrange(13)
    if kind == 0:  # a plain integer, small or far past float range
        n = rng.choice([rng.randint(-9, 12), rng.randint(-10**400, 10**400), -(10 ** rng.randint(309, 1000))])
        return Value(str(n), n)
    if kind == 1:  # a finite float: truncated toward zero
        f = rng.choice([rng.uniform(-9, 9), rng.uniform(-1e300, 1e300)])
        return Value(repr(f), int(f))
    if kind == 2:  # a float literal past float range: json.loads makes it inf
        return Value(rng.choice(["1e400", "-1e999", "Infinity", "-Infinity"]), None, OVERFLOW)
    if kind == 3:
        return Value("NaN", None)  # int(nan) raises ValueError
    if kind == 4:  # a string of digits in any Unicode decimal script, maybe signed, padded, with underscores
        n = rng.randint(-99, 99)
        text = spell(n, rng.choice(DIGIT_SETS))
        if rng.random() < 0.3 and len(text.lstrip("-")) > 1:
            text = text[:-1] + "_" + text[-1]
        if rng.random() < 0.3 and n >= 0:
            text = "+" + text
        pad = rng.choice(["", " ", "\t", " \n"])
        return Value(json.dumps(pad + text + pad, ensure_ascii=rng.random() < 0.5), n)
    if kind == 5:  # strings int() refuses
        return Value(json.dumps(rng.choice(["4.5", "", "five", "1e3", "3/5", "0x5", "--3", "5_", "٣.٠", "9" * 5000])),
                     None)
    if kind == 6:
        flag = rng.random() < 0.5
        return Value("true" if flag else "false", int(flag))
    if kind == 7:
        return Value(rng.choice(["null", "[]", "[5]", "{}", '{"value": 5}']), None)
    if kind == 8:  # an integer literal past Python's 4300-digit limit: json.loads raises ValueError
        return Value("9" * rng.randint(4301, 6000), None, DROP)
    if kind == 9:
        return Value("-0", 0)
    if kind == 10:
        return Value("5.999999999999999999", 6)  # json.loads rounds it to 6.0
    if kind == 11:
        n = rng.randint(1, 5)
        return Value(str(n), n)
    return Value("MISSING", None)  # the key is left out: .get() gives None


def t1_map(n: int) -> int:
    return 1 if n <= 2 else 3 if n <= 4 else 5


def t3_map(n: int) -> int:
    return max(1, min(5, n))


def answer(rng: random.Random, keys: list[str]) -> tuple[str, list[Value], str | None]:
    """An answer text, the value of each key, and the wrapper's verdict (DROP or None)."""
    chosen = [values(rng) for _ in keys]
    members = [f'"{k}": {v.literal}' for k, v in zip(keys, chosen) if v.literal != "MISSING"]
    if rng.random() < 0.3:
        members.insert(rng.randrange(len(members) + 1), '"note": ["a", {"b": "ü ✓"}]')
    body = '{"scores": {' + ", ".join(members) + '}, "justification": {"x": "fine"}, "overall_comment": "ok"}'
    wrapper = rng.randrange(7)
    verdict = None
    if wrapper == 0:
        text = body
    elif wrapper == 1:
        text = "Here you go.\n```json\n" + body + "\n```\nThanks!"
    elif wrapper == 2:
        text = "```json " + body  # fence never closed: the rest is read
    elif wrapper == 3:
        text = "```\njson\n" + body + "\n```"
    elif wrapper == 4:
        text = "My evaluation: " + body  # prose before bare JSON: not JSON
        verdict = DROP
    elif wrapper == 5:
        text = body[: body.rindex("}")]  # cut before the last brace: the repair appends it
    else:
        text = "  \n" + body + "\n "
    return text, chosen, verdict


def expected(chosen: list[Value], verdict: str | None, t1_t2: bool) -> list[int] | str:
    if verdict == DROP or any(v.effect == DROP for v in chosen):
        return DROP
    if t1_t2 and any(v.effect == OVERFLOW for v in chosen):
        return DROP
    mapping = t1_map if t1_t2 else t3_map
    return [1 if v.number is None else mapping(v.number) for v in chosen]


@pytest.mark.parametrize("task", ["T1", "T3"])
def test_generated_answers_read_as_the_published_scripts_read_them(task: str) -> None:
    rubric, rule = (T1, OFFICIAL_T1_T2) if task == "T1" else (T3, OFFICIAL_T3)
    keys = list(rubric.keys())
    rng = random.Random(f"official-answers-{task}")
    seen: set[str] = set()
    for _ in range(1500):
        text, chosen, verdict = answer(rng, keys)
        want = expected(chosen, verdict, task == "T1")
        try:
            got: list[int] | str = [parse_official(text, rubric, keys, rule).scores[k] for k in keys]
        except ParseError:
            got = DROP
        assert got == want, (text[:300], [v.literal[:40] for v in chosen])
        seen.add("drop" if got == DROP else "scored")
    assert seen == {"drop", "scored"}


def test_deep_nesting_and_non_object_answers_drop_the_item_without_an_exception() -> None:
    keys = list(T3.keys())
    for text in ("[" * 100_000, '{"scores": ' + "[" * 50_000 + "]" * 50_000 + "}", "[1, 2]", '"scores"', "5"):
        for rubric, rule in ((T1, OFFICIAL_T1_T2), (T3, OFFICIAL_T3)):
            with pytest.raises(ParseError):
                parse_official(text, rubric, list(rubric.keys()), rule)
    assert [parse_official('{"scores": {}, "x": ' + "[" * 10 + "]" * 10 + "}", T3, keys, OFFICIAL_T3).scores[k]
            for k in keys] == [1, 1, 1]
