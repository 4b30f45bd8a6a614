package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Counting: bins[v] += number of i < n with values[i] == v, for values in [0, binCount). Added to what the
 * bins hold, so a caller zeroes them first (or accumulates over several launches). Values outside the range
 * are the caller's error and write out of bounds, as torch.bincount's kernels would.
 *
 * <p>{@link #countGlobal} does one global atomic per element: simple, slow when many elements hit few bins.
 * {@link #countPrivatised} counts into a work-group copy of the bins in local memory (local atomics), then
 * adds each non-zero local count to the global bins once per group; binCount at most {@link #LOCAL_BINS}.
 *
 * <p>Grid: grid-stride over the values, global = {G}, local = {L}, any G multiple of L. Exact.
 */
public final class Histogram {
    public static final int LOCAL_BINS = 256;

    private Histogram() {
    }

    public static void countGlobal(KernelContext ctx, IntArray values, IntArray bins, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            ctx.atomicAdd(bins, values.get(i), 1);
        }
    }

    public static void countPrivatised(KernelContext ctx, IntArray values, IntArray bins, long n, int binCount) {
        int[] local = ctx.allocateIntLocalArray(LOCAL_BINS);
        for (int b = ctx.localIdx; b < binCount; b += ctx.localGroupSizeX) {
            local[b] = 0;
        }
        ctx.localBarrier();
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            ctx.atomicAdd(local, values.get(i), 1);
        }
        ctx.localBarrier();
        for (int b = ctx.localIdx; b < binCount; b += ctx.localGroupSizeX) {
            int count = local[b];
            if (count != 0) {
                ctx.atomicAdd(bins, b, count);
            }
        }
    }

    public static int[] countReference(int[] values, int binCount) {
        int[] bins = new int[binCount];
        for (int v : values) {
            bins[v]++;
        }
        return bins;
    }
}
