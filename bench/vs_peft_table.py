"""The table of gpu/bench_vs_peft.sh: one row per run (the result JSON files that bench/hf_peft_train.py and
bench TrainBench wrote, with bench/nvml_peak.py's peak added), grouped by checkpoint, in the order given.

Columns: tokens/s and ms/step of the 10 timed steps; peak GiB: NVML used memory of the process minus the
baseline before it started (both sides alike; the allocators' own peaks are in the JSON for information);
the losses of steps 1 and 10 (step 1 is the first warm-up step, before any update); x HF bf16: tokens/s over
that of "hf-peft bf16-adapters" without checkpointing on the same checkpoint (PEFT with
autocast_adapter_dtype=False); MFU: tokens/s x FLOPs/token over 780 TFLOP/s, the bf16 GEMM rate measured on
the H100 (cuBLAS, 8192^3 products: 769-798 TFLOP/s in the device notes), with
    FLOPs/token = 2 N (2 + c) + 2 L S d_attn (3 + c)
N the weights of the matrix products (the seven projections of every layer and the LM head; the adapters are
left out), L layers, S the sequence length, d_attn = heads x head_dim, c = 1 when the run recomputes the
forward (gradient checkpointing), else 0. Frozen base weights need no weight gradient, hence 2 + c and not
3 + c for the projections.

    python3 bench/vs_peft_table.py RESULT.json...      (files that are missing or unreadable are skipped)
"""
import json
import math
import os
import sys

CEILING = 780e12


def matmul_weights(config):
    h, i, v = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    q = config["num_attention_heads"] * config.get("head_dim", h // config["num_attention_heads"])
    kv = config["num_key_value_heads"] * config.get("head_dim", h // config["num_attention_heads"])
    per_layer = q * h + 2 * kv * h + h * q + 3 * i * h
    return config["num_hidden_layers"] * per_layer + v * h


def flops_per_token(config, seq, recompute):
    c = 1 if recompute else 0
    heads = config["num_attention_heads"]
    d_attn = heads * config.get("head_dim", config["hidden_size"] // heads)
    return 2 * matmul_weights(config) * (2 + c) + 2 * config["num_hidden_layers"] * seq * d_attn * (3 + c)


def read(paths):
    results = []
    for path in paths:
        try:
            with open(path) as f:
                results.append(json.load(f))
        except (OSError, json.JSONDecodeError):
            continue
    return results


def config_of(result):
    try:
        with open(os.path.join(result["checkpoint"], "config.json")) as f:
            return json.load(f)
    except (KeyError, OSError, json.JSONDecodeError):
        return None


def is_reference(r):
    return (r.get("side") == "hf-peft" and r.get("adapter_dtypes") == ["bfloat16"] and not r.get("recompute")
            and "tokens_per_s" in r)


def loss(r, step):
    losses = r.get("losses") or []
    return f"{losses[step - 1]:.4f}" if len(losses) >= step and math.isfinite(losses[step - 1]) else "-"


def table(results):
    lines = ["| config | tokens/s | ms/step | peak GiB | loss step 1 | loss step 10 | x HF bf16 | MFU |",
             "|---|---|---|---|---|---|---|---|"]
    groups = {}
    for r in results:
        groups.setdefault(r.get("checkpoint", "?"), []).append(r)
    for checkpoint, runs in groups.items():
        reference = next((r for r in runs if is_reference(r)), None)
        config = config_of(runs[0])
        for r in runs:
            name = f"{os.path.basename(checkpoint.rstrip('/'))} B={r.get('batch', '?')}: {r.get('label', '?')}"
            peak = f"{r['nvml_peak_gib']:.1f}" if "nvml_peak_gib" in r else "-"
            if "tokens_per_s" not in r:
                lines.append(f"| {name} | {r.get('error', 'failed')} | - | {peak} | {loss(r, 1)} | {loss(r, 10)}"
                             f" | - | - |")
                continue
            tps = r["tokens_per_s"]
            ratio = f"{tps / reference['tokens_per_s']:.2f}" if reference else "-"
            mfu = "-"
            if config:
                mfu = f"{100 * tps * flops_per_token(config, r['seq'], r.get('recompute')) / CEILING:.1f}%"
            lines.append(f"| {name} | {tps:,.0f} | {r['ms_per_step']:.1f} | {peak} | {loss(r, 1)} | {loss(r, 10)}"
                         f" | {ratio} | {mfu} |")
    return "\n".join(lines)


def main():
    results = read(sys.argv[1:])
    if not results:
        print("no results to tabulate")
        return
    print(table(results))
    print(f"\npeak GiB: NVML used memory minus the baseline before the process (both sides alike); x HF bf16:"
          f" tokens/s over HF+PEFT with bf16 adapters, no checkpointing, same checkpoint; MFU against"
          f" {CEILING / 1e12:.0f} TFLOP/s (bf16 GEMM, measured), FLOPs/token = 2N(2+c) + 2LS d_attn (3+c),"
          f" c = 1 with checkpointing.")


if __name__ == "__main__":
    main()
