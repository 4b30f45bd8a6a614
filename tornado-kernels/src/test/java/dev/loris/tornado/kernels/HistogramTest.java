package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.IntArray;

import java.lang.reflect.Method;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Both histogram kernels, exact. Bins cannot be poisoned (the kernels add to them), so they start at random
 * offsets instead: a bin the kernel skipped or overwrote shows as a wrong total.
 */
class HistogramTest {
    @AcrossBackends
    void globalAtomicsCountExactly(SuiteAccelerator backend) {
        check(backend, SuiteInputs.kernel(Histogram.class, "countGlobal"), false);
    }

    @AcrossBackends
    void privatisedLocalAtomicsCountExactly(SuiteAccelerator backend) {
        check(backend, SuiteInputs.kernel(Histogram.class, "countPrivatised"), true);
    }

    private static void check(SuiteAccelerator backend, Method kernel, boolean takesBinCount) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 100_000);
        // Few bins make heavy contention on each counter; many spread it.
        int binCount = in.random.nextBoolean() ? in.between(1, 8) : in.between(9, Histogram.LOCAL_BINS);
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.random.nextInt(binCount);
        }
        int[] offsets = new int[binCount];
        for (int b = 0; b < binCount; b++) {
            offsets[b] = in.random.nextInt(1000);
        }
        IntArray bins = IntArray.fromArray(offsets);
        int[] grid = in.strideGrid(n, 64);
        if (takesBinCount) {
            backend.run(kernel, grid, new int[] {64}, IntArray.fromArray(values), bins, (long) n, binCount);
        } else {
            backend.run(kernel, grid, new int[] {64}, IntArray.fromArray(values), bins, (long) n);
        }
        int[] counts = Histogram.countReference(values, binCount);
        for (int b = 0; b < binCount; b++) {
            assertEquals(offsets[b] + counts[b], bins.get(b),
                    in.at(backend, "bin " + b + " of " + binCount + ", " + n + " values, grid " + grid[0]));
        }
    }
}
