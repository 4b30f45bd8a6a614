"""Reference results from PEFT for Loris' LoRA (issue 11), on the reference models of model/src/test/resources/hf-models.

For each model (llama3, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3) this attaches LoRA with PEFT 0.21 on all seven
projections (Phi-3: its four modules, fused qkv_proj and gate_up_proj among them, as PEFT names them), gives
lora_B non-zero values (PEFT initialises B to zero, which would make the adapter a no-op and dA zero), saves the
adapter with save_pretrained (PEFT's own files, which Loris must load), and records on the batch of the model's
expected.safetensors:

  peft/<model>/adapter/                 adapter_model.safetensors + adapter_config.json as PEFT writes them
  peft/<model>/expected_lora.safetensors
      logits_f32, loss_f32              f32 base, eager attention, adapter applied
      grad.<saved key>                  f32 gradients of every lora_A / lora_B (and modules_to_save) weight
      logits_bf16, loss_bf16            bf16 base (sdpa), adapter loaded by PeftModel.from_pretrained
      logits_merged_f32                 the f32 model after merge_and_unload()

The models differ in rank, alpha and rsLoRA so that every scaling rule is exercised; llama3 also trains
lm_head and embed_tokens in full (modules_to_save). With `--check DIR` it instead loads what Loris wrote under
DIR/<model>/adapter (an adapter) and DIR/<model>/merged (a merged checkpoint) with PEFT / transformers and
records their logits in DIR/<model>/peft_logits.safetensors.

Run on the GPU machine (transformers 5.17, peft 0.21, torch 2.11, no network), from the repository root:

    python3 lora/src/test/resources/peft/make_peft_fixtures.py [OUT_DIR [NAME ...]]
    python3 lora/src/test/resources/peft/make_peft_fixtures.py --check DIR [NAME ...]

NAMEs pick some of the models (e.g. gemma2 gemma3_text); all by default. Gemma 2 runs eager attention in bf16
too (sdpa has no soft-capping).
"""
import json
import os
import sys

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_DIR = os.path.join(HERE, "..", "..", "..", "..", "..", "model", "src", "test", "resources", "hf-models")
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
FUSED_TARGETS = ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]  # Phi-3's modules
# rank, alpha, rsLoRA, modules_to_save
SETTINGS = {
    "llama3": (4, 8, False, ["lm_head", "embed_tokens"]),
    "mistral": (8, 16, True, None),
    "qwen2": (2, 3, False, None),
    "qwen3": (16, 16, True, None),
    "gemma2": (4, 4, False, None),
    "gemma3_text": (8, 16, True, None),
    "phi3": (4, 8, False, None),
}


def batch(name, device):
    expected = load_file(os.path.join(MODELS_DIR, name, "expected.safetensors"))
    return {k: expected[k].to(device) for k in ("input_ids", "attention_mask", "labels")}


def base_model(name, dtype, attention, device):
    if name == "gemma2":
        attention = "eager"  # sdpa has no attention soft-capping, which Gemma 2 uses
    return AutoModelForCausalLM.from_pretrained(os.path.join(MODELS_DIR, name), dtype=dtype,
                                                attn_implementation=attention).to(device)


def record(name, out_dir, device):
    r, alpha, rslora, save = SETTINGS[name]
    torch.manual_seed(7)
    generator = torch.Generator().manual_seed(99 + sum(map(ord, name)))
    model = base_model(name, torch.float32, "eager", device)
    targets = FUSED_TARGETS if name == "phi3" else TARGETS
    config = LoraConfig(r=r, lora_alpha=alpha, use_rslora=rslora, lora_dropout=0.0, target_modules=targets,
                        modules_to_save=save, task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if "lora_B" in pname:
                p.copy_(0.1 * torch.randn(p.shape, generator=generator))
    folder = os.path.join(out_dir, name)
    adapter = os.path.join(folder, "adapter")
    model.save_pretrained(adapter)

    inputs = batch(name, device)
    out = model(**inputs)
    out.loss.backward()
    tensors = {"logits_f32": out.logits.detach(), "loss_f32": out.loss.detach().reshape(())}
    saved_keys = set(load_file(os.path.join(adapter, "adapter_model.safetensors")).keys())
    for pname, p in model.named_parameters():
        if p.requires_grad:
            key = pname.replace(".default", "").replace(".modules_to_save", "")
            if key not in saved_keys:
                raise SystemExit(f"{name}: trainable {pname} is saved under no key we can name ({key})")
            tensors["grad." + key] = p.grad.detach().clone()

    merged = model.merge_and_unload()
    with torch.no_grad():
        tensors["logits_merged_f32"] = merged(**inputs).logits

    bf16 = PeftModel.from_pretrained(base_model(name, torch.bfloat16, "sdpa", device), adapter).to(device)
    with torch.no_grad():
        out16 = bf16(**inputs)
    tensors["logits_bf16"] = out16.logits.float()
    tensors["loss_bf16"] = out16.loss.float().reshape(())
    save_file({k: v.contiguous().cpu() for k, v in tensors.items()},
              os.path.join(folder, "expected_lora.safetensors"),
              metadata={"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__})
    print(f"{name}: r {r} alpha {alpha} rslora {rslora}: loss f32 {float(tensors['loss_f32']):.6f} "
          f"bf16 {float(tensors['loss_bf16']):.6f}; {sum(1 for k in tensors if k.startswith('grad.'))} gradients")


def check(directory, device, names):
    for name in names:
        folder = os.path.join(directory, name)
        if not os.path.isdir(folder):
            continue
        inputs = batch(name, device)
        tensors = {}
        adapter = os.path.join(folder, "adapter")
        if os.path.isdir(adapter):
            for dtype, attention, key in ((torch.float32, "eager", "f32"), (torch.bfloat16, "sdpa", "bf16")):
                model = PeftModel.from_pretrained(base_model(name, dtype, attention, device), adapter).to(device)
                with torch.no_grad():
                    tensors["adapter_logits_" + key] = model(**inputs).logits.float()
        merged = os.path.join(folder, "merged")
        if os.path.isdir(merged):
            model = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32,
                                                         attn_implementation="eager").to(device)
            with torch.no_grad():
                tensors["merged_logits_f32"] = model(**inputs).logits
        save_file({k: v.contiguous().cpu() for k, v in tensors.items()}, os.path.join(folder, "peft_logits.safetensors"),
                  metadata={"peft": peft.__version__, "transformers": transformers.__version__})
        print(f"{name}: checked {sorted(tensors)}")


def main():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        check(sys.argv[2], device, sys.argv[3:] or list(SETTINGS))
        return
    out_dir = sys.argv[1] if len(sys.argv) > 1 else HERE
    for name in sys.argv[2:] or list(SETTINGS):
        record(name, out_dir, device)
    json.dump({"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
              open(os.path.join(out_dir, "versions.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
