package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.Locale;
import java.util.Random;

/**
 * Causal GQA attention for training on the GPU, as the decoder calls it (KernelLaunchers.attention and
 * attentionBackward, which pick the tensor-core FlashAttention kernels for bf16 on sm_80+): one sequence of
 * LENGTH tokens, 32 heads over 8 kv heads, head_dim 64 and 128, bf16. Prints one line per shape,
 * {@code loris LENGTH HEAD_DIM FORWARD_MS BACKWARD_MS}, each the median of 12 event-timed calls after 3;
 * the backward is delta (row dots), dK/dV and dQ. bench/compare_attention.py turns these and
 * bench/torch_sdpa_train.py's lines into a table. Usage: {@code FlashAttentionTrainingBench LENGTH...}.
 */
public final class FlashAttentionTrainingBench {
    private static final int HEADS = 32;
    private static final int KV_HEADS = 8;

    private FlashAttentionTrainingBench() {
    }

    public static void main(String[] args) {
        try (Accelerator acc = Accelerator.open("cuda")) {
            System.out.println("# " + acc.description());
            KernelLaunchers kernels = new KernelLaunchers(acc, KernelLaunchers.hasTensorCores(acc));
            System.out.println("# tensor-core attention: " + kernels.tensorCoreAttention());
            for (int headDim : new int[] {64, 128}) {
                for (String length : args) {
                    run(acc, kernels, Integer.parseInt(length), headDim);
                }
            }
            System.out.println("# launches: " + kernels.launchCounts());
        }
    }

    private static void run(Accelerator acc, KernelLaunchers kernels, int tokens, int headDim) {
        AttentionShape shape = new AttentionShape(tokens, HEADS, KV_HEADS, headDim);
        Random random = new Random(7);
        long qSize = (long) tokens * HEADS * headDim;
        long kvSize = (long) tokens * KV_HEADS * headDim;
        try (DeviceArray q = acc.upload(FlashAttentionBench.randomBf16(random, qSize));
             DeviceArray k = acc.upload(FlashAttentionBench.randomBf16(random, kvSize));
             DeviceArray v = acc.upload(FlashAttentionBench.randomBf16(random, kvSize));
             DeviceArray dOut = acc.upload(FlashAttentionBench.randomBf16(random, qSize));
             DeviceArray starts = acc.upload(IntArray.fromArray(AttentionShape.sequenceStarts(tokens)));
             DeviceArray out = acc.allocate(BFloat16Array.class, qSize);
             DeviceArray lse = acc.allocate(FloatArray.class, (long) tokens * HEADS);
             DeviceArray delta = acc.allocate(FloatArray.class, (long) tokens * HEADS);
             DeviceArray dQ = acc.allocate(BFloat16Array.class, qSize);
             DeviceArray dK = acc.allocate(BFloat16Array.class, kvSize);
             DeviceArray dV = acc.allocate(BFloat16Array.class, kvSize)) {
            double forward = FlashAttentionBench.time(acc, () -> kernels.attention(shape, q, k, v, starts, out, lse));
            double backward = FlashAttentionBench.time(acc, () -> kernels.attentionBackward(shape, q, k, v, out, dOut, lse, delta,
                    starts, dQ, dK, dV));
            BFloat16Array host = new BFloat16Array(dQ.length());
            dQ.copyTo(host);
            double sum = 0;
            for (long i = 0; i < host.getSize(); i++) {
                sum += Math.abs(host.getFloat(i));
            }
            System.out.printf(Locale.ROOT, "loris %d %d %.4f %.4f  # mean |dQ| %.3e%n", tokens, headDim, forward,
                    backward, sum / host.getSize());
        }
    }
}
