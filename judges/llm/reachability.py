"""Noticing a judge server that is not there at all, within seconds instead of after every retry.

A refused connection (nothing listens on the port, the host name does not resolve) is not an overload
that backoff cures: retried with the normal policy, a run of 900 items against a server that was
never started would spend minutes before saying anything. Each base_url that refused
:data:`REFUSALS_BEFORE_DOWN` connections in a row, with no answer in between, counts as down; when all
are down the judge stops with one message naming them. Any answer from a server, even an HTTP
error, shows it is there and resets its count. Once any server has answered, refusals no longer stop the
judge: a server that went away mid-run (a restart, a replica rolled over) is an outage, retried with the
normal backoff like a 503, so a long run is not thrown away because its server came back a minute late.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from humdial_eval.engine.credentials import redact_text

# Two refusals in a row: one stray refusal (a replica restarting behind a load balancer) is retried.
REFUSALS_BEFORE_DOWN = 2
# Exception classes (by name: httpx and httpcore wrap one another) raised when no connection could be opened.
_CONNECT_ERRORS = {"ConnectError"}


def cannot_connect(error: BaseException) -> str | None:
    """Why no connection could be opened, if ``error`` (or what it was raised from) says so; None otherwise."""
    seen: set[int] = set()
    current: BaseException | None = error
    found = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, socket.gaierror):
            return "host name not found"
        if type(current).__name__ in _CONNECT_ERRORS:
            text = str(current).lower()
            if "refused" in text:
                return "connection refused"
            if "name or service" in text or "nodename" in text or "name resolution" in text:
                return "host name not found"
            found = found or "cannot connect"
        current = current.__cause__ or current.__context__
    return found


@dataclass
class Reachability:
    """Consecutive refusals per base_url, shared by a judge and its repeat copies."""

    urls: list[str]
    refusals: dict[int, int] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)
    ever_answered: bool = False

    def refused(self, endpoint: int, reason: str) -> None:
        index = endpoint % len(self.urls)
        self.refusals[index] = self.refusals.get(index, 0) + 1
        self.reasons[index] = reason

    def answered(self, endpoint: int) -> None:
        self.ever_answered = True
        self.refusals.pop(endpoint % len(self.urls), None)

    def all_down(self) -> bool:
        """True when no server was ever there: every base_url refused in a row and none has ever answered."""
        return not self.ever_answered and all(self.refusals.get(index, 0) >= REFUSALS_BEFORE_DOWN for index in range(len(self.urls)))

    def message(self) -> str:
        listed = "; ".join(f"{redact_text(url)} ({self.reasons.get(i, 'cannot connect')})" for i, url in enumerate(self.urls))
        return f"cannot be reached: {listed}; is the server running at that address?"
