"""What each flag and status of items.jsonl means, in the words of docs/output-formats.md, for the item page."""

from __future__ import annotations

EXPLANATIONS: dict[str, str] = {
    "language_rule": "The reply's language differs from the test set's: every dimension scores the minimum (1).",
    "missing_response": "No usable reply for the evaluated turn: every dimension scores the minimum.",
    "missing_audio": "No usable T3 reply audio: the audio dimensions this judge scores get the minimum.",
    "cached": "The judgment came from the judgment store (an earlier identical request); nothing was re-judged.",
    "failed_scored_min": "The judgment failed and was scored the minimum because of --on-failure min.",
    "injection_suspected": "The reply contains text aimed at the judge (see meta.injection for the rule and an "
                           "excerpt).",
    "submission_fault": "The judge refused the request (HTTP 400/413/422 or audio it cannot take): the minimum on "
                        "every dimension of that judge, counted in the means (protocol humdial).",
    "reply_too_long": "The reply, or one shown as history, is over the length cap: scored the minimum without "
                      "being sent (protocol humdial).",
    "excluded_by_protocol": "Protocol official: an answer the published scripts cannot read, left out of the means "
                            "as they leave it out.",
    "skipped_by_protocol": "The protocol's turn rule found no turn to evaluate and skips the dialogue.",
    "status:failed": "The judgment failed (see error): it is in no mean and is counted in summary.json.",
    "status:skipped": "Skipped by the protocol's turn rule: not expected, in no mean.",
}
