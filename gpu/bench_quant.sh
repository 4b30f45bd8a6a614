#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .device-pack.tar.xz): issue 11's NF4 dequantisation
# bandwidth through our PTX, against the device copy bandwidth of the same GPU (target: >= 80% of copy), and
# the host quantiser's time per Llama-3.1-8B weight. Output: $OUT/bench_quant.txt (tab-separated lines, see
# bench/.../QuantBench.java).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
RUNS="${RUNS:-200}"
{
  nvidia-smi --query-gpu=name,driver_version,clocks.max.memory --format=csv,noheader
  date -u +%Y-%m-%dT%H:%MZ
  java "${OPTS[@]}" -Xmx8g -cp "$CP" dev.loris.bench.QuantBench cuda "$RUNS"
} 2>&1 | tee "${OUT:-/tmp}/bench_quant.txt"
