"""Reference fixtures from Hugging Face transformers for Loris' decoder (issue 5).

Builds one tiny random model per supported architecture, saves it with save_pretrained (bf16 weights, as
checkpoints ship), and records what transformers computes with it for a fixed batch:

  expected.safetensors  input_ids, attention_mask, labels (int64, batch 2 x 16, the second row padded on the
                        right after 11 tokens); logits_f32 / loss_f32 (eager attention) and logits_bf16 /
                        loss_bf16 (sdpa, transformers' default; stored as f32); grad.<parameter name>
                        (f32 mode) for every weight; generate.prompt and generate.ids: greedy generation
                        of 32 tokens in f32 (no EOS stop).
  expected.json         the same scalars, shapes, versions and the smallest top-2 logit gap met during
                        generation (how safe a token-for-token comparison is).

The weights are drawn larger than transformers' init (std 0.25, norms near 1, biases non-zero) so that
logits are well separated and every weight matters, then rounded to bf16 so the f32 and bf16 runs share
them exactly. Run on the GPU machine (transformers 5.17, torch 2.11, no network):

    python3 model/src/test/resources/hf-models/make_fixtures.py [OUT_DIR [NAME ...]]

OUT_DIR defaults to this script's folder; each model lands in OUT_DIR/<name>/. NAMEs pick some of the models
(e.g. gemma2 gemma3_text); all by default.

Gemma (issue 17): norm weights are offsets from 1 ((1 + w) norms), so they are drawn near 0, not near 1; the
shapes are odd on purpose (head_dim not hidden / heads, GQA, an odd vocabulary, a sliding window of 8 shorter
than the 16-token batch and the generation); Gemma 2's bf16 run uses eager attention, the one that soft-caps
the scores.

Phi-3 (issue 17): fused qkv_proj / gate_up_proj, partial rotary 0.75 (12 of head_dim 16), LongRoPE with short and
long factors of its own and original_max_position_embeddings 8, so the 16-token batch takes the long factors and
the attention factor sqrt(1 + ln(64 / 8) / ln 8), and generation (6 + 32 tokens) crosses from short to long, where
Phi3ForCausalLM drops its cache; sliding_window 10 < 16. head_dim equals hidden / heads here: Phi3Config checks the
factor count against hidden / heads while the rotary embedding uses head_dim, so the two cannot differ.
"""
import inspect
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import (AutoModelForCausalLM, Gemma2Config, Gemma3TextConfig, LlamaConfig, MistralConfig,
                          Phi3Config, Qwen2Config, Qwen3Config)

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH, SEQ, SHORT = 2, 16, 11
NEW_TOKENS = 32


def configs():
    common = dict(num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=64,
                  max_position_embeddings=256, rms_norm_eps=1e-6, hidden_act="silu",
                  bos_token_id=1, eos_token_id=2, pad_token_id=0)
    return {
        # Llama 3 rope scaling with a small original context, so that the 32 frequencies of head_dim 64 fall
        # in all three bands (kept, smoothed, divided by the factor).
        "llama3": LlamaConfig(vocab_size=301, hidden_size=64, intermediate_size=160, rope_theta=500000.0,
                              rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                            "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
                              tie_word_embeddings=False, **common),
        "mistral": MistralConfig(vocab_size=263, hidden_size=96, intermediate_size=224, rope_theta=10000.0,
                                 sliding_window=None, tie_word_embeddings=False, **common),
        # q/k/v biases; tied embeddings; saved in shards with an index.
        "qwen2": Qwen2Config(vocab_size=311, hidden_size=128, intermediate_size=256, rope_theta=1000000.0,
                             tie_word_embeddings=True, use_sliding_window=False, **common),
        # q_norm / k_norm; head_dim 64 while hidden / heads is 32.
        "qwen3": Qwen3Config(vocab_size=257, hidden_size=64, intermediate_size=192, rope_theta=1000000.0,
                             tie_word_embeddings=True, **common),
        **gemma_configs(),
        "phi3": phi3_config(),
    }


