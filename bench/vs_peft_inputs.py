"""What both trainers of the HF + PEFT comparison (gpu/bench_vs_peft.sh) read besides the checkpoint, written
once with numpy so both sides get the same bytes:

  OUT/batches.safetensors   "input_ids" I32 (steps, rows, seq): each step's token rows; a run with batch size
                            B trains on the first B rows of every step. Labels are the ids (the causal-LM shift
                            is each trainer's own: transformers' loss and Loris' Batch.of do the same).
  OUT/adapter/              the initial LoRA adapter in PEFT 0.21's files (adapter_config.json,
                            adapter_model.safetensors: f32 lora_A (r, in) uniform in ±1/sqrt(in), PEFT's
                            kaiming_uniform(a=sqrt(5)), and lora_B (out, r) zero) on all seven projections of
                            every layer, so step 10's loss can agree as well as step 1's.

The tokens follow a noisy affine rule inside a block of K token ids (next = (5 prev + 17) mod K, a uniform
token of the block one time in ten): random, but learnable, so the loss falls within ten steps (first by
moving mass onto the block) and the two sides' step-10 losses are compared on a curve that moves.

    python3 bench/vs_peft_inputs.py CHECKPOINT OUT [--rows 4] [--seq 2048] [--steps 13] [--rank 16] [--alpha 16]
"""
import argparse
import json
import os

import numpy as np

from make_checkpoint import save_numpy

PROJECTIONS = [("self_attn", "q_proj"), ("self_attn", "k_proj"), ("self_attn", "v_proj"), ("self_attn", "o_proj"),
               ("mlp", "gate_proj"), ("mlp", "up_proj"), ("mlp", "down_proj")]


def batches(vocab, steps, rows, seq, seed):
    """(steps, rows, seq) int32 ids of the noisy affine rule in the block [offset, offset + K)."""
    rng = np.random.default_rng(seed)
    block = min(4096, vocab // 2)
    offset = (vocab - block) // 2
    ids = np.empty((steps, rows, seq), dtype=np.int32)
    noise = rng.random((steps, rows, seq)) < 0.1
    uniform = rng.integers(0, block, (steps, rows, seq))
    for s in range(steps):
        for r in range(rows):
            token = int(uniform[s, r, 0])
            for t in range(seq):
                if t > 0:
                    token = int(uniform[s, r, t]) if noise[s, r, t] else (5 * token + 17) % block
                ids[s, r, t] = token + offset
    return ids


def projection_shape(config, module):
    """(out, in) of a projection."""
    h, i = config["hidden_size"], config["intermediate_size"]
    q = config["num_attention_heads"] * config["head_dim"]
    kv = config["num_key_value_heads"] * config["head_dim"]
    return {"q_proj": (q, h), "k_proj": (kv, h), "v_proj": (kv, h), "o_proj": (h, q),
            "gate_proj": (i, h), "up_proj": (i, h), "down_proj": (h, i)}[module]


def adapter(config, rank, alpha, seed, folder):
    rng = np.random.default_rng(seed)
    tensors = {}
    for layer in range(config["num_hidden_layers"]):
        for block, module in PROJECTIONS:
            out, fan_in = projection_shape(config, module)
            prefix = f"base_model.model.model.layers.{layer}.{block}.{module}"
            bound = 1.0 / np.sqrt(fan_in)
            tensors[prefix + ".lora_A.weight"] = rng.uniform(-bound, bound, (rank, fan_in)).astype(np.float32)
            tensors[prefix + ".lora_B.weight"] = np.zeros((out, rank), dtype=np.float32)
    os.makedirs(folder, exist_ok=True)
    save_numpy(tensors, os.path.join(folder, "adapter_model.safetensors"))
    settings = {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": alpha, "lora_dropout": 0.0,
        "target_modules": [m for _, m in PROJECTIONS], "bias": "none", "use_rslora": False, "use_dora": False,
        "fan_in_fan_out": False, "init_lora_weights": True, "inference_mode": True, "modules_to_save": None,
        "layers_to_transform": None, "base_model_name_or_path": None,
    }
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        json.dump(settings, f, indent=2, sort_keys=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=4)
    parser.add_argument("--seq", type=int, default=2048)
    parser.add_argument("--steps", type=int, default=13)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--alpha", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    with open(os.path.join(args.checkpoint, "config.json")) as f:
        config = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    ids = batches(config["vocab_size"], args.steps, args.rows, args.seq, args.seed)
    save_numpy({"input_ids": ids}, os.path.join(args.out, "batches.safetensors"))
    adapter(config, args.rank, args.alpha, args.seed + 1, os.path.join(args.out, "adapter"))
    print(f"wrote {args.steps} steps of {args.rows} x {args.seq} tokens and an r {args.rank} adapter to {args.out}")


if __name__ == "__main__":
    main()
