# torch sdpa forward and backward for gpu/flash_attention.sh (issue 13): causal GQA, bf16, 32 heads over 8 kv
# heads, one sequence of each LENGTH, head_dim 64 and 128. Prints "torch LENGTH HEAD_DIM FORWARD_MS BACKWARD_MS",
# each the median of 12 CUDA-event-timed calls after 3, as FlashAttentionTrainingBench does.
import sys, torch, torch.nn.functional as F

def median_ms(f):
    for _ in range(3):
        f()
    times = []
    for _ in range(12):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); f(); e.record(); torch.cuda.synchronize(); times.append(s.elapsed_time(e))
    return sorted(times)[len(times) // 2]

print(f"# torch {torch.__version__}, {torch.cuda.get_device_name()}")
for d in (64, 128):
    for l in map(int, sys.argv[1:]):
        q = torch.randn(1, 32, l, d, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        k = torch.randn(1, 8, l, d, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        v = torch.randn(1, 8, l, d, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        g = torch.randn(1, 32, l, d, device="cuda", dtype=torch.bfloat16)
        sdpa = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        with torch.no_grad():
            forward = median_ms(sdpa)
        out = sdpa()
        backward = median_ms(lambda: torch.autograd.grad(out, (q, k, v), g, retain_graph=True))
        print(f"torch {l} {d} {forward:.4f} {backward:.4f}")
