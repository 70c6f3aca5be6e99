"""A judge server that misbehaves on a seeded plan, and the bookkeeping the fault tests check against.

Which requests fail, how and how often is decided per request *prompt* from a seeded hash, and
counted per prompt: the same prompt gets the same faults in the same order whatever the order of
arrival, so a scenario is repeatable at any concurrency. Once its faults are spent a prompt gets a
verdict that depends on the prompt alone (not on the seed, which a parse retry changes), so a run
disturbed by faults must end with exactly the scores of an undisturbed one. Every verdict actually
delivered is counted: "judged exactly once" is checked against these counts, not assumed.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.judges.llm.fake_server import Call, FakeJudgeServer, Scripted

HANG_S = 1.2  # longer than the fault profiles' request_timeout

# Each fault as the server sends it. ``hang`` answers well, but after the client has given up.
FAULTS: dict[str, Scripted] = {
    "429": Scripted(status=429, body={"error": {"message": "rate limited", "type": "rate_limit_error"}},
                    headers={"retry-after-ms": "5"}),
    "500": Scripted(status=500, body={"error": {"message": "internal server error"}}),
    "503": Scripted(status=503, body={"error": {"message": "overloaded"}}),
    "hang": Scripted(delay=HANG_S),
    "drop": Scripted(close=True),
    "html": Scripted(body="<html><body>502 Bad Gateway</body></html>"),
    "cut": Scripted(body='{"id": "chatcmpl-x", "choices": [{"index": 0, "message": {"role": "assi'),
    "wrong_json": Scripted(body={"detail": "not a completion"}),
    "unparsable": Scripted(content="I would rather not give scores for this one."),
}
# Faults that cost a parse attempt rather than a transport retry (see LLMJudge.judge).
PARSE_FAULTS = frozenset({"wrong_json", "unparsable"})


def prompt_sha(call: Call) -> str:
    return hashlib.sha256(call.prompt.encode()).hexdigest()


def verdict(call: Call) -> str:
    """A well-formed answer for the dimensions asked, from the prompt alone."""
    digest = hashlib.sha256(call.prompt.encode()).digest()
    scores = {key: (1, 3, 5)[digest[i % len(digest)] % 3] for i, key in enumerate(call.asked)}
    return json.dumps({"scores": scores, "rationale": "planned verdict"})


@dataclass
class FaultPlan:
    """``kinds``: the faults to draw from; ``share``: the fraction of prompts that get any; each of
    those gets 1..``most`` faults (at most ``most_parse`` of them parse faults), then a verdict."""

    kinds: tuple[str, ...] = ()
    seed: int = 0
    share: float = 0.7
    most: int = 2
    most_parse: int = 1
    latency: float = 0.0
    down: bool = False  # every request fails with a 500 (an outage)
    attempts: Counter[str] = field(default_factory=Counter)
    delivered: Counter[str] = field(default_factory=Counter)  # verdicts sent, per prompt
    injected: Counter[str] = field(default_factory=Counter)  # faults sent, per kind
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def faults_for(self, sha: str) -> list[str]:
        rng = random.Random(f"{self.seed}:{sha}")
        if not self.kinds or rng.random() >= self.share:
            return []
        chosen: list[str] = []
        for _ in range(rng.randint(1, self.most)):
            kind = rng.choice(self.kinds)
            if kind in PARSE_FAULTS and sum(k in PARSE_FAULTS for k in chosen) >= self.most_parse:
                kind = next((k for k in self.kinds if k not in PARSE_FAULTS), kind)
                if kind in PARSE_FAULTS:
                    break
            chosen.append(kind)
        return chosen

    def __call__(self, call: Call) -> Scripted:
        sha = prompt_sha(call)
        with self._lock:
            if self.down:
                self.injected["outage"] += 1
                return FAULTS["500"]
            attempt = self.attempts[sha]
            self.attempts[sha] += 1
            planned = self.faults_for(sha)
            if attempt < len(planned):
                self.injected[planned[attempt]] += 1
                fault = FAULTS[planned[attempt]]
                if planned[attempt] == "hang":
                    return Scripted(content=verdict(call), delay=fault.delay)
                return fault
        time.sleep(self.latency)  # here, not as a reply delay: a verdict counts once it is on its way
        with self._lock:
            self.delivered[sha] += 1
        return Scripted(content=verdict(call))

    def total_delivered(self) -> int:
        with self._lock:
            return sum(self.delivered.values())


def start(plan: FaultPlan) -> FakeJudgeServer:
    return FakeJudgeServer(responder=plan, keep_alive=True).start()
