#!/usr/bin/env bash
# Pretrains the bundled tiny model (demo/model) with Loris itself, from a random initialisation, on the corpus
# that make_corpus.py builds from Python's own documentation; writes demo/model/model.safetensors.
#
#   demo/scripts/pretrain.sh            # EPOCHS=20 DEVICE=auto by default; on the GPU machine: gpu/demo_pretrain.sh
#
# Steps: the corpus (deterministic for a Python version: demo/README.md has its SHA-256), the random init
# (numpy, seeded), full fine-tuning of every weight through `loris train`, then a look at the text it writes.
# The tokenizer files in demo/model are committed; train_tokenizer.py remakes them (not run here, so the
# committed vocabulary, which the skill dataset's tokenisation was planned on, stays as it is).
#
# Full fine-tuning is `loris train --method full` (every weight, f32 masters), which writes the trained model
# folder (model.safetensors in the training precision, config.json and the tokenizer files) as OUT/model.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
EPOCHS=${EPOCHS:-20}
DEVICE=${DEVICE:-auto}
LORIS=${LORIS:-./loris}  # the command that runs Loris (gpu/demo_pretrain.sh runs the bundled JRE)
OUT=outputs/pretrain

# The corpus depends on the Python version (demo/README.md): one made elsewhere (by the Python that trained the
# tokenizer) is kept when it is there.
[ -f demo/corpus/corpus.jsonl ] || python3 demo/scripts/make_corpus.py --out demo/corpus/corpus.jsonl
sha256sum demo/corpus/corpus.jsonl
python3 demo/scripts/init_model.py --config demo/model/config.json --out "$OUT/init" --seed 0 --dtype f32
rm -rf "$OUT/run"  # a fresh run each time (loris train --resume continues one)
"$LORIS" train --model "$OUT/init" --data demo/corpus/corpus.jsonl --format text --method full \
  --max-seq-length 512 --batch-size 16 --grad-accum 1 --lr 1e-3 --schedule cosine --warmup-steps 100 \
  --weight-decay 0.1 --max-grad-norm 1 --epochs "$EPOCHS" --eval-fraction 0.01 --seed 0 \
  --device "$DEVICE" --precision f32 --no-progress --save-steps 500 --out "$OUT/run" ${MAX_STEPS:+--max-steps "$MAX_STEPS"}
cp "$OUT/run/model/model.safetensors" demo/model/model.safetensors
python3 demo/scripts/to_bf16.py demo/model/model.safetensors  # shipped in bf16, as checkpoints are
"$LORIS" info demo/model
for prompt in "The" "A function" "Assignment statements"; do
  "$LORIS" generate --model demo/model --raw --max-new-tokens 60 --device "$DEVICE" --prompt "$prompt"
done
