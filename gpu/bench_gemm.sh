#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .jre and .device-bundle): the GEMM benchmark of issue 4,
# every GEMM backend Loris has on the GPU (cuBLASLt, our tiled PTX kernel) and torch.matmul on the same
# Llama-3.1-8B shapes in one session, then the comparison table. Output: $OUT/gemm.txt.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
export JAVA_HOME="$ROOT/.jre" PATH="$ROOT/.jre/bin:$PATH" LD_PRELOAD="$ROOT/.jre/lib/libjsig.so"
RUNS="${RUNS:-50}"
SET="${SET:-llama8b}"   # or decode: one decoding step's matrix-vector products
RAW="${OUT:-/tmp}/gemm.txt"
{
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
  date -u +%Y-%m-%dT%H:%MZ
  java "${OPTS[@]}" -cp "$CP" dev.loris.bench.GemmBench cuda "$SET" "$RUNS"
  LD_PRELOAD= python3 bench/torch_gemm.py "$RUNS" "$SET"
} 2>&1 | tee "$RAW"
python3 bench/compare_gemm.py "$RAW"
