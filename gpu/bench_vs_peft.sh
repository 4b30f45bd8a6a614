#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .device-pack.tar.xz): issue 18's comparison with
# HF transformers + PEFT in ONE device call of at most 10 minutes. For random-initialised Llama-3.1-8B (B = 2)
# and Llama-3.2-1B (B = 4) shaped checkpoints (bench/make_checkpoint.py) at S = 2048, on the same token batches
# and from the same initial adapter (bench/vs_peft_inputs.py), 3 warm-up + 10 timed LoRA steps each of:
#   HF + PEFT (bench/hf_peft_train.py): bf16 adapters (autocast_adapter_dtype=False), PEFT's default fp32
#     adapters, bf16 adapters with gradient checkpointing (8B);
#   Loris (bench TrainBench): LoRA bf16 with checkpointing none (plus a 2-step per-kernel profile,
#     StepProfile) / offload / standard, and QLoRA NF4 with offload at B = 1 (8B).
# Every run is its own process under bench/nvml_peak.py (NVML used memory minus the baseline, sampled every
# 2 ms: the same measure for both sides) and its own `timeout`; parts run in order of importance within
# BUDGET seconds (default 550; the device call's limit is 600) and are skipped, with a row saying so, when
# the time left is below what they need. The table is printed after each model and once more at the end;
# everything (logs, results JSON, profiles) goes into $OUT/vs-peft.tar.gz and the summary into
# $OUT/bench_vs_peft.txt.
# Long context (parts long8b-lora / long8b-qlora, not in the default PARTS: a call of their own): Loris alone,
# B = 1 with offload at LONG_SEQ tokens (200000 for bf16 LoRA, 400000 for QLoRA: the issue's targets; set
# LONG_SEQ to override both), 1 warm-up + 1 timed step, reported as RESULT lines (no HF row to compare with).
# Settings: PARTS (the order below), BUDGET, DATA (/tmp/loris-vs-peft: checkpoints are kept there and reused on
# a warm machine), LR (1e-3), PROFILE_STEPS (2), STEPS (10), WARMUP (3); for a smoke test of the script without
# the GPU: SHAPE_8B / SHAPE_1B (tiny), SEQ (64), LORIS_DEVICE (jvm), PARTS without the hf parts.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
START=$(date +%s)
BUDGET="${BUDGET:-550}"
OUT="${OUT:-/tmp}"
DATA="${DATA:-/tmp/loris-vs-peft}"
LOGS="$DATA/logs"
LR="${LR:-1e-3}"
STEPS="${STEPS:-10}"
WARMUP="${WARMUP:-3}"
PROFILE_STEPS="${PROFILE_STEPS:-2}"
SEQ="${SEQ:-2048}"
SHAPE_8B="${SHAPE_8B:-llama-3.1-8b}"
SHAPE_1B="${SHAPE_1B:-llama-3.2-1b}"
LORIS_DEVICE="${LORIS_DEVICE:-cuda}"
PARTS="${PARTS:-make8b hf8b-bf16 loris8b-none hf8b-fp32 loris8b-offload loris8b-qlora make1b hf1b-bf16 loris1b-none hf1b-fp32 hf8b-bf16-ckpt loris8b-standard}"
SUMMARY="$OUT/bench_vs_peft.txt"
export PYTHONUNBUFFERED=1
rm -rf "$LOGS" && mkdir -p "$LOGS" "$DATA"
. gpu/unpack.sh

left() { echo $((BUDGET - ($(date +%s) - START))); }
say() { echo "$*" | tee -a "$SUMMARY"; }

# A result file for a run that wrote none (skipped, timed out, crashed), so its row still shows.
stub() {  # FILE LABEL CHECKPOINT BATCH WHY
  [ -s "$1" ] || printf '{"label": "%s", "checkpoint": "%s", "batch": %s, "error": "%s"}\n' "$2" "$3" "$4" "$5" > "$1"
}

