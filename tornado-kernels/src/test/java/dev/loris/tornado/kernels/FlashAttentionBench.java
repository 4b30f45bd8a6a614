package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.KernelLaunch;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Causal GQA attention forward on the GPU: {@link FlashAttention} (tensor cores) against
 * {@link AttentionForward#forwardBf16} (CUDA cores) on the shapes, bf16, 32 heads, 8 kv heads,
 * head_dim 128: SEQUENCES packed sequences of LENGTH tokens. Median of event-timed launches after a warm-up;
 * TFLOP/s counted the causal way (2 * 2 * L^2 / 2 * heads * headDim per sequence), and the largest difference
 * between the two outputs. Usage: {@code FlashAttentionBench SEQUENCES LENGTH [...]} pairs.
 */
public final class FlashAttentionBench {
    private FlashAttentionBench() {
    }

    public static void main(String[] args) {
        try (Accelerator acc = Accelerator.open("cuda")) {
            System.out.println("# " + acc.description());
            System.out.printf(Locale.ROOT, "%-22s %12s %8s %12s %8s %10s%n", "shape", "CUDA cores", "TFLOP/s",
                    "tensor cores", "TFLOP/s", "max diff");
            for (int i = 0; i + 1 < args.length; i += 2) {
                run(acc, Integer.parseInt(args[i]), Integer.parseInt(args[i + 1]));
            }
        }
    }

    private static void run(Accelerator acc, int sequences, int length) {
        int heads = 32;
        int kvHeads = 8;
        int headDim = 128;
        int[] lengths = new int[sequences];
        Arrays.fill(lengths, length);
        AttentionShape shape = new AttentionShape(sequences * length, heads, kvHeads, headDim);
        int tokens = shape.tokens();
        Random random = new Random(7);
        try (DeviceArray q = acc.upload(randomBf16(random, (long) tokens * heads * headDim));
             DeviceArray k = acc.upload(randomBf16(random, (long) tokens * kvHeads * headDim));
             DeviceArray v = acc.upload(randomBf16(random, (long) tokens * kvHeads * headDim));
             DeviceArray starts = acc.upload(IntArray.fromArray(AttentionShape.sequenceStarts(lengths)));
             DeviceArray out1 = acc.allocate(BFloat16Array.class, (long) tokens * heads * headDim);
             DeviceArray out2 = acc.allocate(BFloat16Array.class, (long) tokens * heads * headDim);
             DeviceArray lse = acc.allocate(FloatArray.class, (long) tokens * heads)) {
            Object[] args1 = {null, q, k, v, starts, out1, lse, tokens, heads, kvHeads, headDim, shape.defaultScale(), 0, 0f};
            Object[] args2 = {null, q, k, v, starts, out2, lse, tokens, heads, kvHeads, headDim, shape.defaultScale(), 0, 0f};
            double cores;
            double tensor;
            try (KernelLaunch plain = acc.compile(AttentionForward.class, "forward", Map.of(1, BFloat16Array.class, 2, BFloat16Array.class, 3, BFloat16Array.class, 5, BFloat16Array.class)).launcher();
                 KernelLaunch flash = acc.compile(FlashAttention.class, "forwardBf16",
                         Map.of(FlashAttention.PARAM_HEAD_DIM, headDim)).launcher()) {
                plain.setArguments(args1);
                flash.setArguments(args2);
                cores = time(acc, () -> plain.launch((long) shape.forwardGroups() * 128, 128, acc.defaultStream()));
                tensor = time(acc, () -> flash.launch((long) FlashAttention.groups(shape) * FlashAttention.GROUP,
                        FlashAttention.GROUP, acc.defaultStream()));
            }
            double flops = sequences * 2.0 * 2.0 * length * (double) length / 2 * heads * headDim;
            BFloat16Array a = new BFloat16Array(out1.length());
            BFloat16Array b = new BFloat16Array(out2.length());
            out1.copyTo(a);
            out2.copyTo(b);
            double diff = 0;
            for (long i = 0; i < a.getSize(); i++) {
                diff = Math.max(diff, Math.abs(a.getFloat(i) - b.getFloat(i)));
            }
            System.out.printf(Locale.ROOT, "%-22s %9.3f ms %8.1f %9.3f ms %8.1f %10.2e%n",
                    sequences + " x " + length, cores, flops / cores / 1e9, tensor, flops / tensor / 1e9, diff);
        }
    }

    /** The median of 12 event-timed calls after 3 warm-up calls, in ms (FlashAttentionTrainingBench too). */
    static double time(Accelerator acc, Runnable launch) {
        try (DeviceEvent start = acc.createEvent(); DeviceEvent stop = acc.createEvent()) {
            double[] times = new double[12];
            for (int i = -3; i < times.length; i++) {
                start.record(acc.defaultStream());
                launch.run();
                stop.record(acc.defaultStream());
                double ms = stop.millisSince(start);
                if (i >= 0) {
                    times[i] = ms;
                }
            }
            Arrays.sort(times);
            return times[times.length / 2];
        }
    }

    static BFloat16Array randomBf16(Random random, long n) {
        BFloat16Array array = new BFloat16Array(n);
        for (long i = 0; i < n; i++) {
            array.setFloat(i, random.nextFloat() * 2 - 1);
        }
        return array;
    }
}
