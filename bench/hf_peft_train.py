"""HF transformers + PEFT's side of the training comparison (gpu/bench_vs_peft.sh; issue 18): LoRA on a
checkpoint of bench/make_checkpoint.py, the way a PEFT user trains it, on the token batches and from the
initial adapter of bench/vs_peft_inputs.py, which Loris' bench TrainBench reads too.

  - transformers' LlamaForCausalLM, bf16 weights, sdpa attention (causal, no mask: every row is full), its own
    loss (labels = ids: the mean cross-entropy over the B (S - 1) shifted tokens, computed in f32);
  - PEFT LoRA r 16, alpha 16, dropout 0 on all seven projections, loaded from the initial adapter with
    autocast_adapter_dtype=True (PEFT's default: f32 adapters under the bf16 base, --adapters fp32) or False
    (adapters in the base's bf16, --adapters bf16);
  - --checkpointing: transformers' gradient checkpointing (non-reentrant), each layer recomputed in backward;
  - torch's fused AdamW over the LoRA weights (lr 1e-3 constant, betas 0.9/0.999, eps 1e-8, no weight decay),
    gradients clipped to norm 1.0 as HF Trainer does.

Steps: WARMUP untimed, then STEPS timed, each ending in loss.item() (so every step has finished); ms/step and
tokens/s (B x S tokens a step) from the wall time of the timed steps after a synchronisation. Writes one JSON
object to --result (and prints it after 'RESULT '): the losses of every step, the timing, and torch's
max_memory_allocated / max_memory_reserved for information (peak device memory for the table comes from
bench/nvml_peak.py around this process, the same for both sides). Out of memory is a result too ("error").

    python3 bench/hf_peft_train.py CHECKPOINT INPUTS --batch 2 --adapters bf16 [--checkpointing] --result FILE
"""
import argparse
import json
import os
import sys
import time

import torch


def parse():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("inputs", help="the folder bench/vs_peft_inputs.py wrote")
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--adapters", choices=["fp32", "bf16"], required=True)
    parser.add_argument("--checkpointing", action="store_true")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--label", help="the table's name for this run")
    parser.add_argument("--result", required=True)
    return parser.parse_args()


def load(args):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(args.checkpoint, dtype=torch.bfloat16, attn_implementation="sdpa",
                                                 device_map="cuda")
    model.config.use_cache = False
    if args.checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model = PeftModel.from_pretrained(model, os.path.join(args.inputs, "adapter"), is_trainable=True,
                                      autocast_adapter_dtype=args.adapters == "fp32")
    model.train()
    return model


def main():
    args = parse()
    from safetensors.torch import load_file
    ids = load_file(os.path.join(args.inputs, "batches.safetensors"))["input_ids"]  # (steps, rows, S) int32
    total = args.warmup + args.steps
    if ids.shape[0] < total or ids.shape[1] < args.batch:
        sys.exit(f"{args.inputs}: batches.safetensors has {ids.shape[0]} steps of {ids.shape[1]} rows; this run needs"
                 f" {total} of {args.batch} (rerun bench/vs_peft_inputs.py with --steps/--rows)")
    ids = ids[:total, :args.batch].long().cuda()  # (steps, B, S)
    result = {"side": "hf-peft", "label": args.label or f"hf-peft {args.adapters}-adapters"
              + (" checkpointing" if args.checkpointing else ""), "checkpoint": os.path.abspath(args.checkpoint),
              "batch": args.batch, "seq": int(ids.shape[2]), "recompute": int(args.checkpointing),
              "warmup": args.warmup, "steps": args.steps, "device": torch.cuda.get_device_name(),
              "versions": versions()}
    losses = []
    try:
        model = load(args)
        params = [p for p in model.parameters() if p.requires_grad]
        result["adapter_dtypes"] = sorted({str(p.dtype).replace("torch.", "") for p in params})
        result["trained_parameters"] = sum(p.numel() for p in params)
        optimizer = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, fused=True)
        torch.cuda.reset_peak_memory_stats()
        start = None
        for step in range(total):
            if step == args.warmup:
                torch.cuda.synchronize()
                start = time.perf_counter()
            batch = ids[step]
            loss = model(input_ids=batch, labels=batch, use_cache=False).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
        seconds = time.perf_counter() - start
        result["ms_per_step"] = 1000 * seconds / args.steps
        result["tokens_per_s"] = args.batch * ids.shape[2] * args.steps / seconds
    except torch.cuda.OutOfMemoryError as e:
        result["error"] = "OOM"
        result["detail"] = str(e).split("\n")[0][:300]
    result["losses"] = losses
    result["allocator_peak_gib"] = torch.cuda.max_memory_allocated() / 2**30
    result["allocator_reserved_gib"] = torch.cuda.max_memory_reserved() / 2**30
    with open(args.result, "w") as f:
        json.dump(result, f)
    print("RESULT " + json.dumps(result), flush=True)


def versions():
    import peft
    import transformers
    return {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__}


if __name__ == "__main__":
    main()
