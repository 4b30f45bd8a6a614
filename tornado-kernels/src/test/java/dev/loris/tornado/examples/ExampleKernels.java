package dev.loris.tornado.examples;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Small kernels written as every Loris kernel is: static, KernelContext first, arrays next, ints last.
 * The JVM runner tests run them; the device compilers can take the same methods as inputs.
 */
public final class ExampleKernels {
    public static final int HISTOGRAM_GROUP = 64;
    public static final int HISTOGRAM_BINS = 16;

    private ExampleKernels() {
    }

    /** out[i] = a * x[i] + y[i] for i < n. */
    public static void axpy(KernelContext ctx, float a, FloatArray x, FloatArray y, FloatArray out, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            out.set(i, a * x.get(i) + y.get(i));
        }
    }

    /**
     * Warp operations, one output array each, indexed by global id: shuffle down by {@code delta}, shuffle
     * xor by {@code mask}, int shuffles, warp sum, max and broadcast. Only the first warp of each group
     * computes {@code firstWarpSums} (the other warps skip that simd call, which is allowed).
     */
    public static void warpOps(KernelContext ctx, FloatArray in, int delta, int mask, FloatArray down, FloatArray xor,
                               IntArray intDown, IntArray intXor, FloatArray sum, FloatArray max, FloatArray first,
                               IntArray intSum, FloatArray firstWarpSums) {
        int i = ctx.globalIdx;
        float v = in.get(i);
        down.set(i, ctx.simdShuffleDown(v, delta));
        xor.set(i, ctx.simdShuffleXor(v, mask));
        intDown.set(i, ctx.simdShuffleDown(i, delta));
        intXor.set(i, ctx.simdShuffleXor(i, mask));
        sum.set(i, ctx.simdSum(v));
        max.set(i, ctx.simdMax(v));
        first.set(i, ctx.simdBroadcastFirst(v));
        intSum.set(i, ctx.simdSum(i));
        if (ctx.localIdx < KernelContext.WARP_SIZE) {
            firstWarpSums.set(i, ctx.simdSum(v * 2f));
        }
    }

    /** The warp sum by hand: shuffle down 16, 8, 4, 2, 1; lane 0 writes out[warp]. */
    public static void warpSumByShuffleDown(KernelContext ctx, FloatArray in, FloatArray out) {
        float v = in.get(ctx.globalIdx);
        for (int offset = KernelContext.WARP_SIZE / 2; offset > 0; offset /= 2) {
            v += ctx.simdShuffleDown(v, offset);
        }
        if (ctx.localIdx % KernelContext.WARP_SIZE == 0) {
            out.set(ctx.globalIdx / KernelContext.WARP_SIZE, v);
        }
    }

    /** The warp sum by an xor butterfly: every lane ends with the total and writes it to out[i]. */
    public static void warpSumByButterfly(KernelContext ctx, FloatArray in, FloatArray out) {
        float v = in.get(ctx.globalIdx);
        for (int mask = KernelContext.WARP_SIZE / 2; mask > 0; mask /= 2) {
            v += ctx.simdShuffleXor(v, mask);
        }
        out.set(ctx.globalIdx, v);
    }

    /**
     * Histogram of non-negative values[i] mod HISTOGRAM_BINS: counted per group in local memory with local atomics,
     * then merged into global bins with global atomics.
     */
    public static void histogram(KernelContext ctx, IntArray values, IntArray bins, int n) {
        int[] local = ctx.allocateIntLocalArray(HISTOGRAM_BINS);
        int lid = ctx.localIdx;
        if (lid < HISTOGRAM_BINS) {
            local[lid] = 0;
        }
        ctx.localBarrier();
        int i = ctx.globalIdx;
        if (i < n) {
            ctx.atomicAdd(local, values.get(i) % HISTOGRAM_BINS, 1);
        }
        ctx.localBarrier();
        if (lid < HISTOGRAM_BINS) {
            ctx.atomicAdd(bins, lid, local[lid]);
        }
    }

    /** bins[i % binCount] += 1 with global atomics only: heavy contention on few counters. */
    public static void countModulo(KernelContext ctx, IntArray bins, int binCount) {
        ctx.atomicAdd(bins, ctx.globalIdx % binCount, 1);
    }

    /**
     * Each work-item takes a ticket (the old value of a global atomic counter) and records its id under it,
     * and adds its weight to a float total, once globally and once through a local float accumulator.
     */
    public static void tickets(KernelContext ctx, IntArray counter, IntArray owners, FloatArray weights,
                               FloatArray total, FloatArray groupTotals) {
        float[] groupTotal = ctx.allocateFloatLocalArray(1);
        if (ctx.localIdx == 0) {
            groupTotal[0] = 0f;
        }
        ctx.localBarrier();
        int i = ctx.globalIdx;
        int ticket = ctx.atomicAdd(counter, 0, 1);
        owners.set(ticket, i);
        ctx.atomicAdd(total, 0, weights.get(i));
        ctx.atomicAdd(groupTotal, 0, weights.get(i));
        ctx.localBarrier();
        if (ctx.localIdx == 0) {
            groupTotals.set(ctx.groupIdx, groupTotal[0]);
        }
    }

    /** Writes the 15 ids and sizes of the work-item (x, y, z of each) to ids[15 * linear global id ...]. */
    public static void recordIds(KernelContext ctx, IntArray ids) {
        int base = 15 * (ctx.globalIdx + ctx.globalGroupSizeX * (ctx.globalIdy + ctx.globalGroupSizeY * ctx.globalIdz));
        ids.set(base, ctx.globalIdx);
        ids.set(base + 1, ctx.globalIdy);
        ids.set(base + 2, ctx.globalIdz);
        ids.set(base + 3, ctx.localIdx);
        ids.set(base + 4, ctx.localIdy);
        ids.set(base + 5, ctx.localIdz);
        ids.set(base + 6, ctx.groupIdx);
        ids.set(base + 7, ctx.groupIdy);
        ids.set(base + 8, ctx.groupIdz);
        ids.set(base + 9, ctx.globalGroupSizeX);
        ids.set(base + 10, ctx.globalGroupSizeY);
        ids.set(base + 11, ctx.globalGroupSizeZ);
        ids.set(base + 12, ctx.localGroupSizeX);
        ids.set(base + 13, ctx.localGroupSizeY);
        ids.set(base + 14, ctx.localGroupSizeZ);
    }
}
