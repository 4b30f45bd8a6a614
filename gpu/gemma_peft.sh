#!/usr/bin/env bash
# Runs on the GPU machine (transformers 5.17, peft 0.21, torch 2.11): records PEFT's fixtures for the Gemma
# reference models (lora/src/test/resources/peft/make_peft_fixtures.py gemma2 gemma3_text), then has PEFT and
# transformers load the adapters and merges Loris wrote for them (peft/loris/gemma*, committed, made by
# LorisAdaptersForPeft) and record their logits; everything lands in $OUT/gemma_peft.tar to unpack at the root.
set -uo pipefail
cd "$(dirname "$0")/.."
PEFT=lora/src/test/resources/peft
python3 $PEFT/make_peft_fixtures.py $PEFT gemma2 gemma3_text
python3 $PEFT/make_peft_fixtures.py --check $PEFT/loris gemma2 gemma3_text
tar cf "${OUT:-/tmp}/gemma_peft.tar" $PEFT/gemma2 $PEFT/gemma3_text $PEFT/loris/gemma2/peft_logits.safetensors \
  $PEFT/loris/gemma3_text/peft_logits.safetensors
