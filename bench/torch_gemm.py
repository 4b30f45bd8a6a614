"""torch.matmul on the GEMM shapes of a Llama-3.1-8B training step at 4096 tokens (issue 4), timed as
bench GemmBench times ours: median of CUDA-event-timed runs after warm-up. bf16 inputs and outputs, f32
accumulation (PyTorch's default for bf16 matmul on H100). Prints tab-separated lines: backend, shape,
ms, TFLOP/s. Run on the GPU machine: python3 bench/torch_gemm.py [runs].

Shapes, row-major as Loris writes them (m, n, k; "B^T" when the weight is stored (out, in) as HF stores it):
forward Y = X W^T is (tokens, out, in) with B^T; backward dX = dY W is (tokens, in, out) without; LoRA rank
16: X A^T is (tokens, 16, in) with B^T, and (X A^T) B^T is (tokens, out, 16) with B^T."""
import sys

import torch

from cuda_timing import median_ms

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
TOKENS = 4096
HIDDEN = 4096
KV = 1024
INTERMEDIATE = 14336
VOCAB = 128256
RANK = 16

# name, m, n, k, B transposed
SHAPES = [
    ("q/o proj forward", TOKENS, HIDDEN, HIDDEN, True),
    ("k/v proj forward", TOKENS, KV, HIDDEN, True),
    ("gate/up forward", TOKENS, INTERMEDIATE, HIDDEN, True),
    ("down forward", TOKENS, HIDDEN, INTERMEDIATE, True),
    ("lm_head forward", TOKENS, VOCAB, HIDDEN, True),
    ("gate/up backward dX", TOKENS, HIDDEN, INTERMEDIATE, False),
    ("down backward dX", TOKENS, INTERMEDIATE, HIDDEN, False),
    ("lora X A^T (r16)", TOKENS, RANK, HIDDEN, True),
    ("lora (XA^T) B^T (r16)", TOKENS, INTERMEDIATE, RANK, True),
]


def main():
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = False
    for name, m, n, k, transposed in SHAPES:
        a = torch.randn(m, k, dtype=torch.bfloat16, device=dev)
        w = torch.randn((n, k) if transposed else (k, n), dtype=torch.bfloat16, device=dev)
        b = w.t() if transposed else w
        out = torch.empty(m, n, dtype=torch.bfloat16, device=dev)
        ms = median_ms(lambda: torch.matmul(a, b, out=out), RUNS)
        tflops = 2.0 * m * n * k / ms / 1e9
        label = f"{name} {m}x{n}x{k}{' B^T' if transposed else ''} bf16"
        print(f"torch.matmul\t{label}\t{ms:.4f} ms\t{tflops:.1f} TFLOP/s")
        del a, w, b, out
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
