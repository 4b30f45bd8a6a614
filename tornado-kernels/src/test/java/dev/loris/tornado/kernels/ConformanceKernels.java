package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Kernels for {@link JavaConformanceTest}, one per defect found by conformance testing (issue 16). Each
 * kernel's work is a static helper the compiler inlines, so the test computes what Java says by calling the
 * same helper on the host: Java is the specification, every backend must agree with it bit for bit.
 */
final class ConformanceKernels {
    private ConformanceKernels() {
    }

    /** A do-while whose trip count is a constant once {@code limit} is (it crashed the unroller). */
    static int doWhileSteps(int start, int limit) {
        int j = start;
        do {
            j += 3;
        } while (j < limit);
        return j;
    }

    /** {@code while (true)} left by one break: a one-block loop, like the do-while. */
    static int breakLoopSteps(int start, int limit) {
        int j = start;
        int products = 1;
        while (true) {
            j += 3;
            products = products * 7 + j;
            if (j >= limit) {
                break;
            }
        }
        return products;
    }

    /**
     * out[i] = doWhileSteps(start, limit) + i and out[n + i] = breakLoopSteps(start, limit) + i, for i < n:
     * a loop on scalar parameters, compiled as a loop, or unrolled once the caller fixes both as constants.
     */
    static void oneBlockLoops(KernelContext ctx, IntArray out, int n, int start, int limit) {
        int i = ctx.globalIdx;
        if (i < n) {
            out.set(i, doWhileSteps(start, limit) + i);
            out.set(n + i, breakLoopSteps(start, limit) + i);
        }
    }

    /** The same loops with start and limit both constants: the whole loop folds away. */
    static void constantLoops(KernelContext ctx, IntArray out) {
        int i = ctx.globalIdx;
        if (i == 0) {
            out.set(0, doWhileSteps(0, 4));
            out.set(1, breakLoopSteps(0, 4));
            out.set(2, doWhileSteps(0, 100));
            out.set(3, breakLoopSteps(1, 11));
        }
    }
}
