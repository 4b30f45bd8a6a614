"""Writes a Llama-3.1-8B-shaped checkpoint with random bf16 weights (config.json, 4 safetensors shards and
model.safetensors.index.json, about 16 GB) for timing Loris' loader: bench LoadBench. The values are random:
nothing about the model's behaviour is meaningful, only its shapes, names and file layout (those of the real
meta-llama/Llama-3.1-8B). Run on the GPU machine: python3 bench/make_8b_checkpoint.py DIR [LAYERS]"""
import json
import os
import sys

try:  # the GPU machine has torch; elsewhere numpy and a plain safetensors writer do the same
    import torch
    from safetensors.torch import save_file
except ImportError:
    torch = None

CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256, "hidden_size": 4096,
    "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
    "head_dim": 128, "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "max_position_embeddings": 131072,
    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192},
    "tie_word_embeddings": False, "hidden_act": "silu", "bos_token_id": 128000, "eos_token_id": 128001,
    "torch_dtype": "bfloat16",
}


def shapes():
    c = CONFIG
    h, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    kv = c["num_key_value_heads"] * c["head_dim"]
    yield "model.embed_tokens.weight", (v, h)
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        yield p + "input_layernorm.weight", (h,)
        yield p + "self_attn.q_proj.weight", (h, h)
        yield p + "self_attn.k_proj.weight", (kv, h)
        yield p + "self_attn.v_proj.weight", (kv, h)
        yield p + "self_attn.o_proj.weight", (h, h)
        yield p + "post_attention_layernorm.weight", (h,)
        yield p + "mlp.gate_proj.weight", (i, h)
        yield p + "mlp.up_proj.weight", (i, h)
        yield p + "mlp.down_proj.weight", (h, i)
    yield "model.norm.weight", (h,)
    yield "lm_head.weight", (v, h)


def random_bf16(shape, generator):
    """N(0, 0.02²) values as bf16 bit patterns (uint16), without torch."""
    import numpy as np
    values = (generator.standard_normal(shape, dtype=np.float32) * 0.02).view(np.uint32)
    return ((values + 0x7FFF + ((values >> 16) & 1)) >> 16).astype(np.uint16)  # round to nearest even


def save_numpy(tensors, path):
    """A safetensors file of bf16 tensors given as uint16 bit arrays."""
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, bits in tensors.items():
        header[name] = {"dtype": "BF16", "shape": list(bits.shape), "data_offsets": [offset, offset + bits.nbytes]}
        offset += bits.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text)
        for bits in tensors.values():
            f.write(bits.tobytes())


def main():
    out = sys.argv[1]
    if len(sys.argv) > 2:  # fewer layers (e.g. 1 for per-layer benchmarks), same widths
        CONFIG["num_hidden_layers"] = int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=1)
    device = "cuda" if torch is not None and torch.cuda.is_available() else "cpu"
    if torch is None:
        import numpy as np
        generator = np.random.default_rng(0)
    names = list(shapes())
    shards = 4
    per = (len(names) + shards - 1) // shards
    weight_map, total = {}, 0
    for s in range(shards):
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        tensors = {}
        for name, shape in names[s * per:(s + 1) * per]:
            if torch is None:
                tensors[name] = random_bf16(shape, generator)
                total += tensors[name].nbytes
            else:
                tensors[name] = (torch.randn(shape, device=device, dtype=torch.bfloat16) * 0.02).cpu()
                total += tensors[name].numel() * 2
            weight_map[name] = file
        if torch is None:
            save_numpy(tensors, os.path.join(out, file))
        else:
            save_file(tensors, os.path.join(out, file), metadata={"format": "pt"})
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=1)
    print(f"wrote {total / 1e9:.2f} GB of bf16 weights in {shards} shards to {out}")


if __name__ == "__main__":
    main()
