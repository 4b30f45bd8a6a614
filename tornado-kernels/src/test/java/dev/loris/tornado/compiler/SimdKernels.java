package dev.loris.tornado.compiler;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Kernels using every simd operation in control flow the whole work-group shares (so that every OpenCL way of
 * lowering them applies), for SimdOnOpenClTest; and two that only part of a group reaches.
 */
public final class SimdKernels {
    /** Float results per work-item of {@link #everyOperation}. */
    static final int FLOAT_RESULTS = 5;
    /** Int results per work-item of {@link #everyOperation}. */
    static final int INT_RESULTS = 3;

    private SimdKernels() {
    }

    /**
     * Each work-item exchanges its own float and int with its own delta and mask (any int, so the rules for
     * sources outside the warp are exercised), then takes the warp's sum, max and lane 0's value.
     */
    public static void everyOperation(KernelContext ctx, FloatArray values, IntArray ints, IntArray deltas,
                                      IntArray masks, FloatArray floatsOut, IntArray intsOut) {
        int i = ctx.globalIdx;
        float v = values.get(i);
        int k = ints.get(i);
        int delta = deltas.get(i);
        int mask = masks.get(i);
        long f = (long) FLOAT_RESULTS * i;
        floatsOut.set(f, ctx.simdShuffleDown(v, delta));
        floatsOut.set(f + 1, ctx.simdShuffleXor(v, mask));
        floatsOut.set(f + 2, ctx.simdSum(v));
        floatsOut.set(f + 3, ctx.simdMax(v));
        floatsOut.set(f + 4, ctx.simdBroadcastFirst(v));
        long n = (long) INT_RESULTS * i;
        intsOut.set(n, ctx.simdShuffleDown(k, delta));
        intsOut.set(n + 1, ctx.simdShuffleXor(k, mask));
        intsOut.set(n + 2, ctx.simdSum(k));
    }

    /**
     * simd operations in a loop whose trip count is a kernel argument (the same for the whole group), over a
     * 2D grid, where lanes are linear local ids: out[y][x] after {@code rounds} rounds of sum and shuffle.
     */
    public static void roundsIn2d(KernelContext ctx, FloatArray values, FloatArray out, int rounds) {
        int i = ctx.globalIdy * ctx.globalGroupSizeX + ctx.globalIdx;
        float v = values.get(i);
        for (int r = 0; r < rounds; r++) {
            v = ctx.simdSum(v) * 0.125f + ctx.simdShuffleDown(v, r + 1);
        }
        out.set(i, v);
    }

    /** The warp sum by shuffling down 16, 8, 4, 2, 1 (unrolled by the compiler); every lane writes its value. */
    public static void shuffleDownTree(KernelContext ctx, FloatArray values, FloatArray out) {
        float v = values.get(ctx.globalIdx);
        for (int offset = KernelContext.WARP_SIZE / 2; offset > 0; offset /= 2) {
            v += ctx.simdShuffleDown(v, offset);
        }
        out.set(ctx.globalIdx, v);
    }

    /** A branch on a kernel argument, the same for the whole group: fine for every lowering. */
    public static void underUniformBranch(KernelContext ctx, FloatArray values, FloatArray out, int n) {
        int i = ctx.globalIdx;
        float v = values.get(i);
        if (n > 3) {
            v = ctx.simdSum(v);
        }
        out.set(i, v);
    }

    /** A branch on data: the group may split. */
    public static void underDataBranch(KernelContext ctx, FloatArray values, FloatArray out) {
        int i = ctx.globalIdx;
        float v = values.get(i);
        if (v > 0) {
            v = ctx.simdSum(v);
        }
        out.set(i, v);
    }

    /** A loop whose trip count depends on the work-item. */
    public static void inIdDependentLoop(KernelContext ctx, FloatArray values, FloatArray out) {
        int i = ctx.globalIdx;
        float v = values.get(i);
        for (int r = 0; r < ctx.localIdx % 3; r++) {
            v = ctx.simdSum(v);
        }
        out.set(i, v);
    }

    /** Only the first warp of each group sums: fine for warps, not for a fallback that needs the whole group. */
    public static void firstWarpOnly(KernelContext ctx, FloatArray values, FloatArray out) {
        int i = ctx.globalIdx;
        if (ctx.localIdx < KernelContext.WARP_SIZE) {
            out.set(i, ctx.simdSum(values.get(i)));
        }
    }

    /** An early return for work-items past n, then a warp sum. */
    public static void afterEarlyReturn(KernelContext ctx, FloatArray values, FloatArray out, int n) {
        int i = ctx.globalIdx;
        if (i >= n) {
            return;
        }
        out.set(i, ctx.simdSum(values.get(i)));
    }
}
