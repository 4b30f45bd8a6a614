#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .device-pack.tar.xz): the tensor-core attention tests on
# CUDA (FlashAttention forward, FlashAttentionBackward, their PTX through ptxas where installed, the tile
# kernels, the decoder with tensor-core attention against the CUDA-core kernels, split-K decoding and the
# generator that uses it), then forward and backward
# through KernelLaunchers (what the decoder runs) against torch sdpa, one sequence of 1024..8192 tokens, 32/8
# heads, head_dim 64 and 128, and a short table. Full logs in $OUT. Issue 13.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
export LD_PRELOAD="$ROOT/.jre/lib/libjsig.so"
OUT="${OUT:-/tmp}"
TEST_CP=".device-bundle/test-classes:$(ls -d */src/test/resources | tr '\n' ':').device-bundle/classes:$(ls .device-bundle/lib/*.jar | tr '\n' ':')"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit --format=csv,noheader
date -u +%Y-%m-%dT%H:%MZ
echo "== tests"
java "${OPTS[@]}" -Xss8m -jar .device-bundle/junit/junit-platform-console-standalone-*.jar execute \
  --class-path "$TEST_CP" \
  --select-class dev.loris.tornado.kernels.FlashAttentionBackwardTest \
  --select-class dev.loris.tornado.kernels.FlashAttentionTest \
  --select-class dev.loris.tornado.kernels.FlashAttentionPtxTest \
  --select-class dev.loris.tornado.kernels.TileKernelsTest \
  --select-class dev.loris.tornado.kernels.FlashDecodingTest \
  --select-class dev.loris.model.decoder.GeneratorTest \
  --select-class dev.loris.model.decoder.FlashAttentionDecoderTest \
  --exclude-tag tokenizer --details=tree --disable-banner --disable-ansi-colors > "$OUT/tests.txt" 2>&1
grep -E "✘|↷|tests (successful|failed|aborted|skipped)" "$OUT/tests.txt" | head -30
echo "== attention forward and backward, causal GQA 32/8 heads, bf16 (ms, TFLOP/s)"
LENGTHS="${LENGTHS:-1024 2048 4096 8192}"
java "${OPTS[@]}" -cp "$TEST_CP" dev.loris.tornado.kernels.FlashAttentionTrainingBench $LENGTHS > "$OUT/loris_attention.txt" 2>&1
grep "^#" "$OUT/loris_attention.txt"; grep -iE "exception|error" "$OUT/loris_attention.txt" | head -5
LD_PRELOAD= python3 bench/torch_sdpa_train.py $LENGTHS > "$OUT/torch_attention.txt" 2>&1
grep "^#" "$OUT/torch_attention.txt"; grep -iE "error" "$OUT/torch_attention.txt" | head -5
python3 bench/compare_attention.py "$OUT/loris_attention.txt" "$OUT/torch_attention.txt" | tee "$OUT/attention_table.txt"
