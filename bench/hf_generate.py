"""transformers' generate timed as bench DecodeBench times ours: prefill time and decode tokens per second
(greedy, KV cache, no stop, random prompt ids), bf16, transformers' default attention. Run on the GPU machine:
python3 bench/hf_generate.py DIR [PROMPT_TOKENS [NEW_TOKENS [BATCH]]]."""
import sys
import time

import torch
from transformers import AutoModelForCausalLM


def timed(model, ids, new_tokens):
    torch.cuda.synchronize()
    start = time.perf_counter()
    model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=new_tokens,
                   min_new_tokens=new_tokens, do_sample=False, eos_token_id=None, pad_token_id=0)
    torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    folder = sys.argv[1]
    prompt = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    new = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).to("cuda").eval()
    ids = torch.randint(0, model.config.vocab_size, (batch, prompt), generator=torch.Generator().manual_seed(7)).cuda()
    with torch.no_grad():
        timed(model, ids, 4)
        one = timed(model, ids, 1)
        everything = timed(model, ids, new)
    step = (everything - one) / (new - 1)
    print(f"transformers {model.config.model_type} ({model.config._attn_implementation}): batch {batch}, prompt {prompt}:"
          f" prefill {one * 1e3:.1f} ms; decode {step * 1e3:.1f} ms/step, {1 / step:.1f} tokens/s per sequence,"
          f" {batch / step:.1f} tokens/s in all")


if __name__ == "__main__":
    main()
