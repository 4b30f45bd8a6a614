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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * The GEMM benchmark of issue 4: every GEMM of an accelerator on a set of shapes, each figure the median of
 * repeated calls timed with device events after a warm-up (which also lets the JIT compile the JVM GEMM).
 * Prints one tab-separated line per measurement: GEMM, name, shape, milliseconds, GFLOP/s (2mnk per matrix).
 *
 * <p>Usage: {@code GemmBench [SPEC [SET [RUNS]]]}: SPEC as in {@link Accelerator#open} (default jvm); SET
 * "cpu" (default: square f32 products and one bf16 linear layer) or "llama8b" (the GEMMs of a Llama-3.1-8B
 * training step at 4096 tokens) or "decode" (one decoding step), see {@link #shapeFile}; RUNS the most timed calls per
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
            case "llama8b" -> shapeFile("llama8b-gemm-shapes.tsv");
            case "decode" -> shapeFile("llama8b-decode-gemm-shapes.tsv");
            default -> throw new IllegalArgumentException("unknown shape set " + set + ": cpu, llama8b or decode");
        };
    }

    private static GemmShape square(int size) {
        return GemmShape.of(size, size, size, false, false, GemmType.F32, GemmType.F32, GemmType.F32);
    }

    /** Name of each benchmark shape read from the shape file, for the report. */
    private static final Map<GemmShape, String> NAMES = new HashMap<>();

    /**
     * Shapes from a file next to this class, the file bench/torch_gemm.py reads too, so that both time the same
     * products: llama8b-gemm-shapes.tsv (a Llama-3.1-8B training step at 4096 tokens) or
     * llama8b-decode-gemm-shapes.tsv (one decoding step).
     */
    static List<GemmShape> shapeFile(String file) {
        List<GemmShape> shapes = new ArrayList<>();
        try (var in = GemmBench.class.getResourceAsStream(file)) {
            String text = new String(Objects.requireNonNull(in, file).readAllBytes(),
                    StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                GemmShape shape = GemmShape.of(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                        f[4].equals("1"), f[5].equals("1"), type(f[6]), type(f[7]), type(f[8]));
                shapes.add(shape);
                NAMES.put(shape, f[0]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return shapes;
    }

    private static GemmType type(String name) {
        return GemmType.valueOf(name.toUpperCase(Locale.ROOT));
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
        System.out.printf(Locale.ROOT, "%s\t%s\t%s\t%.4f ms\t%.1f GFLOP/s%n", gemm.name(),
                NAMES.getOrDefault(shape, "-"), shape, ms, shape.flops() / ms / 1e6);
    }
}
