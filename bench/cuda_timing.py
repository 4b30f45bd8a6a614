"""The timing both PyTorch comparison scripts use, as bench's Java side times ours: the median of many
CUDA-event-timed runs after warm-up."""
import torch


def median_ms(fn, runs, warmup=5):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(runs):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return times[len(times) // 2]


def sustained_median_ms(fn, max_runs, warm_up_ms=1500.0, budget_ms=3000.0):
    """GemmBench.time's protocol, so a GEMM is timed under the same load as ours: calls repeat for at least
    warm_up_ms first, then up to max_runs timed calls, fewer when budget_ms would be exceeded. A GPU under
    sustained load runs at lower clocks than in a short burst (the H100 drops from 1980 MHz to 1350-1680 MHz
    at its 700 W cap): timed after 5 calls, torch.matmul looked 8-16% faster than our cuBLASLt calls on the
    big GEMMs; timed alike, the two agree within 5%."""
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)

    def timed():
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        return start.elapsed_time(stop)

    warm = 0.0
    while True:
        last = timed()
        warm += last
        if warm >= warm_up_ms:
            break
    runs = int(max(1 if last > budget_ms / 3 else 3, min(max_runs, budget_ms / last)))
    times = sorted(timed() for _ in range(runs))
    return times[runs // 2]
