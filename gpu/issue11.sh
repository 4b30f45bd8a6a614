#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .device-pack.tar.xz): everything issue 11 needs there, in one
# call. 1. PEFT 0.21 / transformers 5.17 fixtures, written into lora/src/test/resources/peft (and their check of
# Loris' own adapters and merges); 2. the LoRA, QLoRA and open-decoder tests on every backend there (PTX, NVIDIA
# OpenCL, PoCL, JVM) against those fixtures; 3. gpu/bench_lora.sh. Output: $OUT/peft.tar (the fixtures to commit),
# $OUT/tests.txt, $OUT/bench_lora.txt.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PYTHONUNBUFFERED=1
R=lora/src/test/resources/peft
echo "== PEFT fixtures"
python3 "$R/make_peft_fixtures.py" "$R" 2>&1 | grep -vi warn
python3 "$R/make_peft_fixtures.py" --check "$R/loris" 2>&1 | grep -vi warn
tar cf "${OUT:-/tmp}/peft.tar" --exclude='*.py' --exclude='loris/*/adapter' --exclude='loris/*/merged' "$R"
echo "== tests"
SELECT="--select-package dev.loris.lora --select-class dev.loris.tornado.kernels.KernelLaunchersTest
  --select-class dev.loris.model.decoder.OpenDecoderTest --select-class dev.loris.model.decoder.DecoderAgainstTransformersTest
  --select-class dev.loris.model.decoder.GeneratorTest" timeout "${TEST_SECONDS:-240}" bash gpu/run.sh | tail -25
echo "== benchmarks"
FULL="${FULL:-1}" timeout "${BENCH_SECONDS:-300}" bash gpu/bench_lora.sh | tail -30