# run NAME MIN MAX LABEL CHECKPOINT BATCH COMMAND...: the command under NVML sampling and a timeout of at most
# MAX seconds (less when the budget is shorter), skipped when fewer than MIN seconds are left.
run() {
  local name=$1 min=$2 max=$3 label=$4 checkpoint=$5 batch=$6
  shift 6
  local result="$LOGS/$name.json" t
  t=$(( $(left) - 10 ))
  rm -f "$result"
  if [ "$t" -lt "$min" ]; then
    say "== $name: skipped, $t s left of the budget (needs $min)"
    stub "$result" "$label" "$checkpoint" "$batch" "skipped (budget)"
    return
  fi
  [ "$t" -gt "$max" ] && t=$max
  say "== $name: $label (timeout ${t}s, $(left)s left)"
  python3 bench/nvml_peak.py --result "$result" -- timeout -k 10 "$t" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  grep -E "^(RESULT|nvml_peak_gib|error|Traceback)|Error|OutOfMemory" "$LOGS/$name.log" | cut -c1-400 | tail -4
  [ $rc -eq 124 ] && stub "$result" "$label" "$checkpoint" "$batch" "timeout after ${t}s"
  [ $rc -ne 0 ] && stub "$result" "$label" "$checkpoint" "$batch" "failed (exit $rc)"
}

# prepare NAME SHAPE ROWS: checkpoint DATA/SHAPE and inputs DATA/SHAPE-inputs, unless complete ones are there.
prepare() {
  local name=$1 shape=$2 rows=$3 dir="$DATA/$2" t
  t=$(( $(left) - 10 ))
  [ "$t" -gt 200 ] && t=200
  if [ -f "$dir/config.json" ] && [ -f "$dir-inputs/adapter/adapter_config.json" ]; then
    say "== $name: reusing $dir"
    return
  fi
  say "== $name: $shape checkpoint and inputs (timeout ${t}s)"
  rm -rf "$dir" "$dir-inputs"
  timeout -k 10 "$t" bash -c "python3 bench/make_checkpoint.py '$dir' --shape $shape \
    && python3 bench/vs_peft_inputs.py '$dir' '$dir-inputs' --rows $rows --seq $SEQ --steps $((WARMUP + STEPS))" \
    > "$LOGS/$name.log" 2>&1 || say "   failed: $(tail -2 "$LOGS/$name.log")"
  tail -2 "$LOGS/$name.log"
}

# long NAME SHAPE SEQ [--nf4]: one row of SEQ tokens a step, offload, on inputs of its own (DATA/SHAPE-long-SEQ).
long() {
  local name=$1 dir="$DATA/$2" seq=$3
  shift 3
  local inputs="$dir-long-$seq" label="loris $([[ " $* " == *" --nf4 "* ]] && echo qlora-nf4 || echo lora-bf16) offload S=$seq"
  if [ ! -f "$inputs/adapter/adapter_config.json" ]; then
    python3 bench/vs_peft_inputs.py "$dir" "$inputs" --rows 1 --seq "$seq" --steps 2 > "$LOGS/$name-inputs.log" 2>&1 \
      || { say "== $name: no inputs: $(tail -1 "$LOGS/$name-inputs.log")"; return; }
  fi
  run "$name" 120 400 "$label" "$dir" 1 java "${OPTS[@]}" -Xmx24g -cp "$CP" dev.loris.bench.TrainBench "$dir" \
    "$inputs" --device "$LORIS_DEVICE" --batch 1 --checkpointing offload --warmup 1 --steps 1 --lr "$LR" \
    --label "$label" --result "$LOGS/$name.json" "$@"
}

hf() {  # NAME SHAPE BATCH ADAPTERS [--checkpointing]
  local name=$1 dir="$DATA/$2" batch=$3 adapters=$4 extra=${5:-}
  local label="hf-peft ${adapters}-adapters${extra:+ checkpointing}"
  run "$name" 40 120 "$label" "$dir" "$batch" python3 bench/hf_peft_train.py "$dir" "$dir-inputs" \
    --batch "$batch" --adapters "$adapters" $extra --warmup "$WARMUP" --steps "$STEPS" --lr "$LR" --label "$label" \
    --result "$LOGS/$name.json"
}

