#!/usr/bin/env bash
# Runs on the GPU machine (see gpu/bundle.sh): registers NVIDIA's OpenCL driver, lists the devices and runs
# the whole test suite there (every ring, GPU tests included) with the JUnit console launcher, except the
# tokenizer tests and those tagged "tokenizer" (their libraries stay home: see gpu/bundle.sh). SELECT replaces the
# whole-suite scan with JUnit selectors (e.g. SELECT="--select-package dev.loris.lora").
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
if command -v nvidia-smi >/dev/null; then  # NVIDIA's OpenCL driver is installed there but not registered
  mkdir -p /etc/OpenCL/vendors && echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/nvidia.icd
fi

# Signal chaining as in the loris launcher (SignalHandlers.java says why); the first devices line shows the
# handlers as a plain JVM would have them.
echo "== loris devices (no signal chaining)"
java "${OPTS[@]}" -cp "$CP" dev.loris.cli.LorisCli devices 2>&1 | tail -3
export LD_PRELOAD="$ROOT/.jre/lib/libjsig.so"
echo "== loris devices"
java "${OPTS[@]}" -cp "$CP" dev.loris.cli.LorisCli devices 2>&1 | tee "${OUT:-/tmp}/devices.txt"

echo "== tests"
java "${OPTS[@]}" -Xss8m -jar .device-bundle/junit/junit-platform-console-standalone-*.jar execute \
  --class-path ".device-bundle/test-classes:$(ls -d */src/test/resources | tr '\n' ':').device-bundle/classes:$(ls .device-bundle/lib/*.jar | tr '\n' ':')" \
  ${SELECT:---scan-class-path .device-bundle/test-classes} --exclude-package dev.loris.model.tokenizer --exclude-tag tokenizer --details=tree --disable-banner --disable-ansi-colors 2>&1 | tee "${OUT:-/tmp}/tests.txt" | tail -40
