package dev.loris.tornado.kernels;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The differential conformance ring (issue 16): kernels written by {@link KernelGenerator}, compiled in-process
 * with javac into a fresh class loader, run as plain Java (their {@code reference} twin, called per work-item)
 * and through every backend present ({@link SuiteAccelerator}: the JVM, OpenCL, CUDA), once with the scalar
 * parameters as launch arguments and once fixed as compile-time constants (so the constant folder's Java
 * evaluation is checked against the devices' too), compared bit for bit; every kernel's PTX, in both
 * specialisations, goes through ptxas for sm_80 and sm_90.
 *
 * <p>The one documented divergence allowed: a NaN result matches any NaN (devices give canonical NaNs where Java
 * leaves payload and sign unspecified; docs/ARCHITECTURE.md, "Java semantics"). Fixed seed; the number of
 * kernels is -Dloris.fuzz.tries / 15 (10 in CI), so {@code -Dloris.fuzz.tries=3000} runs 200.
 */
class DifferentialConformanceTest {
    private static final long SEED = 1616;
    private static final String PACKAGE = "dev.loris.generated";
    private static final int N = 100; // work-items; the grid is 128, so 28 items test the bounds check
    private static final int[] INT_EDGES = {0, 1, -1, 2, 31, 32, 63, Integer.MAX_VALUE, Integer.MIN_VALUE, 0xFFFF, -7};
    private static final long[] LONG_EDGES = {0, 1, -1, 63, 64, Long.MAX_VALUE, Long.MIN_VALUE, 0xFFFFFFFFL, 1L << 31};
    private static final int[] FLOAT_EDGES = {0, 0x80000000, 0x3F800000, 0x7F800000, 0xFF800000, 0x7FC00000, 1,
            0x7F7FFFFF, 0x4F000000, 0xDF000000, 0x3F000000, 0xBFC00000, 0x4B000001};
    private static final long[] DOUBLE_EDGES = {0, 0x8000000000000000L, 0x3FF0000000000000L, 0x7FF0000000000000L,
            0x7FF8000000000000L, 1, 0x41E0000000000000L, 0xC3E0000000000000L, 0xBFE8000000000000L};

    private static Path classes;
    private static URLClassLoader loader;

    @BeforeAll
    static void folder() throws IOException {
        classes = Files.createTempDirectory("loris-conformance");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (loader != null) {
            loader.close();
        }
        try (Stream<Path> paths = Files.walk(classes)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    static int kernelCount() {
        String tries = System.getProperty("loris.fuzz.tries", System.getProperty("jqwik.tries.default", "150"));
        return Math.max(1, Integer.parseInt(tries) / 15);
    }

    @Test
    void generatedKernelsMatchJavaOnEveryBackendAndAssemble() throws Exception {
        // A jlink'd runtime without jdk.compiler (the GPU pack unless built with JAVAC=1) cannot compile them.
        assumeTrue(ModuleLayer.boot().findModule("jdk.compiler").isPresent(),
                "this Java runtime has no jdk.compiler to compile the generated kernels (gpu/bundle.sh: JAVAC=1)");
        int count = kernelCount();
        List<Class<?>> kernels = compileAll(count);
        List<SuiteAccelerator> backends = SuiteAccelerator.available().toList();
        List<String> mismatches = new ArrayList<>();
        boolean ptxas = Ptxas.find().isPresent() || "true".equals(System.getenv("CI"));
        Random inputs = new Random(SEED);
        for (Class<?> owner : kernels) {
            Method kernel = SuiteInputs.kernel(owner, "kernel");
            Method reference = SuiteInputs.kernel(owner, "reference");
            Inputs in = new Inputs(inputs);
            long[] expected = in.expected(reference);
            Map<Integer, Object> fixed = Map.of(7, in.p, 8, in.q, 9, in.r, 10, in.s);
            for (Map<Integer, Object> constants : List.of(Map.<Integer, Object>of(), fixed)) {
                try {
                    check(owner, kernel, constants, in, expected, backends, ptxas, mismatches);
                } catch (RuntimeException e) { // a compiler crash or a refused kernel: a finding like a mismatch
                    mismatches.add(owner.getSimpleName() + " constants " + constants.keySet() + ": " + e);
                    e.printStackTrace(System.out);
                }
            }
        }
        for (Class<?> owner : kernels) {
            if (mismatches.stream().anyMatch(m -> m.startsWith(owner.getSimpleName() + " "))) {
                System.out.println(Files.readString(classes.resolve("src/" + owner.getSimpleName() + ".java")));
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches (their kernels' sources are on stdout):\n"
                + String.join("\n", mismatches.subList(0, Math.min(20, mismatches.size()))));
    }

    private static void check(Class<?> owner, Method kernel, Map<Integer, Object> constants, Inputs in,
                              long[] expected, List<SuiteAccelerator> backends, boolean ptxas, List<String> mismatches) {
        if (ptxas) {
            for (String arch : List.of("sm_80", "sm_90")) {
                Ptxas.Result assembled = Ptxas.assemble(
                        KernelCompiler.ptx(kernel, constants, new PtxEmitter.Options(arch, false)), arch);
                if (!assembled.succeeded()) {
                    mismatches.add(owner.getSimpleName() + " constants " + constants.keySet() + ": ptxas "
                            + arch + " rejected the PTX:\n" + assembled.output());
                }
            }
        }
        for (SuiteAccelerator backend : backends) {
            LongArray out = new LongArray((long) N * KernelGenerator.RESULTS);
            out.init(0x7FC0DEADL);
            backend.run(kernel, constants, new int[] {128}, new int[] {64}, in.a, in.b, in.c, in.d, out, N,
                    in.p, in.q, in.r, in.s);
            compare(owner, backend.name() + (constants.isEmpty() ? "" : ", scalars constant"), in, expected,
                    out, mismatches);
        }
    }

    /** The generator's kernels compile with javac (a failed compile is a generator bug, shown with its source). */
    private static List<Class<?>> compileAll(int count) throws Exception {
        Path sources = Files.createDirectories(classes.resolve("src"));
        List<String> files = new ArrayList<>();
        KernelGenerator generator = new KernelGenerator(SEED);
        for (int k = 0; k < count; k++) {
            Path source = sources.resolve("Generated" + k + ".java");
            Files.writeString(source, generator.kernelClass(PACKAGE, "Generated" + k));
            files.add(source.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        List<String> arguments = new ArrayList<>(List.of("-g", "-nowarn", "-proc:none", "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path")));
        arguments.addAll(files);
        int status = javac.run(null, null, errors, arguments.toArray(String[]::new));
        assertEquals(0, status, "javac: " + errors.toString(StandardCharsets.UTF_8));
        loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, DifferentialConformanceTest.class.getClassLoader());
        List<Class<?>> loaded = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            loaded.add(loader.loadClass(PACKAGE + ".Generated" + k));
        }
        return loaded;
    }

    private static void compare(Class<?> owner, String where, Inputs in, long[] expected, LongArray out,
                                List<String> mismatches) {
        for (int i = 0; i < N; i++) {
            for (int slot = 0; slot < KernelGenerator.RESULTS; slot++) {
                long want = expected[i * KernelGenerator.RESULTS + slot];
                long got = out.get((long) i * KernelGenerator.RESULTS + slot);
                if (want != got && !bothNaN(slot % 4, want, got)) {
                    mismatches.add(owner.getSimpleName() + " result " + slot + " on " + where + ": expected 0x"
                            + Long.toHexString(want) + ", got 0x" + Long.toHexString(got) + " for " + in.describe(i));
                    return; // one per kernel and backend: the rest usually repeat it
                }
            }
        }
    }

    /** The documented divergence: devices' NaNs are canonical, Java's payloads and signs unspecified. */
    private static boolean bothNaN(int type, long want, long got) {
        return switch (type) {
            case 2 -> Float.isNaN(Float.intBitsToFloat((int) want)) && Float.isNaN(Float.intBitsToFloat((int) got));
            case 3 -> Double.isNaN(Double.longBitsToDouble(want)) && Double.isNaN(Double.longBitsToDouble(got));
            default -> false;
        };
    }

    /** One launch's inputs: per-item values drawn from edge cases and random bits, scalars likewise. */
    private static final class Inputs {
        final IntArray a = new IntArray(N);
        final LongArray b = new LongArray(N);
        final IntArray c = new IntArray(N);
        final LongArray d = new LongArray(N);
        final int p;
        final long q;
        final float r;
        final double s;

        Inputs(Random random) {
            for (int i = 0; i < N; i++) {
                boolean edge = random.nextInt(3) > 0;
                a.set(i, edge ? INT_EDGES[random.nextInt(INT_EDGES.length)] : random.nextInt());
                b.set(i, edge ? LONG_EDGES[random.nextInt(LONG_EDGES.length)] : random.nextLong());
                c.set(i, edge ? FLOAT_EDGES[random.nextInt(FLOAT_EDGES.length)]
                        : Float.floatToRawIntBits((float) random.nextGaussian() * 100));
                d.set(i, edge ? DOUBLE_EDGES[random.nextInt(DOUBLE_EDGES.length)]
                        : Double.doubleToRawLongBits(random.nextGaussian() * 1e6));
            }
            p = random.nextBoolean() ? INT_EDGES[random.nextInt(INT_EDGES.length)] : random.nextInt(20) - 5;
            q = random.nextBoolean() ? LONG_EDGES[random.nextInt(LONG_EDGES.length)] : random.nextLong();
            r = Float.intBitsToFloat(FLOAT_EDGES[random.nextInt(FLOAT_EDGES.length)]);
            s = random.nextBoolean() ? Double.longBitsToDouble(DOUBLE_EDGES[random.nextInt(DOUBLE_EDGES.length)])
                    : random.nextGaussian();
        }

        long[] expected(Method reference) throws IllegalAccessException {
            long[] all = new long[N * KernelGenerator.RESULTS];
            long[] one = new long[KernelGenerator.RESULTS];
            for (int i = 0; i < N; i++) {
                try {
                    reference.invoke(null, one, i, a.get(i), b.get(i), Float.intBitsToFloat(c.get(i)),
                            Double.longBitsToDouble(d.get(i)), p, q, r, s);
                } catch (InvocationTargetException e) {
                    throw new AssertionError("the reference threw for " + describe(i), e.getCause());
                }
                System.arraycopy(one, 0, all, i * KernelGenerator.RESULTS, KernelGenerator.RESULTS);
            }
            return all;
        }

        String describe(int i) {
            return "i " + i + ": a " + a.get(i) + ", b " + b.get(i) + "L, c bits 0x" + Integer.toHexString(c.get(i))
                    + ", d bits 0x" + Long.toHexString(d.get(i)) + "L, p " + p + ", q " + q + "L, r bits 0x"
                    + Integer.toHexString(Float.floatToRawIntBits(r)) + ", s bits 0x"
                    + Long.toHexString(Double.doubleToRawLongBits(s)) + "L";
        }
    }
}
