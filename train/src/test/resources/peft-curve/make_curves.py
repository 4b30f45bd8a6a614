"""HF transformers + PEFT's side of the loss-curve comparison (issue 12's proof): the same tiny Llama-shaped
checkpoint, the same token batches, the same LoRA initialisation and the same optimizer settings as Loris'
LossCurveAgainstPeftTest (train module), trained 50 steps; the per-step losses go to JSON files that test compares
with. Run on the GPU machine (transformers 5.17, PEFT 0.21, torch 2.11) by gpu/peft_curve.sh; the outputs
(a ~0.5 MB checkpoint, the batches, PEFT's initial adapter, the curves) are committed beside this script.

  python3 make_curves.py make DIR          # checkpoint, batches, PEFT's initial adapter, settings
  python3 make_curves.py train DIR f32     # LoRA, f32 base and adapters     -> DIR/torch-lora-f32.json
  python3 make_curves.py train DIR bf16    # LoRA, bf16 base, f32 adapters   -> DIR/torch-lora-bf16.json
  python3 make_curves.py full DIR f32      # full fine-tuning, f32           -> DIR/torch-full-f32.json
  python3 make_curves.py make DIR/gemma2 gemma2      # issue 17's families, LoRA f32 only: gemma2, gemma3_text,
  python3 make_curves.py train DIR/gemma2 f32        # phi3 (each its own folder, named after the family)

The families' checkpoints keep the Llama one's sizes with what makes each family itself: Gemma 2's (1 + w) norms,
GeGLU, a sliding window of 16 on alternate layers (shorter than most rows), attention and final soft-caps (eager
attention, as transformers needs for them); Gemma 3's q/k norms and local/global layers with their own RoPE bases;
Phi-3's fused qkv_proj / gate_up_proj (the LoRA targets there) and partial rotary.

The training loop is written out rather than transformers' Trainer so that every detail Loris must match is
visible: a window's loss is the sum of token losses over all its micro-batches divided by the window's labelled
tokens (what Trainer does with num_items_in_batch), gradient clipping to 1.0 by the global norm, torch's AdamW,
a linear schedule with warm-up (get_linear_schedule_with_warmup). The data is a noisy affine sequence rule
(next = (5·prev + 17) mod V, a random token one time in ten) so that the loss falls steadily; rows have different
lengths and are right-padded, as a user's batch would be. The rates are high for LoRA (1e-2) because the
model is tiny and random: the curve must fall far enough in 50 steps for agreement to mean something.
"""
import json
import os
import random
import sys

import torch

SETTINGS = {
    "steps": 50, "micro_batches": 2, "batch_rows": 4, "min_len": 24, "max_len": 64, "vocab": 256,
    "lr": 1e-2, "full_lr": 2e-3, "warmup": 5, "weight_decay": 0.01, "betas": [0.9, 0.999], "eps": 1e-8,
    "max_grad_norm": 1.0, "rank": 8, "alpha": 16, "seed": 1234,
}
CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 176,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "vocab_size": 256, "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
    "hidden_act": "silu", "tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False,
    "bos_token_id": 1, "eos_token_id": 2, "initializer_range": 0.02,
}
SHARED = {key: CONFIG[key] for key in ("hidden_size", "intermediate_size", "num_hidden_layers",
                                       "num_attention_heads", "num_key_value_heads", "vocab_size",
                                       "max_position_embeddings", "rms_norm_eps", "initializer_range")}
FAMILIES = {
    "llama": CONFIG,
    "gemma2": dict(SHARED, architectures=["Gemma2ForCausalLM"], model_type="gemma2", head_dim=16,
                   hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=16, sliding_window=16,
                   attn_logit_softcapping=50.0, final_logit_softcapping=30.0, tie_word_embeddings=True,
                   pad_token_id=0, eos_token_id=1, bos_token_id=2),
    "gemma3_text": dict(SHARED, architectures=["Gemma3ForCausalLM"], model_type="gemma3_text", head_dim=16,
                        hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=16, sliding_window=16,
                        layer_types=["sliding_attention", "full_attention"], rope_theta=1000000.0,
                        rope_local_base_freq=10000.0, tie_word_embeddings=True, pad_token_id=0, eos_token_id=1,
                        bos_token_id=2),
    "phi3": dict(SHARED, architectures=["Phi3ForCausalLM"], model_type="phi3", hidden_act="silu",
                 rope_theta=10000.0, partial_rotary_factor=0.5, original_max_position_embeddings=256,
                 tie_word_embeddings=False, pad_token_id=0, bos_token_id=1, eos_token_id=2),
}
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
FUSED_TARGETS = ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]


def family_of(folder):
    """The family a folder holds (its checkpoint's model_type), llama for the original one."""
    with open(os.path.join(folder, "model", "config.json")) as f:
        return json.load(f)["model_type"]


