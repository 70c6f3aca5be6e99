#!/bin/bash
# One GPU call: the tiny-config ablation (6 variants in parallel on the one GPU) and the paper
# architecture at reduced size under torchrun (NCCL), all from data prepared on the CPU machine.
# Run from a folder holding reference_model/, humdial_eval/, benchmarks/baseline_ablation.py, whl/
# (soundfile, cffi, pycparser wheels for Python 3.12), prep_full/ (a training run's prepared/, features
# may be halved with `baseline_ablation.py half-features`) and held/ (`baseline_ablation.py heldout`).
# Not run yet: no GPU was lent when it was prepared (tested on CPU: DEVICE=cpu OUT=/tmp/o bash it).
cd "$(dirname "$0")"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site whl/*.whl || exit 1
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD:/tmp/site TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=2
python3 -c "import soundfile, yaml; print('soundfile', soundfile.__version__)" || exit 1
nvidia-smi -L; python3 -c "import torch, transformers; print(torch.__version__, transformers.__version__, torch.cuda.is_available())"
STEPS=${STEPS:-}
STEPS="$STEPS ${LIMIT:-}"
A="python3 benchmarks/baseline_ablation.py train --config tiny --heldout held --device ${DEVICE:-cuda}"
R=runs; mkdir -p $R
[ -d prep_noattr ] || python3 benchmarks/baseline_ablation.py strip-attributes --prepared prep_full --out prep_noattr
$A --prepared prep_full --out $R/full $STEPS > $R/full.log 2>&1 &
$A --prepared prep_full --out $R/no_distill --set stages.stage1.losses.distill_kl=0 $STEPS > $R/no_distill.log 2>&1 &
$A --prepared prep_noattr --out $R/no_attributes $STEPS > $R/no_attributes.log 2>&1 &
$A --prepared prep_full --out $R/no_consistency --set stages.stage2.losses.consistency=0 $STEPS > $R/no_consistency.log 2>&1 &
$A --prepared prep_full --out $R/branch_top --set model.speech_branch_layer=0 $STEPS > $R/branch_top.log 2>&1 &
$A --prepared prep_full --out $R/branch_1 --set model.speech_branch_layer=1 --set model.speech_branch_depth=2 $STEPS > $R/branch_1.log 2>&1 &
python3 -m torch.distributed.run --standalone --nproc-per-node 1 benchmarks/baseline_ablation.py train --config tiny \
  --sections-from paper:model,stages,train --prepared prep_full --heldout held --device ${DEVICE:-cuda} --out $R/paper_reduced \
  --set "model.pretrained=''" --set tokenizer.kind=char --set model.gradient_checkpointing=true \
  --set 'model.backbone={model_type: qwen2, hidden_size: 512, intermediate_size: 1536, num_hidden_layers: 8, num_attention_heads: 8, num_key_value_heads: 2, max_position_embeddings: 1024, tie_word_embeddings: true}' \
  --set model.encoder.dim=256 --set model.encoder.layers=4 --set model.encoder.heads=4 --set model.speech_head_hidden=1024 \
  --set model.speech_branch_layer=6 --set model.speech_branch_depth=2 --set model.ser_hidden=48 \
  --set stages.stage1.steps=${PAPER_S1:-300} --set stages.stage1.batch_size=8 --set stages.stage1.grad_accum=2 --set stages.stage1.warmup_steps=30 --set stages.stage1.lr=0.0005 \
  --set stages.stage2.steps=${PAPER_S2:-150} --set stages.stage2.batch_size=8 --set stages.stage2.grad_accum=2 --set stages.stage2.warmup_steps=15 --set stages.stage2.lr=0.0002 \
  --set train.log_every=10 --set train.checkpoint_every=1000 --set train.precision=${PAPER_PREC:-bf16} $STEPS > $R/paper_reduced.log 2>&1 &
wait
nvidia-smi --query-gpu=name,memory.used --format=csv > $R/gpu.txt 2>&1
for v in full no_distill no_attributes no_consistency branch_top branch_1; do
  tar czf ${OUT:-/tmp}/$v.tgz --exclude=prepared --exclude=state --exclude=stage1 -C $R $v
done
tar czf ${OUT:-/tmp}/logs.tgz $R/*.log $R/gpu.txt $R/paper_reduced/result.json $R/paper_reduced/metrics.jsonl $R/*/result.json 2>/dev/null
ls -la ${OUT:-/tmp}
grep -h '"name"' $R/*.log
