# torch sdpa timing for the attention table of gpu/tensorcores.sh (issue 13): causal GQA forward, bf16, 32 heads, 8 kv heads, head_dim 128.
import sys, torch, torch.nn.functional as F
for i in range(1, len(sys.argv), 2):
    b, l = int(sys.argv[i]), int(sys.argv[i + 1])
    q = torch.randn(b, 32, l, 128, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(b, 8, l, 128, device="cuda", dtype=torch.bfloat16)
    v = torch.randn(b, 8, l, 128, device="cuda", dtype=torch.bfloat16)
    f = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    for _ in range(3): f()
    times = []
    for _ in range(12):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); f(); e.record(); torch.cuda.synchronize(); times.append(s.elapsed_time(e))
    ms = sorted(times)[len(times) // 2]
    flops = b * 2 * 2 * l * l / 2 * 32 * 128
    print(f"torch {torch.__version__} sdpa {b} x {l}: {ms:.3f} ms {flops / ms / 1e9:.1f} TFLOP/s")