def make(folder, family="llama"):
    from transformers import AutoConfig, AutoModelForCausalLM
    from peft import LoraConfig, get_peft_model
    torch.manual_seed(SETTINGS["seed"])
    settings = dict(FAMILIES[family])
    model_type = settings.pop("model_type")
    config = AutoConfig.for_model(model_type, **settings)
    model = AutoModelForCausalLM.from_config(config).float()
    model.save_pretrained(os.path.join(folder, "model"), safe_serialization=True)
    targets = FUSED_TARGETS if family == "phi3" else TARGETS
    lora = get_peft_model(model, LoraConfig(r=SETTINGS["rank"], lora_alpha=SETTINGS["alpha"], lora_dropout=0.0,
                                            target_modules=targets, bias="none", task_type="CAUSAL_LM"))
    lora.save_pretrained(os.path.join(folder, "initial-adapter"))
    rng = random.Random(SETTINGS["seed"])
    vocab = SETTINGS["vocab"]
    windows = []
    for _ in range(SETTINGS["steps"]):
        window = []
        for _ in range(SETTINGS["micro_batches"]):
            rows = []
            for _ in range(SETTINGS["batch_rows"]):
                length = rng.randint(SETTINGS["min_len"], SETTINGS["max_len"])
                row = [rng.randrange(3, vocab)]
                while len(row) < length:
                    row.append(rng.randrange(3, vocab) if rng.random() < 0.1 else (5 * row[-1] + 17) % vocab)
                rows.append(row)
            window.append(rows)
        windows.append(window)
    with open(os.path.join(folder, "batches.json"), "w") as f:
        json.dump({"settings": SETTINGS, "windows": windows}, f)


def padded(rows, device):
    width = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
        labels[i, :len(r)] = torch.tensor(r)
    return ids.to(device), mask.to(device), labels.to(device)


def window_loss(model, rows, labelled):
    """The micro-batch's summed token loss over the window's labelled-token count (transformers' shift)."""
    ids, mask, labels = padded(rows, "cuda")
    logits = model(input_ids=ids, attention_mask=mask).logits.float()
    shift_logits = logits[:, :-1].reshape(-1, logits.shape[-1])
    shift_labels = labels[:, 1:].reshape(-1)
    total = torch.nn.functional.cross_entropy(shift_logits, shift_labels, ignore_index=-100, reduction="sum")
    return total / labelled, total.item()


def train(folder, method, precision):
    from transformers import AutoModelForCausalLM, get_linear_schedule_with_warmup
    from peft import PeftModel
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    data = json.load(open(os.path.join(folder, "batches.json")))
    s = data["settings"]
    dtype = torch.float32 if precision == "f32" else torch.bfloat16
    # Gemma 2 soft-caps its attention scores, which only transformers' eager attention does.
    attention = "eager" if family_of(folder) == "gemma2" else "sdpa"
    model = AutoModelForCausalLM.from_pretrained(os.path.join(folder, "model"), dtype=dtype,
                                                 attn_implementation=attention).cuda()
    if method == "lora":
        # PEFT casts the adapter to f32 under a bf16 base (autocast_adapter_dtype), as Loris keeps f32 masters.
        model = PeftModel.from_pretrained(model, os.path.join(folder, "initial-adapter"), is_trainable=True).cuda()
        lr = s["lr"]
    else:
        lr = s["full_lr"]
    model.train()
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    params = [p for _, p in named]
    # HF Trainer's habit (and Loris'): no weight decay for norms and biases.
    plain = [p for n, p in named if "norm" in n or n.endswith("bias")]
    decayed = [p for n, p in named if not ("norm" in n or n.endswith("bias"))]
    optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": s["weight_decay"]},
                                   {"params": plain, "weight_decay": 0.0}], lr=lr, betas=tuple(s["betas"]),
                                  eps=s["eps"], foreach=False)
    schedule = get_linear_schedule_with_warmup(optimizer, s["warmup"], s["steps"])
    losses, norms = [], []
    for window in data["windows"]:
        labelled = sum(len(r) - 1 for rows in window for r in rows)
        optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for rows in window:
            loss, summed = window_loss(model, rows, labelled)
            loss.backward()
            total += summed
        norm = torch.nn.utils.clip_grad_norm_(params, s["max_grad_norm"])
        optimizer.step()
        schedule.step()
        losses.append(total / labelled)
        norms.append(norm.item())
    out = os.path.join(folder, f"torch-{method}-{precision}.json")
    with open(out, "w") as f:
        json.dump({"losses": losses, "grad_norms": norms, "torch": torch.__version__}, f)
    print(f"{method} {precision}: loss {losses[0]:.4f} -> {losses[-1]:.4f} ({out})")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        os.makedirs(sys.argv[2], exist_ok=True)
        make(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "llama")
    else:
        train(sys.argv[2], "lora" if sys.argv[1] == "train" else "full", sys.argv[3])
