#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .device-pack.tar.xz): issue 11's benchmarks in one session.
#  1. LoRA's cost over the frozen projections of a Llama-3.1-8B layer (bench LoraBench on a 1-layer 8B-shaped
#     checkpoint) and PyTorch's same computation (bench/torch_lora.py);
#  2. NF4 dequantisation bandwidth (bench QuantBench);
#  3. an 8B-shaped checkpoint loaded with --load-in-4bit: device memory by the allocator's count (LoadBench nf4).
# Output: $OUT/bench_lora.txt.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
DATA="${DATA:-/tmp/loris-bench}"
{
  nvidia-smi --query-gpu=name,driver_version,clocks.max.memory --format=csv,noheader
  date -u +%Y-%m-%dT%H:%MZ
  [ -f "$DATA/layer1/config.json" ] || python3 bench/make_checkpoint.py "$DATA/layer1" 1
  java "${OPTS[@]}" -Xmx8g -cp "$CP" dev.loris.bench.LoraBench "$DATA/layer1" cuda 4096 16 30
  (cd bench && python3 torch_lora.py 4096 16 30)
  java "${OPTS[@]}" -Xmx8g -cp "$CP" dev.loris.bench.QuantBench cuda "${RUNS:-100}"
  if [ "${FULL:-1}" = 1 ]; then
    [ -f "$DATA/full/config.json" ] || python3 bench/make_checkpoint.py "$DATA/full"
    java "${OPTS[@]}" -Xmx16g -cp "$CP" dev.loris.bench.LoadBench "$DATA/full" cuda nf4
  fi
} 2>&1 | tee "${OUT:-/tmp}/bench_lora.txt"
