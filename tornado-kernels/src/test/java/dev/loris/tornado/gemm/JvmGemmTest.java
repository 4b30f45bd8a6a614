package dev.loris.tornado.gemm;

import com.sun.management.ThreadMXBean;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link GemmTest}'s small shapes do not reach in {@link JvmGemm}: several depth blocks, row and column
 * tiles and threads at once; the exact bits of the one rounding to f16/bf16; memory confined to the
 * calling thread; no allocation in steady state; and that {@link Gemms#best} picks it on the JVM.
 */
class JvmGemmTest {

    @Test
    void bestGemmOnTheJvmIsTheVectorApiGemm() {
        try (Accelerator acc = Accelerator.open("jvm"); Gemm gemm = Gemms.best(acc)) {
            assertInstanceOf(JvmGemm.class, gemm, gemm.name());
            assertTrue(!Gemms.unavailable(acc).containsKey("jvm"), Gemms.unavailable(acc).toString());
        }
    }

    /** Past KC in depth, MC in rows and NC in columns, on more threads than this machine may have cores. */
    @Test
    void depthBlocksAndTilesOnThreeThreadsMatchTheReference() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int m = JvmGemmCall.MC + 7;
        int n = JvmGemmCall.NC + 19;
        int k = 2 * JvmGemmCall.KC + 11;
        try (Accelerator acc = Accelerator.open("jvm"); Gemm gemm = new JvmGemm(acc, 3)) {
            GemmTest.check(gemm, GemmShape.of(m, n, k, false, true, GemmType.BF16, GemmType.BF16, GemmType.BF16)
                    .withBias(), 0, random, seed, 0f);
            GemmTest.check(gemm, GemmShape.of(m, n, k, true, false, GemmType.F32, GemmType.F32, GemmType.F32)
                    .withLeadingDimensions(m + 3, n + 5, n + 1), 3, random, seed, 1f);
            GemmTest.check(gemm, GemmShape.of(40, 70, k, true, true, GemmType.F16, GemmType.F16, GemmType.F16)
                    .batched(3), 0, random, seed, 0.5f);
        }
    }

    /**
     * bf16 products are exact in f32, so with k = 1 or 2 the f32 sum is known exactly and the output must be
     * TornadoMath's rounding of it, bit for bit: rounded once, to nearest, ties (frequent here) to even.
     */
    @Test
    void outputIsRoundedOnceWithTornadoMathsBits() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int m = 64;
        int n = 96;
        try (Accelerator acc = Accelerator.open("jvm"); Gemm gemm = new JvmGemm(acc, 2)) {
            for (GemmType out : new GemmType[] {GemmType.BF16, GemmType.F16}) {
                for (int k = 1; k <= 2; k++) {
                    GemmShape shape = GemmShape.of(m, n, k, false, false, GemmType.BF16, GemmType.BF16, out);
                    float[] a = GemmData.random(random, GemmType.BF16, (long) m * k);
                    float[] b = GemmData.random(random, GemmType.BF16, (long) k * n);
                    TornadoNativeArray c = GemmData.empty(out, (long) m * n);
                    try (DeviceArray da = acc.upload(GemmData.host(GemmType.BF16, a));
                         DeviceArray db = acc.upload(GemmData.host(GemmType.BF16, b));
                         DeviceArray dc = acc.allocate(out.arrayType, (long) m * n)) {
                        dc.poison();
                        gemm.multiply(shape, 1f, da, db, 0f, dc);
                        dc.copyTo(c);
                    }
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double sum = 0;
                            for (int p = 0; p < k; p++) {
                                sum += (double) a[i * k + p] * b[p * n + j];
                            }
                            short expected = out == GemmType.BF16 ? TornadoMath.floatToBfloat16((float) sum)
                                    : TornadoMath.floatToHalf((float) sum);
                            short got = c instanceof BFloat16Array bf ? bf.getBits(i * n + j)
                                    : ((HalfFloatArray) c).getBits(i * n + j);
                            assertEquals(expected, got, out + " k=" + k + " C[" + i + "," + j + "] of exact sum "
                                    + sum + " (seed " + seed + ")");
                        }
                    }
                }
            }
        }
    }

    /** Arrays over memory only the calling thread may touch are multiplied on that thread, not refused. */
    @Test
    void memoryConfinedToTheCallerIsMultipliedOnTheCaller() {
        int size = 128;
        try (Arena arena = Arena.ofConfined(); Accelerator acc = Accelerator.open("jvm");
             Gemm gemm = new JvmGemm(acc, 2)) {
            FloatArray a = FloatArray.wrap(arena.allocate(4L * size * size, 64));
            FloatArray b = FloatArray.wrap(arena.allocate(4L * size * size, 64));
            FloatArray c = FloatArray.wrap(arena.allocate(4L * size * size, 64));
            a.init(1f);
            b.init(2f);
            c.init(Float.NaN);
            GemmShape shape = GemmShape.of(size, size, size, false, false, GemmType.F32, GemmType.F32, GemmType.F32);
            assertTrue(shape.flops() >= JvmGemm.PARALLEL_FLOPS, "the shape must be big enough for threads");
            gemm.multiply(shape, 1f, acc.mirror(a), acc.mirror(b), 0f, acc.mirror(c));
            for (int i = 0; i < size * size; i++) {
                assertEquals(2f * size, c.get(i), "C[" + i + "]");
            }
        }
    }

    /**
     * Once the JIT has compiled the path, a call of a shape seen before allocates nothing (measured on one
     * thread, where the caller does all the work): training calls GEMMs thousands of times a step.
     */
    @Test
    void steadyStateCallsAllocateNothing() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        GemmShape shape = GemmShape.of(13, 40, 70, false, true, GemmType.BF16, GemmType.BF16, GemmType.F32)
                .withBias();
        int calls = 200;
        Random random = new Random(1);
        try (Accelerator acc = Accelerator.open("jvm"); Gemm gemm = new JvmGemm(acc, 1);
             DeviceArray a = acc.upload(GemmData.host(GemmType.BF16, GemmData.random(random, GemmType.BF16, shape.extentA())));
             DeviceArray b = acc.upload(GemmData.host(GemmType.BF16, GemmData.random(random, GemmType.BF16, shape.extentB())));
             DeviceArray c = acc.upload(new FloatArray(shape.extentC()));
             DeviceArray bias = acc.upload(new FloatArray(shape.n()))) {
            long allocated = 0;
            long deadline = System.nanoTime() + 20_000_000_000L; // C2 may be slow to get there on a busy machine
            while (System.nanoTime() < deadline) { // the last round counts; earlier ones warm the JIT up
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < calls; i++) {
                    gemm.multiply(shape, 0.5f, a, 0, b, 0, 1f, c, 0, bias, acc.defaultStream());
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
                if (allocated == 0) {
                    break;
                }
            }
            System.out.println("JvmGemm: " + allocated + " bytes allocated over " + calls + " calls of " + shape);
            assertTrue(allocated < calls, allocated + " bytes allocated over " + calls + " calls");
        }
    }
}
