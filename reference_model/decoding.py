"""Listen, think, write, speak: generating one turn's response with the trained model.

The prompt ends at ``<|assistant|>``; the decoder then forces ``<think>``, writes the thinking until
``</think>``, writes the reply until ``<|eot|>`` (or reads a reply it is given, see ``reply`` of
:meth:`Decoder.respond`), and, when asked to speak, feeds ``<|speak|>`` and lets the speech head
produce units until it predicts the end of speech, within the reply's unit budget
(:mod:`humdial_eval.reference_model.speech_budget`: no end before most of the units the reply's length
needs, no more than half as many again, never beyond the config's cap). Text is greedy (with special
tokens other than the expected closer masked out); units are sampled at a low temperature from a
generator seeded per turn, so the same checkpoint gives the same submission.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from humdial_eval.reference_model import speech_budget
from humdial_eval.reference_model import tokenizer as tk
from humdial_eval.reference_model.checkpoint import Bundle
from humdial_eval.reference_model.model import DecodeStep
from humdial_eval.reference_model.packing import Packer, TurnView, collate
from humdial_eval.reference_model.tokenizer import SPECIAL_TOKENS


@dataclass(frozen=True)
class DecodingOptions:
    max_thinking_tokens: int = 160
    max_reply_tokens: int = 160
    min_units: int = 10
    unit_temperature: float = 0.7
    unit_top_k: int = 8
    # The last turn of T1: "heard" says the trajectory of the emotions the model's thinking named in the
    # earlier turns; "model" lets the model write it (see humdial_eval.reference_model.inference).
    trajectory: str = "heard"


@dataclass
class Generated:
    thinking: str
    reply: str
    units: np.ndarray | None
    budget: speech_budget.Budget | None = None  # the unit budget the reply was spoken within
    ended: bool = False  # the speech head ended the speech itself (not stopped by the budget)


class Decoder:
    def __init__(self, bundle: Bundle, features: Callable[[int], np.ndarray], feature_frames: Callable[[int], int],
                 options: DecodingOptions = DecodingOptions()) -> None:
        self.bundle = bundle
        self.model = bundle.model
        self.tok = bundle.tokenizer
        self.features = features
        self.options = options
        self.packer = Packer(self.tok, bundle.config.data, self.model.speech_positions, feature_frames)
        self.device = next(self.model.parameters()).device
        specials = torch.tensor([self.tok.special_id(t) for t in SPECIAL_TOKENS])
        vocab = self.model.lm.get_output_embeddings().weight.shape[0]
        self._blocked = torch.zeros(vocab, dtype=torch.bool)
        self._blocked[specials] = True
        self._blocked[self.tok.vocab_size :] = True  # rows a pretrained backbone pads its vocabulary with
        self._blocked = self._blocked.to(self.device)

    @torch.no_grad()
    def respond(self, language: str, task: str, history: list[TurnView], current: TurnView, *,
                speak: bool, seed: int = 0, think_only: bool = False, reply: str | None = None) -> Generated:
        """``reply``: say this reply instead of writing one (read into the model as if written, then spoken)."""
        seq = self.packer.pack(language, task, history, current, speech=current.feature_id is not None, targets=False)
        batch = collate([seq], self.features, self.tok.special_id(tk.PAD), self.model.speech_head.end).to(self.device)
        embeds, _ = self.model.embed(batch)
        state = self.model.decode_step()
        hidden = state(embeds)
        hidden = state(self._token_embedding(self.tok.special_id(tk.THINK)))
        thinking_ids, hidden = self._write(state, hidden, self.tok.special_id(tk.END_THINK), self.options.max_thinking_tokens)
        thinking = self.tok.decode(thinking_ids).strip()
        if think_only:
            return Generated(thinking, "", None)
        if reply is None:
            reply_ids, hidden = self._write(state, hidden, self.tok.special_id(tk.EOT), self.options.max_reply_tokens)
            reply = self.tok.decode(reply_ids).strip()
        else:
            for token in self.tok.encode(reply) + [self.tok.special_id(tk.EOT)]:
                hidden = state(self._token_embedding(token))
        if not speak:
            return Generated(thinking, reply, None)
        budget = speech_budget.budget(
            reply, language, self.bundle.speech_rate, self.bundle.config.units.max_units, self.options.min_units
        )
        units, ended = self._speak(state, seed, budget)
        return Generated(thinking, reply, units, budget, ended)

    def _token_embedding(self, token: int) -> torch.Tensor:
        ids = torch.tensor([[token]], device=self.device)
        return self.model.lm.get_input_embeddings()(ids)

    def _write(self, state: DecodeStep, hidden: torch.Tensor, closer: int, limit: int) -> tuple[list[int], torch.Tensor]:
        """Greedy text until ``closer`` (which is fed, closing the segment) or ``limit`` tokens."""
        ids: list[int] = []
        allowed = self._blocked.clone()
        allowed[closer] = False
        while True:
            logits = self.model.text_logits(hidden[:, -1]).float()[0]
            logits[allowed] = float("-inf")
            token = int(logits.argmax())
            if token == closer or len(ids) >= limit:
                hidden = state(self._token_embedding(closer))
                return ids, hidden
            ids.append(token)
            hidden = state(self._token_embedding(token))

    def _speak(self, state: DecodeStep, seed: int, budget: speech_budget.Budget) -> tuple[np.ndarray, bool]:
        """The reply's units, and whether the speech head ended them itself (else the budget stopped it)."""
        generator = torch.Generator(device="cpu").manual_seed(seed)
        state(self._token_embedding(self.tok.special_id(tk.SPEAK)))
        hidden = state.speech_hidden
        end = self.model.speech_head.end
        units: list[int] = []
        for _ in range(budget.max_units):
            logits = self.model.speech_head(hidden[:, -1]).float()[0].cpu()
            if len(units) < budget.min_units:
                logits[end] = float("-inf")
            unit = _sample(logits, self.options.unit_temperature, self.options.unit_top_k, generator)
            if unit == end:
                return np.asarray(units, dtype=np.int64), True
            units.append(unit)
            embedding = self.model.unit_embed(torch.tensor([[unit]], device=self.device))
            state(embedding)
            hidden = state.speech_hidden
        return np.asarray(units, dtype=np.int64), False


def _sample(logits: torch.Tensor, temperature: float, top_k: int, generator: torch.Generator) -> int:
    if temperature <= 0:
        return int(logits.argmax())
    values, indices = logits.topk(min(top_k, logits.numel()))
    probs = torch.softmax(values / temperature, dim=-1)
    return int(indices[torch.multinomial(probs, 1, generator=generator)])