def phi3_config():
    """Phi-3 with issue 17's odd parts: GQA 4/2, vocabulary 293, intermediate 88, partial rotary 0.75, LongRoPE
    crossing at 8 tokens, window 10 < 16."""
    rope = {"rope_type": "longrope", "short_factor": [1.0, 1.1, 1.3, 1.6, 2.0, 2.5],
            "long_factor": [1.5, 2.5, 4.0, 6.5, 9.0, 13.0], "original_max_position_embeddings": 8}
    common = dict(vocab_size=293, hidden_size=64, intermediate_size=88, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=64, original_max_position_embeddings=8,
                  rms_norm_eps=1e-5, hidden_act="silu", sliding_window=10, tie_word_embeddings=False,
                  bos_token_id=1, eos_token_id=2, pad_token_id=0)
    if "rope_parameters" in inspect.signature(Phi3Config.__init__).parameters:
        return Phi3Config(rope_parameters={**rope, "rope_theta": 10000.0, "partial_rotary_factor": 0.75}, **common)
    return Phi3Config(rope_scaling=rope, rope_theta=10000.0, partial_rotary_factor=0.75, **common)


def gemma_configs():
    """Gemma 2 and Gemma 3 text with issue 17's odd shapes: head_dim 48 while hidden / heads is 20 (80 / 4),
    4 heads over 2 kv heads, vocabulary 293, window 8 < the batch's 16 tokens, query_pre_attn_scalar 40."""
    common = dict(vocab_size=293, hidden_size=80, intermediate_size=176, num_hidden_layers=3,
                  num_attention_heads=4, num_key_value_heads=2, head_dim=48, max_position_embeddings=256,
                  rms_norm_eps=1e-6, hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=40,
                  sliding_window=8, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    gemma2 = Gemma2Config(layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                          attn_logit_softcapping=20.0, final_logit_softcapping=15.0, rope_theta=10000.0, **common)
    layer_types = ["sliding_attention", "sliding_attention", "full_attention"]
    if "rope_parameters" in inspect.signature(Gemma3TextConfig.__init__).parameters:
        gemma3 = Gemma3TextConfig(layer_types=layer_types, rope_parameters={
            "full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
            "sliding_attention": {"rope_type": "default", "rope_theta": 100.0}}, **common)
    else:
        gemma3 = Gemma3TextConfig(layer_types=layer_types, rope_theta=1000000.0, rope_local_base_freq=100.0,
                                  **common)
    return {"gemma2": gemma2, "gemma3_text": gemma3}


def is_gemma(config):
    return config.model_type in ("gemma2", "gemma3_text")


def randomise(model, generator, norm_center):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight") or "layernorm" in name:
                p.copy_(norm_center + 0.2 * torch.randn(p.shape, generator=generator))
            elif name.endswith(".bias"):
                p.copy_(0.2 * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(0.25 * torch.randn(p.shape, generator=generator))
            p.copy_(p.to(torch.bfloat16).to(torch.float32))


def batch(vocab, generator):
    ids = torch.randint(3, vocab, (BATCH, SEQ), generator=generator)
    mask = torch.ones(BATCH, SEQ, dtype=torch.int64)
    ids[1, SHORT:] = 0
    mask[1, SHORT:] = 0
    labels = ids.clone()
    labels[mask == 0] = -100
    return ids, mask, labels


def greedy(model, prompt):
    """Greedy decoding by generate(), and the smallest gap between the two best logits on the way.

    Phi-3 generates without the cache: at LongRoPE's switch transformers drops the cache and feeds the whole
    sequence again, but with the decode step's cache_position (one position for all tokens), which we suspect
    does not recompute the causal prefix as a fresh forward would (Loris' generation left transformers' exactly
    there, 2026-12-07; unconfirmed). Without the cache every step is a fresh forward with the factors of the
    current length: the model's definition, and what Loris' re-prefill at the switch computes."""
    cache = model.config.model_type != "phi3"
    out = model.generate(input_ids=prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=NEW_TOKENS,
                         min_new_tokens=NEW_TOKENS, do_sample=False, eos_token_id=None, pad_token_id=0,
                         output_scores=True, return_dict_in_generate=True, use_cache=cache)
    gap = min(float((s[0].topk(2).values[0] - s[0].topk(2).values[1]).item()) for s in out.scores)
    return out.sequences, gap


def record(name, config, out_dir, device):
    generator = torch.Generator().manual_seed(1234 + sum(map(ord, name)))
    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32)
    randomise(model, generator, 0.0 if is_gemma(config) else 1.0)
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    shard = "200KB" if name == "qwen2" else "1GB"
    model.to(torch.bfloat16).save_pretrained(folder, max_shard_size=shard)
    # Everything below runs on the model as a user loads it. Reusing the object would be wrong: .to(bfloat16)
    # also rounds the RoPE inverse-frequency buffer, which going back to float32 does not undo.
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").to(device)

    ids, mask, labels = batch(config.vocab_size, generator)
    ids, mask, labels = ids.to(device), mask.to(device), labels.to(device)
    tensors = {"input_ids": ids, "attention_mask": mask, "labels": labels}

    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    out.loss.backward()
    tensors["logits_f32"] = out.logits.detach()
    tensors["loss_f32"] = out.loss.detach().reshape(())
    for pname, p in model.named_parameters():
        tensors["grad." + pname] = p.grad.detach().clone()
    model.zero_grad(set_to_none=True)

    prompt = ids[:1, :6]
    with torch.no_grad():
        generated, gap = greedy(model, prompt)
    tensors["generate.prompt"] = prompt
    tensors["generate.ids"] = generated

    # bf16 through transformers' default attention (sdpa), as users run it: on the GPU its fused kernels
    # keep the scores in f32 as Loris does, where eager attention rounds scores and probabilities to bf16.
    bf16_attention = "eager" if config.model_type == "gemma2" else "sdpa"  # sdpa has no soft-capping
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16,
                                                 attn_implementation=bf16_attention).to(device)
    inv_freq_dtype = next(str(b.dtype) for n, b in model.named_buffers() if n.endswith("inv_freq"))
    with torch.no_grad():
        out16 = model(input_ids=ids, attention_mask=mask, labels=labels)
    tensors["logits_bf16"] = out16.logits.float()
    tensors["loss_bf16"] = out16.loss.float().reshape(())

    save_file({k: v.contiguous().cpu() for k, v in tensors.items()}, os.path.join(folder, "expected.safetensors"),
              metadata={"transformers": transformers.__version__, "torch": torch.__version__})
    summary = {
        "model_type": config.model_type, "transformers": transformers.__version__, "torch": torch.__version__,
        "batch": [BATCH, SEQ], "second_row_length": SHORT,
        "loss_f32": float(tensors["loss_f32"]), "loss_bf16": float(tensors["loss_bf16"]),
        "generated": generated[0].tolist(), "smallest_top2_logit_gap_in_generation": gap,
        "parameters": {n: list(p.shape) for n, p in model.named_parameters()},
        "bf16_model_inv_freq_dtype": inv_freq_dtype,
        "bf16_attention": bf16_attention,
        "rope": getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None),
    }
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"{name}: loss f32 {summary['loss_f32']:.6f} bf16 {summary['loss_bf16']:.6f}, "
          f"generation gap {gap:.4f}, {sum(p.numel() for p in model.parameters())} parameters")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else HERE
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    chosen = sys.argv[2:]
    for name, config in configs().items():
        if not chosen or name in chosen:
            record(name, config, out_dir, device)


if __name__ == "__main__":
    main()
