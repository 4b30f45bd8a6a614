#!/usr/bin/env bash
# Runs on the GPU machine after gpu/bundle.sh (carry .device-pack.tar.xz): Nsight Compute profiles of the three
# tensor-core attention kernels as the decoder launches them (FlashAttentionTrainingBench at LENGTH tokens,
# 32 query / 8 kv heads, head_dim 64 then 128; one launch each, the first HEAD_DIM's), issue 13.
# For each kernel: issue-slot and tensor-pipe use, occupancy limits, registers, the stall reasons per issued
# instruction (what session 9's forward profile was read from), then the SASS instructions with the most
# stall samples (ncu's source page, --print-source sass), so a kernel's hot spots are read from the SASS the
# H100 ran. Settings: LENGTH (4096), HEAD_DIM (128), KERNELS (forwardBf16 keyValueGradients queryGradients),
# TOP (40 SASS lines per kernel). Output: a summary on stdout; $OUT/ncu_<kernel>.txt and _sass.csv.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
. gpu/unpack.sh
OUT="${OUT:-/tmp}"
LENGTH="${LENGTH:-4096}"
HEAD_DIM="${HEAD_DIM:-128}"
TOP="${TOP:-40}"
KERNELS="${KERNELS:-forwardBf16 keyValueGradients queryGradients}"
TEST_CP=".device-bundle/test-classes:.device-bundle/classes:$(ls .device-bundle/lib/*.jar | tr '\n' ':')"
NCU=$(command -v ncu || ls /usr/local/cuda*/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[ -n "$NCU" ] || { echo "no ncu on this machine"; exit 1; }
# The bench runs head_dim 64 before 128; each shape launches every kernel 15 times (3 warm-up + 12 timed).
SKIP=0
[ "$HEAD_DIM" = 128 ] && SKIP=15
METRICS=smsp__issue_active.avg.pct_of_peak_sustained_active,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active
METRICS=$METRICS,sm__warps_active.avg.per_cycle_active,launch__registers_per_thread,launch__occupancy_limit_registers
METRICS=$METRICS,launch__occupancy_limit_shared_mem,gpu__time_duration.sum,smsp__inst_executed.sum
METRICS=$METRICS,l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum
for reason in wait not_selected dispatch_stall short_scoreboard long_scoreboard math_pipe_throttle mio_throttle \
  barrier branch_resolving no_instruction lg_throttle; do
  METRICS="$METRICS,smsp__average_warps_issue_stalled_${reason}_per_issue_active.ratio"
done
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
for kernel in $KERNELS; do
  echo "== $kernel (head_dim $HEAD_DIM, $LENGTH tokens)"
  LD_PRELOAD="$ROOT/.jre/lib/libjsig.so" timeout 240 "$NCU" --target-processes all -k "regex:^$kernel\$" \
    --launch-skip "$SKIP" -c 1 --set full --metrics "$METRICS" --import-source yes -o "$OUT/ncu_$kernel" -f \
    java "${OPTS[@]}" -cp "$TEST_CP" dev.loris.tornado.kernels.FlashAttentionTrainingBench "$LENGTH" \
    > "$OUT/ncu_${kernel}_run.txt" 2>&1 || { tail -3 "$OUT/ncu_${kernel}_run.txt"; continue; }
  "$NCU" -i "$OUT/ncu_$kernel.ncu-rep" --page details --print-units base > "$OUT/ncu_$kernel.txt" 2>&1
  grep -E "$(echo "$METRICS" | tr ',' '|')" "$OUT/ncu_$kernel.txt" | sed -E 's/ +/ /g' | head -30
  "$NCU" -i "$OUT/ncu_$kernel.ncu-rep" --page source --print-source sass --csv > "$OUT/ncu_${kernel}_sass.csv" 2>&1
  echo "-- SASS lines with the most warp stall samples (address, source, samples):"
  python3 - "$OUT/ncu_${kernel}_sass.csv" "$TOP" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], errors="replace")))
header = next((i for i, r in enumerate(rows) if any("Source" in c for c in r)), None)
if header is None:
    print("   (no source table: " + " ".join(rows[0])[:200] + ")" if rows else "   (empty)")
    sys.exit(0)
names = rows[header]
def col(*keys):
    for k in keys:
        for i, n in enumerate(names):
            if k.lower() in n.lower():
                return i
    return None
src, samples, addr = col("Source"), col("Warp Stall Sampling (All", "Sampling Data (All", "Samples"), col("Address")
body = [r for r in rows[header + 1:] if samples is not None and len(r) > samples and r[samples].replace(".", "").isdigit()]
body.sort(key=lambda r: -float(r[samples]))
for r in body[: int(sys.argv[2])]:
    print("   %s  %-70s %s" % (r[addr] if addr is not None else "", r[src][:70], r[samples]))
PY
done
