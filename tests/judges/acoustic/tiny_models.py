"""Tiny, randomly initialised FunASR models saved as local folders, loadable through ``funasr.AutoModel``.

They exercise the real loading and inference path in milliseconds. ``favour`` makes an emotion2vec
model whose classifier always prefers one label (zero weights, a large bias): a model with a known
answer, so task metrics computed through it can be checked exactly.
"""

from __future__ import annotations

from pathlib import Path

import torch
import yaml

EMOTION2VEC_PLUS_LABELS = (
    "生气/angry", "厌恶/disgusted", "恐惧/fearful", "开心/happy", "中立/neutral", "其他/other", "难过/sad",
    "吃惊/surprised", "<unk>",
)

_AUDIO = dict(
    feature_encoder_spec="[(32, 10, 5)] + [(32, 3, 2)] * 4 + [(32, 2, 2)] * 2", extractor_mode="layer_norm",
    conv_pos_width=15, conv_pos_groups=4, conv_pos_depth=1, conv_pos_pre_ln=False, prenet_depth=0,
    prenet_layerdrop=0.0, prenet_dropout=0.0, start_drop_path_rate=0.0, end_drop_path_rate=0.0,
    use_alibi_encoder=True, learned_alibi=False, alibi_max_pos=None, learned_alibi_scale=True,
    learned_alibi_scale_per_head=True, learned_alibi_scale_per_layer=False, num_alibi_heads=2, model_depth=1,
    num_extra_tokens=10, init_extra_token_zero=False, mask_noise_std=0.01, mask_prob_min=None, inverse_mask=False,
    mask_prob_adjust=0.0, keep_masked_pct=0.0, mask_length=5, add_masks=False, remove_masks=False,
    mask_dropout=0.0, encoder_zero_mask=True, mask_channel_prob=0.0, mask_channel_length=64,
    local_grad_mult=1.0, alibi_scale=1.0, decoder=None, ema_local_encoder=False, type="AUDIO",
)


def build_emotion2vec(folder: Path, *, favour: str | None = None, seed: int = 0, depth: int = 1,
                      audio: dict | None = None) -> Path:
    """Embed 32, 2 heads, ``depth`` blocks (1), the 9 emotion2vec_plus labels; ``audio`` overrides the
    audio encoder's settings (e.g. a deeper positional convolution, as in the base model)."""
    from funasr.models.emotion2vec.model import Emotion2vec

    model_conf = dict(
        loss_beta=0.0, loss_scale=None, depth=depth, start_drop_path_rate=0.0, end_drop_path_rate=0.0, num_heads=2,
        norm_eps=1e-5, norm_affine=True, encoder_dropout=0.0, post_mlp_drop=0.0, attention_dropout=0.0,
        activation_dropout=0.0, dropout_input=0.0, layerdrop=0.0, embed_dim=32, mlp_ratio=2.0,
        layer_norm_first=False, average_top_k_layers=1, end_of_block_targets=False, clone_batch=1, normalize=True,
        modalities=dict(audio={**_AUDIO, **(audio or {}), "model_depth": depth}),
    )
    config = dict(model="Emotion2vec", model_conf=model_conf, tokenizer="CharTokenizer",
                  tokenizer_conf=dict(unk_symbol="<unk>", split_with_space=True))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (folder / "tokens.txt").write_text("\n".join(EMOTION2VEC_PLUS_LABELS) + "\n", encoding="utf-8")
    torch.manual_seed(seed)
    model = Emotion2vec(model_conf=model_conf, vocab_size=len(EMOTION2VEC_PLUS_LABELS))
    if favour is not None:
        index = next(i for i, label in enumerate(EMOTION2VEC_PLUS_LABELS) if label.endswith("/" + favour))
        with torch.no_grad():
            model.proj.weight.zero_()
            model.proj.bias.fill_(-10.0)
            model.proj.bias[index] = 10.0
    torch.save(model.state_dict(), folder / "model.pt")
    return folder


def build_paraformer(folder: Path, *, seed: int = 0) -> Path:
    """A one-block Paraformer (SANM encoder and decoder, CIF predictor) over a small character set."""
    from funasr.models.paraformer.model import Paraformer

    tokens = ["<blank>", "<s>", "</s>", *"abcdefghijklmnopqrstuvwxyz", "你", "好", "我", "<unk>"]
    parts = dict(
        encoder="SANMEncoder",
        encoder_conf=dict(output_size=32, attention_heads=2, linear_units=64, num_blocks=1, dropout_rate=0.0,
                          positional_dropout_rate=0.0, attention_dropout_rate=0.0, input_layer="pe",
                          pos_enc_class="SinusoidalPositionEncoder", normalize_before=True, kernel_size=11,
                          sanm_shfit=0, selfattention_layer_type="sanm"),
        decoder="ParaformerSANMDecoder",
        decoder_conf=dict(attention_heads=2, linear_units=64, num_blocks=1, dropout_rate=0.0,
                          positional_dropout_rate=0.0, self_attention_dropout_rate=0.0,
                          src_attention_dropout_rate=0.0, att_layer_num=1, kernel_size=11, sanm_shfit=0),
        predictor="CifPredictorV2",
        predictor_conf=dict(idim=32, threshold=1.0, l_order=1, r_order=1, tail_threshold=0.45),
        input_size=80,
    )
    model_conf = dict(ctc_weight=0.0, lsm_weight=0.1, length_normalized_loss=True, predictor_weight=1.0,
                      predictor_bias=1, sampling_ratio=0.75)
    config = dict(model="Paraformer", model_conf=model_conf, **parts, frontend="WavFrontend",
                  frontend_conf=dict(fs=16000, window="hamming", n_mels=80, frame_length=25, frame_shift=10,
                                     lfr_m=1, lfr_n=1),
                  specaug=None, tokenizer="CharTokenizer", tokenizer_conf=dict(unk_symbol="<unk>", split_with_space=False))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (folder / "tokens.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    torch.manual_seed(seed)
    model = Paraformer(vocab_size=len(tokens), **model_conf, **parts)
    torch.save(model.state_dict(), folder / "model.pt")
    return folder
