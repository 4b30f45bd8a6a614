#!/usr/bin/env bash
# Runs on the GPU machine after `TOKENIZER=1 gpu/bundle.sh` (carry .device-pack.tar.xz, which then holds
# demo/corpus/corpus.jsonl, the corpus the tokenizer was trained on): pretrains the demo's tiny model with
# demo/scripts/pretrain.sh on CUDA, then runs the no-argument `loris train` (the demo itself) on it, and puts the
# weights, the pretraining metrics and loss curve and the demo's output in $OUT. Issue 14.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
if [ -f .device-bundle/corpus.jsonl ] && [ ! -f demo/corpus/corpus.jsonl ]; then
  mkdir -p demo/corpus && cp .device-bundle/corpus.jsonl demo/corpus/
fi
export LD_PRELOAD="$ROOT/.jre/lib/libjsig.so"
OUT="${OUT:-/tmp}"
# A one-line launcher for pretrain.sh: the bundled JRE and class path (the loris script builds with Maven).
cat > .device-bundle/loris <<LAUNCHER
#!/usr/bin/env bash
exec "$ROOT/.jre/bin/java" ${OPTS[*]} -Dloris.home="$ROOT" -cp "$ROOT/.device-bundle/classes:$ROOT/.device-bundle/lib/*" dev.loris.cli.LorisCli "\$@"
LAUNCHER
chmod +x .device-bundle/loris
export LORIS="$ROOT/.device-bundle/loris"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
date -u +%Y-%m-%dT%H:%MZ
start=$(date +%s)
DEVICE=${DEVICE:-cuda} demo/scripts/pretrain.sh > "$OUT/pretrain.txt" 2>&1
echo "pretrain.sh exit $? after $(( $(date +%s) - start )) s"
grep -vE "^\s*$" "$OUT/pretrain.txt" | grep -vE "step +[0-9]+ " | tail -25
cp demo/model/model.safetensors outputs/pretrain/run/metrics.jsonl outputs/pretrain/run/loss.png "$OUT/" 2>/dev/null
start=$(date +%s)
"$LORIS" train > "$OUT/demo.txt" 2>&1
echo "demo exit $? after $(( $(date +%s) - start )) s"
tail -8 "$OUT/demo.txt"
