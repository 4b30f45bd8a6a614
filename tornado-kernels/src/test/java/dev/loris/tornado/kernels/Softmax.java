package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;

/**
 * Softmax over each row of a row-major f32 matrix: out = exp(x - max) / sum(exp(x - max)), the max taken
 * first so exp never overflows. One work-group per row and three strided passes over the row (max, sum of
 * exponentials, write), each pass reduced with a tree in local memory.
 *
 * <p>Grid: global = {rows * L}, local = {L}, L a power of two at most {@link #MAX_GROUP}; any cols from 1.
 *
 * <p>Tolerance: within 1e-5 relative of a double-precision softmax of the same inputs for |x| up to ~20
 * (exp's few ulp, the rounding of x - max, the f32 sum and the division).
 */
public final class Softmax {
    public static final int MAX_GROUP = 256;

    private Softmax() {
    }

    public static void softmax(KernelContext ctx, FloatArray x, FloatArray out, int cols) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_GROUP);
        long rowStart = (long) ctx.groupIdx * cols;
        float max = Float.NEGATIVE_INFINITY;
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            max = Math.max(max, x.get(rowStart + c));
        }
        max = BlockReductions.max(ctx, partial, max);
        float sum = 0f;
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            sum += TornadoMath.exp(x.get(rowStart + c) - max);
        }
        sum = BlockReductions.sum(ctx, partial, sum);
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            out.set(rowStart + c, TornadoMath.exp(x.get(rowStart + c) - max) / sum);
        }
    }

    /** In double, rounded once per element. */
    public static float[] softmaxReference(float[] x, int cols) {
        float[] out = new float[x.length];
        for (int start = 0; start < x.length; start += cols) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, x[start + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(x[start + c] - max);
            }
            for (int c = 0; c < cols; c++) {
                out[start + c] = (float) (Math.exp(x[start + c] - max) / sum);
            }
        }
        return out;
    }
}
