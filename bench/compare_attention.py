# Table of FlashAttentionTrainingBench ("loris ...") against bench/torch_sdpa_train.py ("torch ...") lines read
# from the files given (gpu/flash_attention.sh). FLOPs the causal way: forward 4 * L^2 / 2 * heads * headDim,
# backward 2.5 times that (FlashAttention's convention: five products to the forward's two).
import sys
rows = {}
for path in sys.argv[1:]:
    for line in open(path):
        parts = line.split("#")[0].split()
        if len(parts) == 5 and parts[0] in ("loris", "torch"):
            rows.setdefault((int(parts[1]), int(parts[2])), {})[parts[0]] = (float(parts[3]), float(parts[4]))
print(f"{'tokens':>7} {'hd':>4} | {'loris fwd ms':>12} {'TF/s':>6} {'torch':>8} {'TF/s':>6} {'x':>5} | "
      f"{'loris bwd ms':>12} {'TF/s':>6} {'torch':>8} {'TF/s':>6} {'x':>5}")
for (l, d), r in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    fwd_flops = 4.0 * l * l / 2 * 32 * d
    cells = []
    for i, flops in ((0, fwd_flops), (1, 2.5 * fwd_flops)):
        ours = r.get("loris", (float("nan"),) * 2)[i]
        theirs = r.get("torch", (float("nan"),) * 2)[i]
        cells.append(f"{ours:12.3f} {flops / ours / 1e9:6.0f} {theirs:8.3f} {flops / theirs / 1e9:6.0f} "
                     f"{ours / theirs:5.2f}")
    print(f"{l:7d} {d:4d} | " + " | ".join(cells))
print("x = our time / torch's time (below 1: faster than sdpa)")
