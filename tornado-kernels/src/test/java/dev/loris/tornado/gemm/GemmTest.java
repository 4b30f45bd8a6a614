package dev.loris.tornado.gemm;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every registered GEMM backend on every accelerator it serves, against the f64 reference: all transpose
 * combinations, odd shapes, batches, beta = 1 accumulation, padded leading dimensions with offsets, bias, and
 * each precision, on fresh random data; C is poisoned first where beta = 0 so unwritten elements show. And
 * every backend refuses a wrong operand with {@link GemmOperands}' message before it touches anything.
 */
class GemmTest {
    static Stream<Arguments> backends() {
        List<Arguments> cases = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            for (GemmBackend backend : Gemms.backends()) {
                cases.add(Arguments.of(spec, backend.id()));
            }
        }
        return cases.stream();
    }

    private static final GemmType[][] TYPES = {
            {GemmType.F32, GemmType.F32, GemmType.F32},
            {GemmType.BF16, GemmType.BF16, GemmType.BF16},
            {GemmType.F16, GemmType.F16, GemmType.F16},
            {GemmType.BF16, GemmType.BF16, GemmType.F32},
    };

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void matchesTheReference(String spec, String backendId) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (Accelerator acc = Accelerator.open(spec)) {
            try (Gemm gemm = openOrSkip(backendId, acc)) {
                checkAll(gemm, random, seed, TYPES);
            }
        }
    }

    /**
     * A 4x4x4 f32 GEMM with one operand too short (A, B and C in turn, 10 elements instead of 16) fails with
     * the message {@link GemmOperands#check} gives, and C, poisoned before, is still all NaN afterwards.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void wrongOperandsAreNamedBeforeAnythingRuns(String spec, String backendId) {
        GemmShape shape = GemmShape.of(4, 4, 4, false, false, GemmType.F32, GemmType.F32, GemmType.F32);
        try (Accelerator acc = Accelerator.open(spec); Gemm gemm = openOrSkip(backendId, acc)) {
            for (String shortOne : new String[] {"A", "B", "C"}) {
                try (DeviceArray a = acc.allocate(FloatArray.class, shortOne.equals("A") ? 10 : 16);
                     DeviceArray b = acc.allocate(FloatArray.class, shortOne.equals("B") ? 10 : 16);
                     DeviceArray c = acc.allocate(FloatArray.class, shortOne.equals("C") ? 10 : 16)) {
                    a.fillBytes((byte) 0);
                    b.fillBytes((byte) 0);
                    c.poison();
                    LorisException expected = assertThrows(LorisException.class,
                            () -> GemmOperands.check(acc, shape, a, 0, b, 0, c, 0, null));
                    LorisException thrown = assertThrows(LorisException.class,
                            () -> gemm.multiply(shape, 1f, a, b, 0f, c));
                    assertEquals(expected.getMessage(), thrown.getMessage());
                    assertEquals(shape + ": " + shortOne + " needs elements [0, 16) but has 10", thrown.getMessage());
                    acc.synchronize();
                    FloatArray after = new FloatArray(c.length());
                    c.copyTo(after);
                    for (int i = 0; i < after.getSize(); i++) {
                        assertTrue(Float.isNaN(after.get(i)), gemm.name() + " wrote C[" + i + "] = " + after.get(i)
                                + " although " + shortOne + " was refused");
                    }
                }
            }
        }
    }

    /** Opens backend {@code id} on {@code acc}, or skips the test with the backend's reason. */
    static Gemm openOrSkip(String id, Accelerator acc) {
        GemmBackend backend = Gemms.backends().stream().filter(b -> b.id().equals(id)).findFirst().orElseThrow();
        String reason = backend.unavailableReason(acc);
        Assumptions.assumeTrue(reason == null, () -> id + " on " + acc.spec() + ": " + reason);
        return backend.open(acc);
    }

    /**
     * The cases above on one open GEMM for each {A, B, C} type combination; package-private so that backends
     * with a test-only accelerator (the tiled kernel on the JVM) run the same cases.
     */
    static void checkAll(Gemm gemm, Random random, long seed, GemmType[][] typeCombinations) {
        int[][] sizes = {{1, 1, 1}, {17, 33, 65}, {127, 255, 63}, {64, 48, 96}};
        for (GemmType[] types : typeCombinations) {
            for (int[] size : sizes) {
                for (int t = 0; t < 4; t++) {
                    GemmShape shape = GemmShape.of(size[0], size[1], size[2], (t & 1) != 0, (t & 2) != 0,
                            types[0], types[1], types[2]);
                    check(gemm, shape, 0, random, seed, 0f);
                }
            }
            GemmShape odd = GemmShape.of(17, 33, 65, false, true, types[0], types[1], types[2]);
            check(gemm, odd.batched(3), 0, random, seed, 1f);
            check(gemm, odd.withLeadingDimensions(70, 66, 40).batched(2), 5, random, seed, 1f);
            check(gemm, odd.withBias(), 0, random, seed, 0.5f);
        }
    }

    /** One call: random A, B, C (poisoned when beta is 0), compared element by element with the reference. */
    static void check(Gemm gemm, GemmShape s, long offset, Random random, long seed, float beta) {
        check(gemm, s, offset, random, seed, beta, s.typeC());
    }

    /** As above with the bias (if the shape has one) in {@code biasType}, C's type or f32. */
    static void check(Gemm gemm, GemmShape s, long offset, Random random, long seed, float beta,
                      GemmType biasType) {
        Accelerator acc = gemm.accelerator();
        if (!gemm.supports(s)) {
            return; // the backend says so; Gemms.best never routes such a shape to it
        }
        float alpha = random.nextBoolean() ? 1f : random.nextFloat() * 2 - 1;
        float[] a = GemmData.random(random, s.typeA(), offset + s.extentA());
        float[] b = GemmData.random(random, s.typeB(), offset + s.extentB());
        float[] c = GemmData.random(random, s.typeC(), offset + s.extentC());
        float[] bias = s.bias() ? GemmData.random(random, biasType, s.n()) : null;
        TornadoNativeArray out = GemmData.empty(s.typeC(), c.length);
        try (DeviceArray da = acc.upload(GemmData.host(s.typeA(), a));
             DeviceArray db = acc.upload(GemmData.host(s.typeB(), b));
             DeviceArray dc = acc.upload(GemmData.host(s.typeC(), c));
             DeviceArray dbias = bias == null ? null : acc.upload(GemmData.host(biasType, bias))) {
            if (beta == 0) {
                dc.poison();
            }
            gemm.multiply(s, alpha, da, offset, db, offset, beta, dc, offset, dbias, acc.defaultStream());
            dc.copyTo(out);
        }
        float[] shifted = java.util.Arrays.copyOfRange(c, (int) offset, c.length);
        GemmReference.Result ref = GemmReference.multiply(s, alpha,
                java.util.Arrays.copyOfRange(a, (int) offset, a.length),
                java.util.Arrays.copyOfRange(b, (int) offset, b.length), beta, shifted, bias);
        for (int i = 0; i < ref.c().length; i++) {
            double got = GemmData.get(out, offset + i);
            if (!(Math.abs(got - ref.c()[i]) <= ref.tolerance()[i])) {
                fail(gemm.name() + " on " + acc.spec() + ", " + s + ", alpha " + alpha + ", beta " + beta
                        + ", offset " + offset + ": element " + i + " is " + got + ", expected " + ref.c()[i]
                        + " within " + ref.tolerance()[i] + " (seed " + seed + ")");
            }
        }
    }
}
