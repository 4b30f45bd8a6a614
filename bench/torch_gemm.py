"""torch.matmul on the GEMMs of a Llama-3.1-8B training step at 4096 tokens (issue 4), timed as bench
GemmBench times ours (cuda_timing.sustained_median_ms: the same warm-up and budget). The shapes come from
the file GemmBench reads (bench/src/main/resources/dev/loris/bench/llama8b-gemm-shapes.tsv), so both time the same products.
bf16 inputs, f32 accumulation (reduced-precision reduction off); an f32 output goes through torch.mm's
out_dtype where this PyTorch has it. Prints tab-separated lines: backend, name, shape, ms, GFLOP/s, in the
format of GemmBench. Run on the GPU machine: python3 bench/torch_gemm.py [runs [llama8b|decode]]."""
import os
import sys

import torch

from cuda_timing import sustained_median_ms

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
SET = sys.argv[2] if len(sys.argv) > 2 else "llama8b"
SHAPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src/main/resources/dev/loris/bench",
                      {"llama8b": "llama8b-gemm-shapes.tsv", "decode": "llama8b-decode-gemm-shapes.tsv"}[SET])
DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}


def shapes():
    with open(SHAPES) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, m, n, k, ta, tb, a, b, c = line.rstrip("\n").split("\t")
                yield name, int(m), int(n), int(k), ta == "1", tb == "1", a, b, c


def label(m, n, k, ta, tb, a, b, c):
    """GemmShape.toString()'s form, so the two reports line up."""
    return f"GEMM {m}x{n}x{k}{' A^T' if ta else ''}{' B^T' if tb else ''} {a.upper()}*{b.upper()}->{c.upper()}"


def main():
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = False
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = False
    for name, m, n, k, ta, tb, ta_type, tb_type, tc_type in shapes():
        a_stored = torch.randn((k, m) if ta else (m, k), dtype=DTYPES[ta_type], device=dev)
        b_stored = torch.randn((n, k) if tb else (k, n), dtype=DTYPES[tb_type], device=dev)
        a = a_stored.t() if ta else a_stored
        b = b_stored.t() if tb else b_stored
        out_dtype = DTYPES[tc_type]
        if out_dtype == a.dtype:
            out = torch.empty(m, n, dtype=out_dtype, device=dev)
            call = lambda: torch.matmul(a, b, out=out)
        else:
            try:
                torch.mm(a, b, out_dtype=out_dtype)
            except (TypeError, RuntimeError) as e:
                print(f"torch.matmul\t{name}\t{label(m, n, k, ta, tb, ta_type, tb_type, tc_type)}\tunsupported: {e}")
                continue
            call = lambda: torch.mm(a, b, out_dtype=out_dtype)
        ms = sustained_median_ms(call, RUNS)
        gflops = 2.0 * m * n * k / ms / 1e6
        print(f"torch.matmul\t{name}\t{label(m, n, k, ta, tb, ta_type, tb_type, tc_type)}\t{ms:.4f} ms\t{gflops:.1f} GFLOP/s",
              flush=True)
        del a_stored, b_stored, a, b
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
