package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.examples.ExampleKernels;
import dev.loris.tornado.kernels.RowReductions;
import dev.loris.tornado.runtime.jvm.JvmKernelRunner.Cooperation;
import dev.loris.tornado.runtime.jvm.JvmKernelRunner.KernelBody;
import dev.loris.tornado.runtime.jvm.JvmKernelRunner.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static dev.loris.tornado.api.KernelContext.WARP_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The example kernels on the JVM runner, against plain Java references; outputs are poisoned first. Cooperative
 * groups run as continuations here ({@link JvmKernelRunnerVirtualThreadsTest} runs every case on the fallback).
 */
class JvmKernelRunnerTest {
    private static final long SEED = System.nanoTime();
    private final Random random = new Random(SEED);

    /** What carries a cooperative work-item in these cases. */
    Cooperation cooperation() {
        return Cooperation.CONTINUATIONS;
    }

    private void run(KernelBody body, long[] global, int[] local) {
        run(body, global, local, Mode.COOPERATIVE);
    }

    private void run(KernelBody body, long[] global, int[] local, Mode mode) {
        JvmKernelRunner.run(body, global, local, mode, cooperation());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void axpy(Mode mode) {
        int n = 1000 + random.nextInt(500);
        int local = 64;
        FloatArray x = randomFloats(n);
        FloatArray y = randomFloats(n);
        FloatArray out = new FloatArray(n);
        out.init(Float.NaN);
        float a = random.nextFloat() * 4 - 2;
        long global = (n + local - 1) / local * local;
        run(ctx -> ExampleKernels.axpy(ctx, a, x, y, out, n), new long[] {global}, new int[] {local},
                mode);
        for (int i = 0; i < n; i++) {
            assertEquals(a * x.get(i) + y.get(i), out.get(i), "out[" + i + "], seed " + SEED);
        }
    }

    @Test
    void rowSumReducesThroughLocalMemoryWithBarriersInALoop() {
        int rows = 37;
        int cols = 900 + random.nextInt(300);
        FloatArray matrix = randomFloats(rows * cols);
        FloatArray sums = new FloatArray(rows);
        sums.init(Float.NaN);
        int group = RowReductions.MAX_GROUP;
        run(ctx -> RowReductions.rowSum(ctx, matrix, sums, cols),
                new long[] {(long) rows * group}, new int[] {group});
        for (int r = 0; r < rows; r++) {
            double exact = 0;
            double magnitude = 0;
            for (int c = 0; c < cols; c++) {
                exact += matrix.get(r * cols + c);
                magnitude += Math.abs(matrix.get(r * cols + c));
            }
            // float sums of ~1000 terms: relative error well under 1e-5 of the sum of magnitudes.
            assertEquals(exact, sums.get(r), 1e-5 * magnitude, "row " + r + ", seed " + SEED);
        }
    }

    @Test
    void warpOperations() {
        int global = 256;
        FloatArray in = randomFloats(global);
        int delta = 1 + random.nextInt(WARP_SIZE - 1);
        int mask = 1 + random.nextInt(WARP_SIZE - 1);
        FloatArray down = poisoned(global);
        FloatArray xor = poisoned(global);
        FloatArray sum = poisoned(global);
        FloatArray max = poisoned(global);
        FloatArray first = poisoned(global);
        FloatArray firstWarpSums = poisoned(global);
        IntArray intDown = poisonedInts(global);
        IntArray intXor = poisonedInts(global);
        IntArray intSum = poisonedInts(global);
        run(ctx -> ExampleKernels.warpOps(ctx, in, delta, mask, down, xor, intDown, intXor, sum, max,
                first, intSum, firstWarpSums), new long[] {global}, new int[] {128});
        String seed = ", delta " + delta + ", mask " + mask + ", seed " + SEED;
        for (int i = 0; i < global; i++) {
            int lane = i % WARP_SIZE;
            int base = i - lane;
            int downSource = lane + delta < WARP_SIZE ? i + delta : i;
            assertEquals(in.get(downSource), down.get(i), "down[" + i + "]" + seed);
            assertEquals(downSource, intDown.get(i), "intDown[" + i + "]" + seed);
            assertEquals(in.get(base + (lane ^ mask)), xor.get(i), "xor[" + i + "]" + seed);
            assertEquals(base + (lane ^ mask), intXor.get(i), "intXor[" + i + "]" + seed);
            assertEquals(in.get(base), first.get(i), "first[" + i + "]" + seed);
            assertEquals(WARP_SIZE * base + WARP_SIZE * (WARP_SIZE - 1) / 2, intSum.get(i), "intSum[" + i + "]" + seed);
            assertEquals(sum.get(base), sum.get(i), "every lane gets the same sum, [" + i + "]" + seed);
            double exact = 0;
            float largest = Float.NEGATIVE_INFINITY;
            for (int l = base; l < base + WARP_SIZE; l++) {
                exact += in.get(l);
                largest = Math.max(largest, in.get(l));
            }
            assertEquals(exact, sum.get(i), 1e-5, "sum[" + i + "]" + seed);
            assertEquals(largest, max.get(i), "max[" + i + "]" + seed);
            if (i % 128 < WARP_SIZE) {
                assertEquals(2 * exact, firstWarpSums.get(i), 2e-5, "firstWarpSums[" + i + "]" + seed);
            } else {
                assertTrue(Float.isNaN(firstWarpSums.get(i)), "only the first warp sums, [" + i + "]" + seed);
            }
        }
    }

    @Test
    void simdSumMatchesTheShuffleTreesBitForBit() {
        int global = 512;
        FloatArray in = randomFloats(global);
        FloatArray viaSimdSum = poisoned(global);
        FloatArray viaDown = poisoned(global / WARP_SIZE);
        FloatArray viaButterfly = poisoned(global);
        FloatArray unused = poisoned(global);
        IntArray unusedInts = poisonedInts(global);
        run(ctx -> ExampleKernels.warpOps(ctx, in, 1, 1, unused, unused, unusedInts, unusedInts,
                viaSimdSum, unused, unused, unusedInts, unused), new long[] {global}, new int[] {64});
        run(ctx -> ExampleKernels.warpSumByShuffleDown(ctx, in, viaDown), new long[] {global},
                new int[] {64});
        run(ctx -> ExampleKernels.warpSumByButterfly(ctx, in, viaButterfly), new long[] {global},
                new int[] {256});
        for (int i = 0; i < global; i++) {
            int bits = Float.floatToRawIntBits(viaSimdSum.get(i));
            assertEquals(Float.floatToRawIntBits(viaDown.get(i / WARP_SIZE)), bits,
                    "shuffle down, [" + i + "], seed " + SEED);
            assertEquals(Float.floatToRawIntBits(viaButterfly.get(i)), bits, "butterfly, [" + i + "], seed " + SEED);
        }
    }

    @Test
    void histogramWithLocalAndGlobalAtomics() {
        int n = 5000 + random.nextInt(3000);
        IntArray values = new IntArray(n);
        int[] expected = new int[ExampleKernels.HISTOGRAM_BINS];
        for (int i = 0; i < n; i++) {
            values.set(i, random.nextInt(Integer.MAX_VALUE));
            expected[values.get(i) % ExampleKernels.HISTOGRAM_BINS]++;
        }
        IntArray bins = new IntArray(ExampleKernels.HISTOGRAM_BINS);
        int local = ExampleKernels.HISTOGRAM_GROUP;
        run(ctx -> ExampleKernels.histogram(ctx, values, bins, n),
                new long[] {(long) (n + local - 1) / local * local}, new int[] {local});
        for (int b = 0; b < expected.length; b++) {
            assertEquals(expected[b], bins.get(b), "bin " + b + ", seed " + SEED);
        }
    }

    @Test
    void globalAtomicsUnderContentionLoseNoUpdate() {
        int global = 1 << 18;
        int binCount = 1 + random.nextInt(4);
        IntArray bins = new IntArray(binCount);
        run(ctx -> ExampleKernels.countModulo(ctx, bins, binCount), new long[] {global},
                new int[] {256}, Mode.INDEPENDENT);
        for (int b = 0; b < binCount; b++) {
            int expected = global / binCount + (b < global % binCount ? 1 : 0);
            assertEquals(expected, bins.get(b), "bin " + b + " of " + binCount + ", seed " + SEED);
        }
    }

    @Test
    void atomicAddReturnsTheOldValue() {
        int global = 4096;
        int local = 64;
        IntArray counter = new IntArray(1);
        IntArray owners = poisonedInts(global);
        FloatArray weights = new FloatArray(global);
        double exactTotal = 0;
        double[] exactGroupTotals = new double[global / local];
        for (int i = 0; i < global; i++) {
            weights.set(i, random.nextInt(8)); // small integers: every float sum below is exact
            exactTotal += weights.get(i);
            exactGroupTotals[i / local] += weights.get(i);
        }
        FloatArray total = new FloatArray(1);
        FloatArray groupTotals = poisoned(global / local);
        run(ctx -> ExampleKernels.tickets(ctx, counter, owners, weights, total, groupTotals),
                new long[] {global}, new int[] {local});
        assertEquals(global, counter.get(0));
        boolean[] seen = new boolean[global];
        for (int ticket = 0; ticket < global; ticket++) {
            int owner = owners.get(ticket);
            if (owner < 0 || owner >= global || seen[owner]) {
                fail("ticket " + ticket + " has owner " + owner + ": tickets must be a permutation, seed " + SEED);
            }
            seen[owner] = true;
        }
        assertEquals(exactTotal, total.get(0), "seed " + SEED);
        for (int g = 0; g < exactGroupTotals.length; g++) {
            assertEquals(exactGroupTotals[g], groupTotals.get(g), "group " + g + ", seed " + SEED);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void idsAndSizesIn2dAnd3dGrids(Mode mode) {
        checkIds(new long[] {12, 8}, new int[] {4, 2}, mode);
        checkIds(new long[] {4, 6, 4}, new int[] {2, 3, 2}, mode);
        checkIds(new long[] {96}, new int[] {32}, mode);
    }

    private void checkIds(long[] global, int[] local, Mode mode) {
        int[] g = {1, 1, 1};
        int[] l = {1, 1, 1};
        for (int d = 0; d < global.length; d++) {
            g[d] = (int) global[d];
            l[d] = local[d];
        }
        IntArray ids = poisonedInts(15 * g[0] * g[1] * g[2]);
        run(ctx -> ExampleKernels.recordIds(ctx, ids), global, local, mode);
        for (int z = 0; z < g[2]; z++) {
            for (int y = 0; y < g[1]; y++) {
                for (int x = 0; x < g[0]; x++) {
                    int base = 15 * (x + g[0] * (y + g[1] * z));
                    int[] expected = {x, y, z, x % l[0], y % l[1], z % l[2], x / l[0], y / l[1], z / l[2],
                        g[0], g[1], g[2], l[0], l[1], l[2]};
                    for (int k = 0; k < expected.length; k++) {
                        assertEquals(expected[k], ids.get(base + k), "id " + k + " of (" + x + ", " + y + ", " + z
                                + ") in " + Arrays.toString(global) + " / " + Arrays.toString(local));
                    }
                }
            }
        }
    }

    private FloatArray randomFloats(int n) {
        FloatArray array = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            array.set(i, random.nextFloat() * 2 - 1);
        }
        return array;
    }

    private static FloatArray poisoned(int n) {
        FloatArray array = new FloatArray(n);
        array.init(Float.NaN);
        return array;
    }

    private static IntArray poisonedInts(int n) {
        IntArray array = new IntArray(n);
        array.init(Integer.MIN_VALUE);
        return array;
    }
}
