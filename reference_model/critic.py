"""Training the speech emotion critic that stage 2's consistency loss relies on.

The critic learns the emotion of reply speech from the mel frames of its units (the codebook
centroids), which is the same space as the expected mel of the model's unit predictions. It is
trained once, during data preparation, and stays frozen while the model trains against it.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from humdial_eval.reference_model.config import Config
from humdial_eval.reference_model.model import SpeechEmotionCritic


def train_critic(config: Config, mels: list[np.ndarray], labels: list[int], batch_size: int = 32) -> dict[str, torch.Tensor]:
    """The critic's state dict after ``model.ser_steps`` Adam steps on (mel sequence, emotion index) pairs."""
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    critic = SpeechEmotionCritic(config.units.n_mels, config.model.ser_hidden)
    optimiser = torch.optim.Adam(critic.parameters(), lr=3e-3)
    targets = torch.tensor(labels, dtype=torch.long)
    for _ in range(config.model.ser_steps):
        rows = torch.randint(len(mels), (min(batch_size, len(mels)),), generator=generator).tolist()
        # Openings of random length: the consistency loss lets the critic hear only the first units.
        cuts = [int(torch.randint(min(8, len(mels[i])), len(mels[i]) + 1, (1,), generator=generator)) for i in rows]
        mel, lengths = pad_mels([mels[i][: max(cut, 1)] for i, cut in zip(rows, cuts)])
        loss = F.cross_entropy(critic(mel, lengths), targets[rows])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return critic.state_dict()


def pad_mels(mels: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([max(len(m), 1) for m in mels], dtype=torch.long)
    out = torch.zeros(len(mels), int(lengths.max()), mels[0].shape[1])
    for i, mel in enumerate(mels):
        out[i, : len(mel)] = torch.from_numpy(np.asarray(mel, dtype=np.float32))
    return out, lengths
