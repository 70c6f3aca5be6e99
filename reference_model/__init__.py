"""The reference baseline: a unified spoken language model trained with IEAT thinking.

Listen (audio encoder + adapter), think and write (a causal LM), speak (a speech head over discrete
units); data construction, two-stage training and inference that writes a submission. See
docs/reference-model.md. The CLI is ``humdial-eval baseline data|train|infer|evaluate``.
"""
