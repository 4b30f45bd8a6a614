"""PyTorch's side of LoraBench: the seven projections of a Llama-3.1-8B layer at T tokens, bf16, frozen
(y = x Wᵀ, backward to x only) against LoRA as PEFT computes it with bf16 adapters (y = x Wᵀ + s (x Aᵀ) Bᵀ,
backward to x, A and B), timed alike (CUDA events, median after warm-up). Usage: python3 bench/torch_lora.py
[TOKENS [RANK [RUNS]]]"""
import sys

import torch

from cuda_timing import median_ms

SHAPES = [("q_proj", 4096, 4096), ("k_proj", 4096, 1024), ("v_proj", 4096, 1024), ("o_proj", 4096, 4096),
          ("gate_proj", 4096, 14336), ("up_proj", 4096, 14336), ("down_proj", 14336, 4096)]


def main():
    tokens = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    rank = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    s = 1.0
    dev = "cuda"
    print(f"# torch {torch.__version__}, {torch.cuda.get_device_name()}, {tokens} tokens, r {rank}, bf16")
    print("projection\tfrozen_ms\tlora_ms\textra")
    total_f = total_l = 0.0
    for name, fan_in, fan_out in SHAPES:
        x = torch.randn(tokens, fan_in, device=dev, dtype=torch.bfloat16, requires_grad=True)
        w = torch.randn(fan_out, fan_in, device=dev, dtype=torch.bfloat16) * 0.02
        a = (torch.randn(rank, fan_in, device=dev, dtype=torch.bfloat16) * 0.02).requires_grad_()
        b = (torch.randn(fan_out, rank, device=dev, dtype=torch.bfloat16) * 0.02).requires_grad_()
        dy = torch.randn(tokens, fan_out, device=dev, dtype=torch.bfloat16)

        def frozen():
            y = x @ w.t()
            y.backward(dy)

        def lora():
            y = x @ w.t() + s * ((x @ a.t()) @ b.t())
            y.backward(dy)

        f = median_ms(frozen, runs, warmup=20)
        lo = median_ms(lora, runs, warmup=20)
        total_f += f
        total_l += lo
        print(f"{name}\t{f:.4f}\t{lo:.4f}\t{100 * (lo / f - 1):+.1f}%")
    print(f"layer (7 projections)\t{total_f:.4f}\t{total_l:.4f}\t{100 * (total_l / total_f - 1):+.1f}%")


if __name__ == "__main__":
    main()
