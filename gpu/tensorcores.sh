#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .device-pack.tar.xz): the tensor-core tests on CUDA
# (TileKernelsTest, FlashAttentionTest, TensorCoreGemmTest's CUDA harness), then the tensor-core GEMM against
# cuBLASLt on the Llama-3.1-8B training shapes and the attention forward against our CUDA-core kernel and torch
# sdpa (bench/torch_sdpa.py). Short tables on stdout; full logs in $OUT. Issue 13; PERF.md has the figures.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
export JAVA_HOME="$ROOT/.jre" PATH="$ROOT/.jre/bin:$PATH" LD_PRELOAD="$ROOT/.jre/lib/libjsig.so"
OPTS=(--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector --add-opens=java.base/java.nio=ALL-UNNAMED --add-exports=java.base/jdk.internal.vm=ALL-UNNAMED)
CP=".device-bundle/test-classes:.device-bundle/classes"
OUT="${OUT:-/tmp}"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit --format=csv,noheader
date -u +%Y-%m-%dT%H:%MZ
echo "== tests"
java "${OPTS[@]}" -Xss8m -jar .device-bundle/junit/junit-platform-console-standalone-*.jar execute --class-path "$CP" \
  --select-class dev.loris.tornado.kernels.TileKernelsTest --select-class dev.loris.tornado.kernels.FlashAttentionTest \
  --select-method dev.loris.tornado.gemm.TensorCoreGemmTest#harnessCasesPassOnCuda \
  --details=tree --disable-banner --disable-ansi-colors > "$OUT/tests.txt" 2>&1
grep -E "✘|tests (successful|failed|aborted)" "$OUT/tests.txt" | head -30
echo "== GEMM"
java "${OPTS[@]}" -cp "$CP" dev.loris.tornado.gemm.TensorCoreGemmBench \
  bench/src/main/resources/dev/loris/bench/llama8b-gemm-shapes.tsv "${RUNS:-20}" 2>&1 | tee "$OUT/gemm.txt"
echo "== attention (causal GQA forward, 32/8 heads, head_dim 128)"
java "${OPTS[@]}" -cp "$CP" dev.loris.tornado.kernels.FlashAttentionBench 2 2048 1 16384 2>&1 | tee "$OUT/attention.txt"
LD_PRELOAD= python3 bench/torch_sdpa.py 2 2048 1 16384 2>&1 | tail -3 | tee -a "$OUT/attention.txt"
