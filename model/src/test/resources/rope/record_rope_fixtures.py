#!/usr/bin/env python3
"""Records RoPE inverse frequencies exactly as transformers computes them, for RopeFixtureTest.

Run on a machine with torch and transformers (no network needed):
    python3 model/src/test/resources/rope/record_rope_fixtures.py
It writes rope_fixtures.json.gz next to this script: for each case, the config.json text Loris parses and
the float32 bit patterns of the rotary embedding's inv_freq buffer, built on the CPU the way the model
builds it (the <Family>RotaryEmbedding module of transformers).
"""
import gzip
import json
import os
import struct

import torch
import transformers
from transformers import AutoConfig

HERE = os.path.dirname(os.path.abspath(__file__))


def base_config(model_type, hidden, heads, kv_heads, theta, **extra):
    config = {
        "model_type": model_type,
        "vocab_size": 1000,
        "hidden_size": hidden,
        "intermediate_size": 4 * hidden,
        "num_hidden_layers": 2,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "rope_theta": theta,
        "max_position_embeddings": 131072,
    }
    config.update(extra)
    return config


LLAMA3_SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                  "original_max_position_embeddings": 8192}
LLAMA32_SCALING = dict(LLAMA3_SCALING, factor=32.0)

CASES = {
    "llama31_8b": base_config("llama", 4096, 32, 8, 500000.0, rope_scaling=LLAMA3_SCALING),
    "llama32_1b": base_config("llama", 2048, 32, 8, 500000.0, head_dim=64, rope_scaling=LLAMA32_SCALING),
    "llama3_odd_factors": base_config("llama", 3072, 24, 8, 500000.0, rope_scaling=dict(
        LLAMA3_SCALING, factor=6.0, low_freq_factor=1.5, high_freq_factor=5.0, original_max_position_embeddings=6000)),
    "llama2_7b": base_config("llama", 4096, 32, 32, 10000.0),
    "llama_linear": base_config("llama", 4096, 32, 32, 10000.0, rope_scaling={"rope_type": "linear", "factor": 3.0}),
    "mistral_7b": base_config("mistral", 4096, 32, 8, 1000000.0),
    "qwen25_05b": base_config("qwen2", 896, 14, 2, 1000000.0),
    "qwen3_06b": base_config("qwen3", 1024, 16, 8, 1000000.0, head_dim=128),
    "qwen3_head80": base_config("qwen3", 1280, 16, 8, 12345.0, head_dim=80),
    "mistral_head96": base_config("mistral", 3072, 32, 8, 77777.0, head_dim=96),
}

ROTARY_CLASSES = {
    "llama": "transformers.models.llama.modeling_llama.LlamaRotaryEmbedding",
    "mistral": "transformers.models.mistral.modeling_mistral.MistralRotaryEmbedding",
    "qwen2": "transformers.models.qwen2.modeling_qwen2.Qwen2RotaryEmbedding",
    "qwen3": "transformers.models.qwen3.modeling_qwen3.Qwen3RotaryEmbedding",
}


def rotary_class(model_type):
    module_name, class_name = ROTARY_CLASSES[model_type].rsplit(".", 1)
    module = __import__(module_name, fromlist=[class_name])
    return getattr(module, class_name)


def inv_freq_bits(config_dict):
    config = AutoConfig.for_model(**config_dict)
    rotary = rotary_class(config_dict["model_type"])(config=config, device=torch.device("cpu"))
    inv_freq = rotary.inv_freq.detach().to("cpu")
    assert inv_freq.dtype == torch.float32, inv_freq.dtype
    return [struct.unpack("<i", struct.pack("<f", float(x)))[0] for x in inv_freq.tolist()]


def main():
    cases = []
    for name, config_dict in CASES.items():
        cases.append({"name": name, "config": json.dumps(config_dict), "inv_freq_bits": inv_freq_bits(config_dict)})
    out = {"torch_version": torch.__version__, "transformers_version": transformers.__version__, "cases": cases}
    path = os.path.join(HERE, "rope_fixtures.json.gz")
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {path}: {len(cases)} cases, torch {torch.__version__}, transformers {transformers.__version__}")


if __name__ == "__main__":
    main()
