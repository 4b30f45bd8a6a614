package dev.loris.tornado.gemm;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The tensor-core GEMM against cuBLASLt on the shapes of a shape file (bench's llama8b-gemm-shapes.tsv), in
 * one session on one GPU: per shape each GEMM's median time over CUDA-event-timed calls after a warm-up, and
 * the relative difference of the two results (Frobenius norm of the difference over cuBLASLt's), so a fast
 * wrong kernel cannot pass (0 where both add each k block of 16 in order, as cuBLASLt did on the H100). Run on
 * the GPU machine: {@code TensorCoreGemmBench SHAPES.tsv [RUNS]}.
 */
public final class TensorCoreGemmBench {
    private static final double WARM_UP_MS = 300;
    private static final double BUDGET_MS = 1000;

    private TensorCoreGemmBench() {
    }

    public static void main(String[] args) throws IOException {
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        try (Accelerator acc = Accelerator.open("cuda");
             Gemm vendor = cublasLt(acc); Gemm ours = new TensorCoreGemm(acc)) {
            System.out.println("# " + acc.description());
            System.out.printf(Locale.ROOT, "%-32s %-40s %10s %8s %10s %8s %7s %9s%n", "product", "shape",
                    "cuBLASLt", "TFLOP/s", "Loris TC", "TFLOP/s", "ratio", "rel.diff");
            for (String line : Files.readAllLines(Path.of(args[0]))) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                GemmShape shape = GemmShape.of(Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        Integer.parseInt(f[3]), f[4].equals("1"), f[5].equals("1"), type(f[6]), type(f[7]),
                        type(f[8]));
                compare(f[0], shape, vendor, ours, runs);
            }
        }
    }

    private static Gemm cublasLt(Accelerator acc) {
        GemmBackend backend = Gemms.backends().stream().filter(b -> b.id().equals("cublaslt")).findFirst().orElseThrow();
        return backend.open(acc);
    }

    private static void compare(String name, GemmShape shape, Gemm vendor, Gemm ours, int runs) {
        Accelerator acc = ours.accelerator();
        Random random = new Random(42);
        try (DeviceArray a = acc.upload(GemmData.randomHost(random, shape.typeA(), shape.extentA()));
             DeviceArray b = acc.upload(GemmData.randomHost(random, shape.typeB(), shape.extentB()));
             DeviceArray c1 = acc.allocate(shape.typeC().arrayType, shape.extentC());
             DeviceArray c2 = acc.allocate(shape.typeC().arrayType, shape.extentC())) {
            double vendorMs = time(vendor, shape, a, b, c1, runs);
            double oursMs = time(ours, shape, a, b, c2, runs);
            double diff = relativeDifference(shape, c1, c2);
            System.out.printf(Locale.ROOT, "%-32s %-40s %10.4f %8.1f %10.4f %8.1f %7.2f %9.2e%n", name, shape,
                    vendorMs, shape.flops() / vendorMs / 1e9, oursMs, shape.flops() / oursMs / 1e9,
                    oursMs / vendorMs, diff);
        }
    }

    /** Median of event-timed calls after {@link #WARM_UP_MS} of warm-up; C is poisoned before the first. */
    private static double time(Gemm gemm, GemmShape shape, DeviceArray a, DeviceArray b, DeviceArray c, int runs) {
        Accelerator acc = gemm.accelerator();
        DeviceStream stream = acc.defaultStream();
        c.poison();
        try (DeviceEvent start = acc.createEvent(); DeviceEvent stop = acc.createEvent()) {
            Runnable call = () -> gemm.multiply(shape, 1f, a, 0, b, 0, 0f, c, 0, null, stream);
            double warm = 0;
            double last;
            do {
                start.record(stream);
                call.run();
                stop.record(stream);
                last = stop.millisSince(start);
                warm += last;
            } while (warm < WARM_UP_MS);
            int count = (int) Math.max(3, Math.min(runs, BUDGET_MS / last));
            double[] times = new double[count];
            for (int i = 0; i < count; i++) {
                start.record(stream);
                call.run();
                stop.record(stream);
                times[i] = stop.millisSince(start);
            }
            Arrays.sort(times);
            return times[count / 2];
        }
    }

    private static double relativeDifference(GemmShape shape, DeviceArray expected, DeviceArray actual) {
        TornadoNativeArray e = GemmData.empty(shape.typeC(), expected.length());
        TornadoNativeArray g = GemmData.empty(shape.typeC(), actual.length());
        expected.copyTo(e);
        actual.copyTo(g);
        double num = 0;
        double den = 0;
        for (long i = 0; i < expected.length(); i++) {
            double x = GemmData.get(e, i);
            double y = GemmData.get(g, i);
            num += (x - y) * (x - y);
            den += x * x;
        }
        return Math.sqrt(num / den);
    }

    private static GemmType type(String name) {
        return GemmType.valueOf(name.toUpperCase(Locale.ROOT));
    }
}
