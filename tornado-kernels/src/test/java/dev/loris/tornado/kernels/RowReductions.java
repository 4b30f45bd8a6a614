package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;

/**
 * Per-row sum and maximum of a row-major f32 matrix: one work-group per row, each work-item striding over
 * the row (consecutive work-items read consecutive elements), then a tree in local memory.
 *
 * <p>Grid: global = {rows * L}, local = {L} with L a power of two, at most {@link #MAX_GROUP}. The row count
 * is the number of groups; {@code cols} may be anything from 1 up (work-items past the row add nothing).
 *
 * <p>Tolerances: max is exact (order does not matter). The sum is an f32 sum in a fixed order that differs
 * from a sequential loop: within {@code 1e-5 * sum|x|} of the exact sum for rows up to ~10^5 elements.
 */
public final class RowReductions {
    /** The largest work-group these kernels take: the size of their local array. */
    public static final int MAX_GROUP = 256;

    private RowReductions() {
    }

    public static void rowSum(KernelContext ctx, FloatArray matrix, FloatArray sums, int cols) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_GROUP);
        long rowStart = (long) ctx.groupIdx * cols;
        float acc = 0f;
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            acc += matrix.get(rowStart + c);
        }
        float total = BlockReductions.sum(ctx, partial, acc);
        if (ctx.localIdx == 0) {
            sums.set(ctx.groupIdx, total);
        }
    }

    public static void rowMax(KernelContext ctx, FloatArray matrix, FloatArray maxima, int cols) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_GROUP);
        long rowStart = (long) ctx.groupIdx * cols;
        float acc = Float.NEGATIVE_INFINITY;
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            acc = Math.max(acc, matrix.get(rowStart + c));
        }
        float total = BlockReductions.max(ctx, partial, acc);
        if (ctx.localIdx == 0) {
            maxima.set(ctx.groupIdx, total);
        }
    }

    /** Row sums in double, rounded once: the exact answer the kernel's f32 sum is checked against. */
    public static float[] rowSumReference(float[] matrix, int cols) {
        float[] sums = new float[matrix.length / cols];
        for (int r = 0; r < sums.length; r++) {
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += matrix[r * cols + c];
            }
            sums[r] = (float) sum;
        }
        return sums;
    }

    public static float[] rowMaxReference(float[] matrix, int cols) {
        float[] maxima = new float[matrix.length / cols];
        for (int r = 0; r < maxima.length; r++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, matrix[r * cols + c]);
            }
            maxima[r] = max;
        }
        return maxima;
    }
}