loris() {  # NAME SHAPE BATCH MODE [--nf4] [--optim adamw8bit] [--profile N]
  local name=$1 dir="$DATA/$2" batch=$3 mode=$4
  shift 4
  local label="loris $([[ " $* " == *" --nf4 "* ]] && echo qlora-nf4 || echo lora-bf16) $mode"
  [[ " $* " == *" adamw8bit "* ]] && label="$label adamw8bit"
  local profile=()  # the launch profiler only where a profile is taken (elsewhere it is compiled out)
  [[ " $* " == *" --profile "* ]] && profile=(-Dloris.profile=true)
  run "$name" 50 150 "$label" "$dir" "$batch" java "${OPTS[@]}" "${profile[@]}" -Xmx8g -cp "$CP" \
    dev.loris.bench.TrainBench "$dir" "$dir-inputs" --device "$LORIS_DEVICE" --batch "$batch" --checkpointing "$mode" \
    --warmup "$WARMUP" --steps "$STEPS" --lr "$LR" --label "$label" --result "$LOGS/$name.json" \
    --profile-out "$LOGS/$name.profile.md" "$@"
}

table() {
  local files=()
  for part in $PARTS; do
    case $part in make* | long*) ;; *) [ -f "$LOGS/$part.json" ] && files+=("$LOGS/$part.json") ;; esac
  done
  # 1B rows first, then 8B, each in PARTS order
  python3 bench/vs_peft_table.py $(printf '%s\n' "${files[@]}" | grep 1b) $(printf '%s\n' "${files[@]}" | grep 8b)
}

: > "$SUMMARY"
{
  nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total --format=csv,noheader 2>&1 | head -2
  date -u +%Y-%m-%dT%H:%MZ
  echo "parts: $PARTS; budget ${BUDGET}s; lr $LR; $WARMUP warm-up + $STEPS timed steps"
} | tee -a "$SUMMARY"
for part in $PARTS; do
  case $part in
    make8b) prepare make8b "$SHAPE_8B" 2 ;;
    make1b) prepare make1b "$SHAPE_1B" 4 ;;
    hf8b-bf16) hf hf8b-bf16 "$SHAPE_8B" 2 bf16 ;;
    hf8b-fp32) hf hf8b-fp32 "$SHAPE_8B" 2 fp32 ;;
    hf8b-bf16-ckpt) hf hf8b-bf16-ckpt "$SHAPE_8B" 2 bf16 --checkpointing ;;
    hf8b-fp32-ckpt) hf hf8b-fp32-ckpt "$SHAPE_8B" 2 fp32 --checkpointing ;;
    hf1b-bf16) hf hf1b-bf16 "$SHAPE_1B" 4 bf16 ;;
    hf1b-fp32) hf hf1b-fp32 "$SHAPE_1B" 4 fp32 ;;
    loris8b-none) loris loris8b-none "$SHAPE_8B" 2 none --profile "$PROFILE_STEPS" ;;
    loris8b-standard) loris loris8b-standard "$SHAPE_8B" 2 standard ;;
    loris8b-offload) loris loris8b-offload "$SHAPE_8B" 2 offload ;;
    loris8b-qlora) loris loris8b-qlora "$SHAPE_8B" 1 offload --nf4 ;;
    loris8b-qlora8) loris loris8b-qlora8 "$SHAPE_8B" 1 offload --nf4 --optim adamw8bit ;;
    loris1b-none) loris loris1b-none "$SHAPE_1B" 4 none --profile "$PROFILE_STEPS" ;;
    loris1b-offload) loris loris1b-offload "$SHAPE_1B" 4 offload ;;
    long8b-lora) long long8b-lora "$SHAPE_8B" "${LONG_SEQ:-200000}" ;;
    long8b-qlora) long long8b-qlora "$SHAPE_8B" "${LONG_SEQ:-400000}" --nf4 ;;
    *) say "== $part: unknown part (see PARTS in $0)" ;;
  esac
  case $part in hf1b-fp32 | loris8b-qlora) table | tee -a "$SUMMARY" ;; esac  # partial tables on the way
done
for profile in "$LOGS"/*.profile.md; do
  [ -f "$profile" ] && cat "$profile" >> "$SUMMARY"
done
tar czf "$OUT/vs-peft.tar.gz" -C "$DATA" logs
echo "== full logs in vs-peft.tar.gz; profiles in $SUMMARY; $(left)s of the budget left"
echo
table | tee -a "$SUMMARY"
