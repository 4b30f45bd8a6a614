package dev.loris.tornado.runtime;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/**
 * Kernels for the execution-layer tests, each with a plain-Java twin in the tests: an element-wise one, a
 * local-memory reduction (barriers, so the JVM runs it cooperatively), and one that echoes every scalar
 * type, to check the argument ABI end to end.
 */
public final class ExecTestKernels {
    /** Work-group size of {@link #blockSum}; a compile-time constant, as local array sizes must be. */
    public static final int BLOCK = 64;

    private ExecTestKernels() {
    }

    /** out[i] = a * x[i] + y[i] for i < n. */
    public static void axpy(KernelContext ctx, float a, FloatArray x, FloatArray y, FloatArray out, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            out.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** partials[g] = sum of in[g*BLOCK .. g*BLOCK+BLOCK) (elements past n count as 0), by a tree in local memory. */
    public static void blockSum(KernelContext ctx, FloatArray in, FloatArray partials, int n) {
        float[] local = ctx.allocateFloatLocalArray(BLOCK);
        int lid = ctx.localIdx;
        int i = ctx.globalIdx;
        local[lid] = i < n ? in.get(i) : 0f;
        for (int stride = BLOCK / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lid < stride) {
                local[lid] += local[lid + stride];
            }
        }
        if (lid == 0) {
            partials.set(ctx.groupIdx, local[0]);
        }
    }

    /** Work-item 0 writes every scalar it was given (floats as their bits) and its array's length into out. */
    public static void echoScalars(KernelContext ctx, LongArray out, int i, long l, float f, double d, byte b,
                                   short s, char c, boolean flag) {
        int length = out.getSize(); // read before the branch: the compiler cannot yet take it inside one
        if (ctx.globalIdx == 0) {
            out.set(0, i);
            out.set(1, l);
            out.set(2, Float.floatToRawIntBits(f));
            out.set(3, Double.doubleToRawLongBits(d));
            out.set(4, b);
            out.set(5, s);
            out.set(6, c);
            out.set(7, flag ? 1 : 0);
            out.set(8, length);
        }
    }
}
