#!/usr/bin/env python3
"""Writes a randomly initialised Llama model folder (model.safetensors) for a config.json: the starting point of
the bundled tiny model's pretraining, and a model of the same shape for timing `loris train`.

Initialisation as transformers' LlamaPreTrainedModel._init_weights: every linear and the embedding drawn from
normal(0, initializer_range), RMSNorm weights 1; with tie_word_embeddings there is no lm_head tensor. The draws
come from numpy's PCG64 seeded by --seed, tensor by tensor in name order, so the file is the same everywhere.
Stored as bf16 (round to nearest even, as torch's .to(bfloat16)) or f32.

    python3 demo/scripts/init_model.py --config demo/model/config.json --out /tmp/tiny-random --seed 0
"""
import argparse
import json
import os
import shutil
import struct

import numpy as np


def shapes(config):
    hidden = config["hidden_size"]
    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads", heads)
    head_dim = config.get("head_dim", hidden // heads)
    inter = config["intermediate_size"]
    out = {"model.embed_tokens.weight": (config["vocab_size"], hidden), "model.norm.weight": (hidden,)}
    if not config.get("tie_word_embeddings", False):
        out["lm_head.weight"] = (config["vocab_size"], hidden)
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out[p + "input_layernorm.weight"] = (hidden,)
        out[p + "post_attention_layernorm.weight"] = (hidden,)
        out[p + "self_attn.q_proj.weight"] = (heads * head_dim, hidden)
        out[p + "self_attn.k_proj.weight"] = (kv_heads * head_dim, hidden)
        out[p + "self_attn.v_proj.weight"] = (kv_heads * head_dim, hidden)
        out[p + "self_attn.o_proj.weight"] = (hidden, heads * head_dim)
        out[p + "mlp.gate_proj.weight"] = (inter, hidden)
        out[p + "mlp.up_proj.weight"] = (inter, hidden)
        out[p + "mlp.down_proj.weight"] = (hidden, inter)
    return out


def to_bf16_bits(values):
    bits = values.astype(np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    return ((bits + rounding) >> 16).astype(np.uint16)


def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = to_bf16_bits(tensors[name]).tobytes() if dtype == "bf16" else tensors[name].astype("<f4").tobytes()
        header[name] = {"dtype": "BF16" if dtype == "bf16" else "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    temporary = path + ".tmp"
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="a Llama config.json")
    parser.add_argument("--out", required=True, help="the model folder to write")
    parser.add_argument("--tokenizer", help="a folder whose tokenizer files are copied too (default: the config's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", choices=["bf16", "f32"], default="bf16")
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    rng = np.random.Generator(np.random.PCG64(args.seed))
    std = config.get("initializer_range", 0.02)
    tensors = {}
    for name, shape in sorted(shapes(config).items()):
        if name.endswith("norm.weight"):
            tensors[name] = np.ones(shape, dtype=np.float32)
        else:
            tensors[name] = rng.normal(0.0, std, size=shape).astype(np.float32)
    os.makedirs(args.out, exist_ok=True)
    write_safetensors(os.path.join(args.out, "model.safetensors"), tensors, args.dtype)
    source = args.tokenizer or os.path.dirname(os.path.abspath(args.config))
    for name in ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"]:
        src = args.config if name == "config.json" else os.path.join(source, name)
        if os.path.isfile(src) and os.path.abspath(src) != os.path.abspath(os.path.join(args.out, name)):
            shutil.copyfile(src, os.path.join(args.out, name))
    count = sum(int(np.prod(s)) for s in shapes(config).values())
    print(f"{count} parameters ({count / 1e6:.2f} M), {args.dtype} -> {args.out}/model.safetensors")


if __name__ == "__main__":
    main()
