package dev.loris.bench;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.kernels.RmsNorm;
import dev.loris.tornado.kernels.SwiGlu;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The bandwidth benchmark of issue 3: bf16 SwiGLU forward over 64M elements and bf16 RMSNorm forward over
 * (16384, 4096), compiled from Java, against the device-to-device copy bandwidth of the same accelerator.
 * Each figure is the median of many launches timed with device events (CUDA events, OpenCL profiling);
 * bandwidth counts bytes read plus bytes written once, as a copy does. Prints one tab-separated line per
 * measurement: accelerator, what, milliseconds, GB/s, fraction of copy bandwidth.
 *
 * <p>Usage: {@code KernelBench SPEC [runs]}, SPEC as in {@link Accelerator#open} (cuda, opencl:1, jvm).
 */
public final class KernelBench {
    private static final long SWIGLU_ELEMENTS = 64L << 20;
    private static final int ROWS = 16384;
    private static final int COLS = 4096;

    private final Accelerator accelerator;
    private final int runs;
    private final DeviceStream stream;

    private KernelBench(Accelerator accelerator, int runs) {
        this.accelerator = accelerator;
        this.runs = runs;
        this.stream = accelerator.defaultStream();
    }

    public static void main(String[] args) {
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        String spec = args.length > 0 ? args[0] : "auto";
        for (String one : spec.equals("opencl-nvidia") ? nvidiaOpenClSpecs() : List.of(spec)) {
            try (Accelerator accelerator = Accelerator.open(one)) {
                System.out.println("# " + accelerator.description());
                KernelBench bench = new KernelBench(accelerator, runs);
                double copy = bench.copyBandwidth();
                bench.swiglu(copy);
                bench.rmsNorm(copy, "forward");
                bench.rmsNorm(copy, "forwardBf16Packed");
                bench.rmsNorm(copy, "forwardBf16Packed", Map.of(5, COLS));
            }
        }
    }

    /** The OpenCL devices of NVIDIA's platform (PoCL is listed on the same machine). */
    private static List<String> nvidiaOpenClSpecs() {
        List<String> specs = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            if (spec.startsWith("opencl:")) {
                try (Accelerator a = Accelerator.open(spec)) {
                    if (a.description().contains("NVIDIA")) {
                        specs.add(spec);
                    }
                }
            }
        }
        return specs;
    }

    private double copyBandwidth() {
        return Timing.copyBandwidth(accelerator, stream, runs);
    }

    private void swiglu(double copy) {
        long n = SWIGLU_ELEMENTS;
        try (DeviceArray gate = random(n); DeviceArray up = random(n);
             DeviceArray out = accelerator.allocate(BFloat16Array.class, n)) {
            try (KernelLaunch plain = accelerator.compile(SwiGlu.class, "forward",
                    Map.of(1, BFloat16Array.class, 2, BFloat16Array.class, 3, BFloat16Array.class)).launcher();
                 KernelLaunch packed = compile(SwiGlu.class, "forwardBf16Packed").launcher()) {
                plain.setArguments(null, gate, up, out, n);
                packed.setArguments(null, gate.view(LongArray.class), up.view(LongArray.class),
                        out.view(LongArray.class), n / 4);
                double bytes = 3.0 * 2 * n;
                time("swiglu bf16 64M forward (bf16)", () -> plain.launch(n, 256, stream), bytes, copy);
                for (long perThread : new long[] {1, 2, 4}) {
                    long global = n / 4 / perThread;
                    time("swiglu bf16 64M forwardBf16Packed, " + perThread + " longs per work-item",
                            () -> packed.launch(global, 256, stream), bytes, copy);
                }
            }
        }
    }

    private void rmsNorm(double copy, String variant) {
        rmsNorm(copy, variant, Map.of());
    }

    /** RMSNorm through {@code variant}, compiled with {@code constants} (the trainer fixes cols per model). */
    private void rmsNorm(double copy, String variant, Map<Integer, Object> constants) {
        long n = (long) ROWS * COLS;
        boolean packed = variant.endsWith("Packed");
        try (DeviceArray x = random(n); DeviceArray weight = random(COLS);
             DeviceArray out = accelerator.allocate(BFloat16Array.class, n);
             DeviceArray inverseRms = accelerator.allocate(FloatArray.class, ROWS);
             KernelLaunch launch = accelerator.compile(RmsNorm.class, variant, packed ? constants
                     : withBf16Arrays(constants)).launcher()) {
            if (packed) {
                launch.setArguments(null, x.view(LongArray.class), weight.view(LongArray.class),
                        out.view(LongArray.class), inverseRms, COLS, 1e-5f);
            } else {
                launch.setArguments(null, x, weight, out, inverseRms, COLS, 1e-5f);
            }
            double bytes = 2.0 * 2 * n + 2.0 * COLS + 4.0 * ROWS;
            for (int local : new int[] {128, 256}) {
                time("rmsnorm bf16 (16384,4096) " + variant + (constants.isEmpty() ? "" : ", cols fixed")
                                + ", local " + local,
                        () -> launch.launch((long) ROWS * local, local, stream), bytes, copy);
            }
        }
    }

    /** {@code constants} with RmsNorm.forward's x, weight and out specialised to bf16. */
    private static Map<Integer, Object> withBf16Arrays(Map<Integer, Object> constants) {
        Map<Integer, Object> all = new java.util.HashMap<>(constants);
        for (int p = 1; p <= 3; p++) {
            all.put(p, BFloat16Array.class);
        }
        return all;
    }

    private CompiledKernel compile(Class<?> owner, String name) {
        return accelerator.compile(owner, name, Map.of());
    }

    private void time(String what, Runnable launch, double bytes, double copy) {
        double ms = median(launch);
        double gbs = bytes / ms / 1e6;
        report(what, ms, gbs, gbs / copy);
    }

    private DeviceArray random(long n) {
        Random random = new Random(42);
        BFloat16Array host = new BFloat16Array(n);
        for (long i = 0; i < n; i++) {
            host.setFloat(i, (float) random.nextGaussian());
        }
        return accelerator.upload(host);
    }

    private double median(Runnable work) {
        return Timing.median(accelerator, stream, runs, work);
    }

    private void report(String what, double ms, double gbs, double ofCopy) {
        Timing.report(accelerator, what, ms, gbs, ofCopy);
    }
}
