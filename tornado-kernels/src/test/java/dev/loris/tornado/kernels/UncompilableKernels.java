package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Kernels that must not compile. {@link CompileErrorsTest} expects each error to name this class, the kernel
 * and the line marked {@code // error: <kernel>} (issue 16 found messages without a line, naming a line of
 * java.lang.Math, or naming only "kernel line N").
 */
final class UncompilableKernels {
    private static final Object LOCK = new Object();

    private UncompilableKernels() {
    }

    static void tryCatch(KernelContext ctx, IntArray out) {
        try {
            out.set(ctx.globalIdx, 1); // error: tryCatch
        } catch (RuntimeException e) {
            out.set(0, 2);
        }
    }

    static void synchronizedBlock(KernelContext ctx, IntArray out) {
        synchronized (LOCK) { // error: synchronizedBlock
            out.set(ctx.globalIdx, 1);
        }
    }

    static void atan2(KernelContext ctx, FloatArray out) {
        out.set(ctx.globalIdx, (float) Math.atan2(1.0, ctx.globalIdx)); // error: atan2
    }

    static void addExact(KernelContext ctx, IntArray out) {
        out.set(ctx.globalIdx, Math.addExact(ctx.globalIdx, 7)); // error: addExact
    }

    static void nullArray(KernelContext ctx, IntArray out) {
        IntArray other = null; // error: nullArray
        if (ctx.globalIdx > 5) {
            other = out;
        }
        other.set(0, 1);
    }

    /** Compiles for OpenCL, but PTX cannot index a work-item's own array with a value known only at run time. */
    static void privateArrayDynamicIndex(KernelContext ctx, IntArray out, int k) {
        int[] own = new int[4];
        own[k & 3] = ctx.globalIdx; // error: privateArrayDynamicIndex
        out.set(ctx.globalIdx, own[(k + 1) & 3]);
    }

    /** The same in a helper: the error names the kernel, then the helper's line. */
    static void privateArrayInHelper(KernelContext ctx, IntArray out, int k) {
        out.set(ctx.globalIdx, storeAndLoad(ctx.globalIdx, k));
    }

    private static int storeAndLoad(int value, int k) {
        int[] own = new int[4];
        own[k & 3] = value; // error: privateArrayInHelper
        return own[(k + 1) & 3];
    }

    /** The PTX emitter has no double-precision sine. */
    static void doubleSine(KernelContext ctx, FloatArray out) {
        out.set(ctx.globalIdx, (float) helperSine(ctx.globalIdx));
    }

    private static double helperSine(int i) {
        return dev.loris.tornado.api.math.TornadoMath.sin((double) i); // error: doubleSine
    }
}
