"""Writes a Llama-shaped checkpoint with random bf16 weights (config.json, safetensors shards and
model.safetensors.index.json) with the shapes, names and file layout of a public model, for benchmarks: the
values are random (matrices N(0, 0.02²) as transformers initialises them, norms 1), so only speed and memory
mean something, and losses only in comparison with another trainer reading the same files.

Shapes: llama-3.1-8b (the default, about 16 GB), llama-3.2-1b (tied embeddings, about 2.5 GB), tiny (a test
fixture of a few hundred KB: bench's TrainBenchTest). With torch (the GPU machine) the values come from
torch.randn on the GPU; without, from numpy and a plain safetensors writer (slower, same layout).

    python3 bench/make_checkpoint.py DIR [LAYERS] [--shape llama-3.1-8b|llama-3.2-1b|tiny] [--seed N]

LAYERS keeps the widths with fewer layers (e.g. 1 for per-layer benchmarks)."""
import argparse
import json
import os

try:  # the GPU machine has torch; elsewhere numpy and a plain safetensors writer do the same
    import torch
    from safetensors.torch import save_file
except ImportError:
    torch = None

_COMMON = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "rms_norm_eps": 1e-5, "hidden_act": "silu",
    "attention_bias": False, "mlp_bias": False, "initializer_range": 0.02, "torch_dtype": "bfloat16",
}
SHAPES = {
    # meta-llama/Llama-3.1-8B's config.json
    "llama-3.1-8b": dict(_COMMON, vocab_size=128256, hidden_size=4096, intermediate_size=14336,
                         num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8, head_dim=128,
                         rope_theta=500000.0, max_position_embeddings=131072,
                         rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                         tie_word_embeddings=False, bos_token_id=128000, eos_token_id=128001),
    # meta-llama/Llama-3.2-1B's config.json
    "llama-3.2-1b": dict(_COMMON, vocab_size=128256, hidden_size=2048, intermediate_size=8192,
                         num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8, head_dim=64,
                         rope_theta=500000.0, max_position_embeddings=131072,
                         rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
                         tie_word_embeddings=True, bos_token_id=128000, eos_token_id=128001),
    # the 1B's structure (GQA, tied embeddings, llama3 RoPE) at test size
    "tiny": dict(_COMMON, vocab_size=256, hidden_size=64, intermediate_size=176, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, head_dim=16, rope_theta=500000.0,
                 max_position_embeddings=4096,
                 rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                               "high_freq_factor": 4.0, "original_max_position_embeddings": 256},
                 tie_word_embeddings=True, bos_token_id=1, eos_token_id=2),
}


def shapes(c):
    """(name, shape) of every tensor, in the order of the public checkpoints."""
    h, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    q = c["num_attention_heads"] * c["head_dim"]
    kv = c["num_key_value_heads"] * c["head_dim"]
    yield "model.embed_tokens.weight", (v, h)
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        yield p + "input_layernorm.weight", (h,)
        yield p + "self_attn.q_proj.weight", (q, h)
        yield p + "self_attn.k_proj.weight", (kv, h)
        yield p + "self_attn.v_proj.weight", (kv, h)
        yield p + "self_attn.o_proj.weight", (h, q)
        yield p + "post_attention_layernorm.weight", (h,)
        yield p + "mlp.gate_proj.weight", (i, h)
        yield p + "mlp.up_proj.weight", (i, h)
        yield p + "mlp.down_proj.weight", (h, i)
    yield "model.norm.weight", (h,)
    if not c["tie_word_embeddings"]:
        yield "lm_head.weight", (v, h)


def to_bf16_bits(values):
    """float32 array -> bf16 bit patterns (uint16), rounded to nearest even."""
    import numpy as np
    bits = values.astype(np.float32).view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def save_numpy(tensors, path):
    """A safetensors file from numpy arrays: uint16 arrays are bf16 bit patterns, others by their dtype."""
    types = {"uint16": "BF16", "float32": "F32", "int32": "I32", "int64": "I64"}
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, array in tensors.items():
        header[name] = {"dtype": types[str(array.dtype)], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text)
        for array in tensors.values():
            f.write(array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes())
    os.replace(path + ".tmp", path)


def random_tensor(name, shape, rng):
    """Norms 1, everything else N(0, 0.02²); a torch bf16 tensor, or bf16 bits from numpy."""
    norm = name.endswith("norm.weight")
    if torch is not None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
        if norm:
            return torch.ones(shape, dtype=torch.bfloat16)
        return (torch.randn(shape, device=device, dtype=torch.float32, generator=rng) * 0.02).to(torch.bfloat16).cpu()
    import numpy as np
    if norm:
        return to_bf16_bits(np.ones(shape, dtype=np.float32))
    return to_bf16_bits(rng.standard_normal(shape, dtype=np.float32) * 0.02)


def write(out, config, seed=0, shards=None):
    """Writes config.json, the shards and the index into out; returns the bytes of weights written."""
    os.makedirs(out, exist_ok=True)
    names = list(shapes(config))
    if shards is None:  # about 5 GB a shard, as transformers saves
        params = sum(_count(s) for _, s in names)
        shards = max(1, -(-params * 2 // 5_000_000_000))
    if torch is not None:
        rng = torch.Generator(device="cuda" if torch.cuda.is_available() else "cpu").manual_seed(seed)
    else:
        import numpy as np
        rng = np.random.default_rng(seed)
    per = (len(names) + shards - 1) // shards
    weight_map, total = {}, 0
    for s in range(shards):
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        tensors = {}
        for name, shape in names[s * per:(s + 1) * per]:
            tensors[name] = random_tensor(name, shape, rng)
            total += _count(shape) * 2
            weight_map[name] = file
        if torch is None:
            save_numpy(tensors, os.path.join(out, file))
        else:
            save_file(tensors, os.path.join(out, file + ".tmp"), metadata={"format": "pt"})
            os.replace(os.path.join(out, file + ".tmp"), os.path.join(out, file))
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=1)
    # config.json last: the scripts take its presence as "the checkpoint is complete"
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    return total


def _count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("layers", nargs="?", type=int, help="fewer layers, same widths")
    parser.add_argument("--shape", default="llama-3.1-8b", choices=sorted(SHAPES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shards", type=int, help="number of safetensors files (default: about 5 GB each)")
    args = parser.parse_args()
    config = dict(SHAPES[args.shape])
    if args.layers:
        config["num_hidden_layers"] = args.layers
    total = write(args.dir, config, args.seed, args.shards)
    print(f"wrote {total / 1e9:.2f} GB of random bf16 {args.shape} weights"
          f" ({config['num_hidden_layers']} layers) to {args.dir}")


if __name__ == "__main__":
    main()
