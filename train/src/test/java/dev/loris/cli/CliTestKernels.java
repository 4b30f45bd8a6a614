package dev.loris.cli;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.IntArray;

/** Kernels with every kind of scalar parameter, for {@code loris kernel --constant} (KernelCommandTest). */
final class CliTestKernels {
    private CliTestKernels() {
    }

    static void scalars(KernelContext ctx, IntArray out, byte b, short s, char c, boolean flag, long l) {
        int i = ctx.globalIdx;
        out.set(i, b + s + c + (flag ? 1 : 0) + (int) l);
    }
}
