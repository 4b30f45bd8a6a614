#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .device-pack.tar.xz): issue 12's gradient checkpointing
# benchmark in one go. One LoRA training step (r 16 on all seven projections, bf16, B = 1) of a Llama-3.1-8B-
# shaped checkpoint with random weights (bench/make_checkpoint.py, written once to $DATA/full, ~16 GB) at
# S = 2048 and 16384 with --gradient-checkpointing none / standard / offload: peak device memory (the
# allocator's exact count), pinned host memory and tokens/s, none OOM reported as such; then the longest S
# that fits with offload (predicted from the two lengths, confirmed by one step up to MAX_S).
# Settings: LENGTHS (2048,16384), MODES (none,standard,offload), MAX_S (65536; 0 skips the search).
# Output: $OUT/bench_checkpointing.txt (the table and the offload/standard ratios against the issue's target).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
DATA="${DATA:-/tmp/loris-bench}"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  date -u +%Y-%m-%dT%H:%MZ
  [ -f "$DATA/full/config.json" ] || python3 bench/make_checkpoint.py "$DATA/full"
  java "${OPTS[@]}" -Xmx24g -cp "$CP" dev.loris.bench.CheckpointingBench "$DATA/full" cuda \
    "${LENGTHS:-2048,16384}" "${MODES:-none,standard,offload}" "${MAX_S:-65536}"
} 2>&1 | tee "${OUT:-/tmp}/bench_checkpointing.txt"
