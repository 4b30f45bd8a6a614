"""PyTorch's own ops for the kernel benchmark (issue 3), measured the same way as bench KernelBench:
median of CUDA-event-timed runs after warm-up, bytes read + written once. Prints the same tab-separated
lines. Run on the GPU machine: python3 bench/torch_ops.py [runs]."""
import sys

import torch
import torch.nn.functional as F

from cuda_timing import median_ms

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 100


def report(what, ms, nbytes, copy_gbs):
    gbs = nbytes / ms / 1e6
    print(f"torch\t{what}\t{ms:.4f} ms\t{gbs:.0f} GB/s\t{100 * gbs / copy_gbs:.1f}% of copy")
    return gbs


def main():
    dev = torch.device("cuda")
    gen = torch.Generator(device=dev).manual_seed(42)
    nbytes = 512 << 20
    a = torch.ones(nbytes, dtype=torch.uint8, device=dev)
    b = torch.empty_like(a)
    ms = median_ms(lambda: b.copy_(a), RUNS)
    copy_gbs = 2 * nbytes / ms / 1e6
    report("device copy 512 MiB", ms, 2 * nbytes, copy_gbs)
    del a, b

    n = 64 << 20
    g = torch.randn(n, dtype=torch.bfloat16, device=dev, generator=gen)
    u = torch.randn(n, dtype=torch.bfloat16, device=dev, generator=gen)
    ms = median_ms(lambda: F.silu(g) * u, RUNS)
    report("swiglu bf16 64M, F.silu(g) * u", ms, 3 * 2 * n, copy_gbs)
    out = torch.empty_like(g)
    ms = median_ms(lambda: torch.mul(F.silu(g), u, out=out), RUNS)
    report("swiglu bf16 64M, mul(silu(g), u, out=)", ms, 3 * 2 * n, copy_gbs)
    del g, u, out

    rows, cols = 16384, 4096
    x = torch.randn(rows, cols, dtype=torch.bfloat16, device=dev, generator=gen)
    w = torch.randn(cols, dtype=torch.bfloat16, device=dev, generator=gen)
    ms = median_ms(lambda: F.rms_norm(x, (cols,), w, 1e-5), RUNS)
    report("rmsnorm bf16 (16384,4096) F.rms_norm", ms, 2 * 2 * rows * cols + 2 * cols, copy_gbs)


if __name__ == "__main__":
    main()
