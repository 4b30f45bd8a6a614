#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .jre and .device-bundle): the kernel benchmark of
# issue 3 through our PTX (CUDA) and NVIDIA's OpenCL, then PyTorch's own ops, in one session so the figures
# compare. Output: $OUT/bench.txt (tab-separated lines, see bench/.../KernelBench.java).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
mkdir -p /etc/OpenCL/vendors && echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/nvidia.icd
RUNS="${RUNS:-200}"
{
  nvidia-smi --query-gpu=name,driver_version,clocks.max.memory --format=csv,noheader
  date -u +%Y-%m-%dT%H:%MZ
  java "${OPTS[@]}" -cp "$CP" dev.loris.bench.KernelBench cuda "$RUNS"
  java "${OPTS[@]}" -cp "$CP" dev.loris.bench.KernelBench opencl-nvidia "$RUNS"
  python3 bench/torch_ops.py "$RUNS"
} 2>&1 | tee "${OUT:-/tmp}/bench.txt"
