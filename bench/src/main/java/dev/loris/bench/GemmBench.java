package dev.loris.bench;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.gemm.Gemms;
import dev.loris.tornado.gemm.JvmGemm;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The GEMM benchmark of issue 4: every GEMM of an accelerator on a set of shapes, each figure the median of
 * repeated calls timed with device events after a warm-up (which also lets the JIT compile the JVM GEMM).
 * Prints one tab-separated line per measurement: GEMM, shape, milliseconds, GFLOP/s (2mnk per matrix).
 *
 * <p>Usage: {@code GemmBench [SPEC [SET [RUNS]]]}: SPEC as in {@link Accelerator#open} (default jvm); SET
 * "cpu" (default: square f32 products and one bf16 linear layer) or "llama8b" (the linear layers of
 * Llama-3.1-8B for 4096 tokens: forward, input gradient, weight gradient); RUNS the most timed calls per
 * figure (default 20; fewer when a call is slow, see {@link #time}). On the JVM the Vector API GEMM runs on
 * 2 threads and on all cores, against {@link NaiveGemm}; elsewhere every GEMM {@link Gemms#all} opens.
 * {@link #time} is the part to reuse for other backends and shapes.
 */
public final class GemmBench {
    /** Warm-up lasts at least this long (and one call): the JIT compiles the JVM GEMM's paths meanwhile. */
    private static final double WARM_UP_MS = 1500;
    /** Timed calls stop once they took this long together (and at least 3 ran, or 1 for a slow call). */
    private static final double BUDGET_MS = 3000;

    private GemmBench() {
    }

    public static void main(String[] args) {
        String spec = args.length > 0 ? args[0] : "jvm";
        String set = args.length > 1 ? args[1] : "cpu";
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        try (Accelerator accelerator = Accelerator.open(spec)) {
            System.out.println("# " + accelerator.description() + ", " + Runtime.getRuntime().availableProcessors()
                    + " processors visible to the JVM");
            List<Gemm> gemms = gemms(accelerator);
            try {
                for (GemmShape shape : shapes(set)) {
                    for (Gemm gemm : gemms) {
                        if (gemm.supports(shape)) {
                            double ms = time(gemm, shape, runs);
                            report(gemm, shape, ms);
                        }
                    }
                }
            } finally {
                gemms.forEach(Gemm::close);
            }
        }
    }

    /** The GEMMs to compare on {@code accelerator}. */
    private static List<Gemm> gemms(Accelerator accelerator) {
        if (accelerator.backend() != Accelerator.Backend.JVM) {
            return Gemms.all(accelerator);
        }
        List<Gemm> gemms = new ArrayList<>();
        gemms.add(new JvmGemm(accelerator, 2));
        int cores = Runtime.getRuntime().availableProcessors();
        if (cores != 2) {
            gemms.add(new JvmGemm(accelerator, cores));
        }
        gemms.add(new NaiveGemm(accelerator));
        return gemms;
    }

    static List<GemmShape> shapes(String set) {
        return switch (set) {
            case "cpu" -> List.of(
                    square(512), square(1024),
                    GemmShape.of(512, 4096, 4096, false, true, GemmType.BF16, GemmType.BF16, GemmType.BF16));
            case "llama8b" -> llama8b(4096);
            default -> throw new IllegalArgumentException("unknown shape set " + set + ": cpu or llama8b");
        };
    }

    private static GemmShape square(int size) {
        return GemmShape.of(size, size, size, false, false, GemmType.F32, GemmType.F32, GemmType.F32);
    }

    /**
     * Llama-3.1-8B's linear layers (hidden 4096, 8 KV heads of 128, MLP 14336, vocabulary 128256) for
     * {@code tokens} tokens, bf16 weights stored (out, in): forward {@code Y = X W^T}, input gradient
     * {@code dX = dY W}, weight gradient {@code dW = dY^T X} accumulated in f32.
     */
    static List<GemmShape> llama8b(int tokens) {
        int[][] layers = {{4096, 4096}, {1024, 4096}, {14336, 4096}, {4096, 14336}, {128256, 4096}};
        GemmType bf16 = GemmType.BF16;
        List<GemmShape> shapes = new ArrayList<>();
        for (int[] outIn : layers) {
            int out = outIn[0];
            int in = outIn[1];
            shapes.add(GemmShape.of(tokens, out, in, false, true, bf16, bf16, bf16));
            shapes.add(GemmShape.of(tokens, in, out, false, false, bf16, bf16, bf16));
            shapes.add(GemmShape.of(out, in, tokens, true, false, bf16, bf16, GemmType.F32));
        }
        return shapes;
    }

    /**
     * Median milliseconds of one {@code gemm} call on {@code shape} (fresh random operands, beta = 0), timed
     * with device events: calls repeat for {@link #WARM_UP_MS} first, then up to {@code maxRuns} timed calls,
     * fewer when {@link #BUDGET_MS} would be exceeded.
     */
    public static double time(Gemm gemm, GemmShape shape, int maxRuns) {
        Accelerator accelerator = gemm.accelerator();
        DeviceStream stream = accelerator.defaultStream();
        Random random = new Random(42);
        try (DeviceArray a = accelerator.upload(random(shape.typeA(), shape.extentA(), random));
             DeviceArray b = accelerator.upload(random(shape.typeB(), shape.extentB(), random));
             DeviceArray c = accelerator.allocate(shape.typeC().arrayType, shape.extentC());
             DeviceEvent start = accelerator.createEvent(); DeviceEvent stop = accelerator.createEvent()) {
            Runnable call = () -> gemm.multiply(shape, 1f, a, 0, b, 0, 0f, c, 0, null, stream);
            double warm = 0;
            double last;
            do {
                last = timed(call, start, stop, stream);
                warm += last;
            } while (warm < WARM_UP_MS);
            int runs = (int) Math.max(last > BUDGET_MS / 3 ? 1 : 3, Math.min(maxRuns, BUDGET_MS / last));
            double[] times = new double[runs];
            for (int i = 0; i < runs; i++) {
                times[i] = timed(call, start, stop, stream);
            }
            Arrays.sort(times);
            return times[runs / 2];
        }
    }

    private static double timed(Runnable call, DeviceEvent start, DeviceEvent stop, DeviceStream stream) {
        start.record(stream);
        call.run();
        stop.record(stream);
        return stop.millisSince(start);
    }

    /** Values in [-1, 1) of {@code type}. */
    private static TornadoNativeArray random(GemmType type, long n, Random random) {
        float[] values = new float[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return switch (type) {
            case F32 -> FloatArray.fromArray(values);
            case F16 -> HalfFloatArray.fromFloats(values);
            case BF16 -> BFloat16Array.fromFloats(values);
        };
    }

    private static void report(Gemm gemm, GemmShape shape, double ms) {
        System.out.printf(Locale.ROOT, "%s\t%s\t%.3f ms\t%.1f GFLOP/s%n", gemm.name(), shape, ms,
                shape.flops() / ms / 1e6);
    }
}
