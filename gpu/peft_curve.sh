#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .device-pack.tar.xz): issue 12's loss-curve proof. Records
# HF transformers + PEFT's 50-step curves (train/src/test/resources/peft-curve/make_curves.py: LoRA f32, LoRA
# bf16, full fine-tuning f32) and runs LossCurveAgainstPeftTest against them on every backend there. Output:
# $OUT/peft-curve.tar (the fixtures to commit) and $OUT/tests.txt. FAMILIES (e.g. "gemma2 gemma3_text phi3")
# records issue 17's families instead (LoRA f32 each, in peft-curve/FAMILY), leaving the Llama curves as they are.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PYTHONUNBUFFERED=1
R=train/src/test/resources/peft-curve
if [ "${RECORD:-1}" = 1 ] && [ -n "${FAMILIES:-}" ]; then
  for family in $FAMILIES; do
    echo "== HF + PEFT curve: $family"
    rm -rf "${R:?}/$family"
    python3 "$R/make_curves.py" make "$R/$family" "$family" 2>&1 | grep -vi warn
    python3 "$R/make_curves.py" train "$R/$family" f32 2>&1 | grep -vi warn
  done
  tar cf "${OUT:-/tmp}/peft-curve.tar" --exclude='*.py' $(for f in $FAMILIES; do echo "$R/$f"; done)
elif [ "${RECORD:-1}" = 1 ]; then
  echo "== HF + PEFT curves"
  rm -rf "${R:?}/model" "$R/initial-adapter" "$R"/*.json
  python3 "$R/make_curves.py" make "$R" 2>&1 | grep -vi warn
  for run in "train f32" "train bf16" "full f32"; do
    set -- $run
    python3 "$R/make_curves.py" "$1" "$R" "$2" 2>&1 | grep -vi warn
  done
  tar cf "${OUT:-/tmp}/peft-curve.tar" --exclude='*.py' "$R"
fi
echo "== tests"
SELECT="--select-class dev.loris.train.LossCurveAgainstPeftTest" timeout "${TEST_SECONDS:-300}" bash gpu/run.sh | tail -20
