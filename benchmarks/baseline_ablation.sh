#!/usr/bin/env bash
# The reference baseline's ablation table, end to end, on this machine's CPUs.
#
#   benchmarks/baseline_ablation.sh DATA FULL OUT [VARIANT ...]
#
# DATA: a `baseline data --out DATA` folder. FULL: a finished `baseline train --config tiny --data
# DATA/train --out FULL` run (the shipped config: the "full" row; its prepared data and stage-1 bundle
# are reused). Each variant trains from FULL/prepared (variants that differ only in stage 2 start from
# FULL/stage1), then every row, FULL included, is measured the same way: `baseline evaluate` on the whole
# held-out split (emotion and attributes from audio alone, what the attribute heads hear, text-speech
# consistency), `baseline infer` and `humdial-eval score` with the offline judge. The table is written to
# benchmarks/results/baseline_ablation.json by `baseline_ablation.py collect`. Finished steps are kept:
# a second call skips them. THREADS (2) sets torch's threads per training; TRAIN_ONLY=1 only trains;
# MEASURE_ONLY=1 only measures the rows already trained (NO_COLLECT=1: and does not collect; SKIP_FULL=1:
# nor the full row, for two measuring calls side by side).
set -euo pipefail
data=$1 full=$2 out=$3
shift 3
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(no_distill no_attributes no_heads no_consistency no_branch)
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
py="${PYTHON:-$root/.venv/bin/python}"
cli=("$py" -m humdial_eval.cli.main)
threads=${THREADS:-2}
mkdir -p "$out"
[ -d "$out/heldout" ] || "$py" "$here/baseline_ablation.py" heldout --config tiny --testset "$data/test" --out "$out/heldout"

train() {  # NAME [ablation train options...]
  local name=$1
  shift
  [ -f "$out/$name/result.json" ] && return 0
  "$py" "$here/baseline_ablation.py" train --prepared "$full/prepared" --heldout "$out/heldout" --out "$out/$name" \
    --name "$name" --threads "$threads" --limit 1 "$@" > "$out/$name.train.log" 2>&1
}

measure() {  # NAME FOLDER
  local name=$1 folder=$2
  [ -f "$folder/eval.json" ] || "${cli[@]}" baseline evaluate --checkpoint "$folder" --testset "$data/test" \
    --out "$folder/eval.json" --no-progress > "$out/$name.eval.log" 2>&1
  [ -d "$folder/submission" ] || "${cli[@]}" baseline infer --checkpoint "$folder" --testset "$data/test" \
    --out "$folder/submission" --no-progress > "$out/$name.infer.log" 2>&1
  [ -f "$folder/score/summary.json" ] || "${cli[@]}" score "$folder/submission" --testset "$data/test" \
    --out "$folder/score" --no-cache --no-progress --on-failure exclude > "$out/$name.score.log" 2>&1 || true
}

stripped="$out/prepared_no_attributes"
for name in "${variants[@]}"; do
  [ -z "${MEASURE_ONLY:-}" ] || break  # MEASURE_ONLY=1: measure what is trained, train nothing
  case $name in
    no_distill) train "$name" --set stages.stage1.losses.distill_kl=0 ;;
    no_heads) train "$name" --set stages.stage1.losses.attribute_ce=0 --set stages.stage2.losses.attribute_ce=0 ;;
    no_attributes)
      [ -d "$stripped" ] || "$py" "$here/baseline_ablation.py" strip-attributes --prepared "$full/prepared" --out "$stripped"
      [ -f "$out/$name/result.json" ] || "$py" "$here/baseline_ablation.py" train --prepared "$stripped" \
        --heldout "$out/heldout" --out "$out/$name" --name "$name" --threads "$threads" --limit 1 \
        --set data.attributes=false --set stages.stage1.losses.attribute_ce=0 --set stages.stage2.losses.attribute_ce=0 \
        > "$out/$name.train.log" 2>&1 ;;
    no_consistency) train "$name" --from-stage1 "$full/stage1" --set stages.stage2.losses.consistency=0 ;;
    no_branch) train "$name" --from-stage1 "$full/stage1" --set model.speech_branch_layer=0 ;;
    *) echo "unknown variant $name" >&2; exit 2 ;;
  esac
done
[ -z "${TRAIN_ONLY:-}" ] || exit 0  # TRAIN_ONLY=1: train the variants now, measure in a later call
[ -n "${SKIP_FULL:-}" ] || measure full "$full"  # SKIP_FULL=1: another call measures it
runs=("full=$full")
for name in "${variants[@]}"; do
  [ -f "$out/$name/result.json" ] || continue  # not trained (yet)
  measure "$name" "$out/$name"
  runs+=("$name=$out/$name")
done
[ -z "${MEASURE_ONLY:-}" ] || [ -z "${NO_COLLECT:-}" ] || exit 0
"$py" "$here/baseline_ablation.py" collect "${runs[@]}" --note "${NOTE:-}"
