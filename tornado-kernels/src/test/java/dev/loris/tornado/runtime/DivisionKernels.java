package dev.loris.tornado.runtime;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/**
 * Kernels whose divisors the tests choose, zero included, for the division-by-zero tests: one division per
 * kernel (so Java's own exception, from calling the kernel directly, gives the expected source line), and the
 * cases the compiler must not get wrong: constant divisors (no checks), an unused quotient (still checked), a
 * guarded loop-invariant division (never hoisted past its guard) and a division inside a called method.
 */
public final class DivisionKernels {
    private DivisionKernels() {
    }

    public static void intDivide(KernelContext ctx, IntArray a, IntArray b, IntArray out) {
        int i = ctx.globalIdx;
        out.set(i, a.get(i) / b.get(i));
    }

    public static void intRemainder(KernelContext ctx, IntArray a, IntArray b, IntArray out) {
        int i = ctx.globalIdx;
        out.set(i, a.get(i) % b.get(i));
    }

    public static void longDivide(KernelContext ctx, LongArray a, LongArray b, LongArray out) {
        int i = ctx.globalIdx;
        out.set(i, a.get(i) / b.get(i));
    }

    public static void longRemainder(KernelContext ctx, LongArray a, LongArray b, LongArray out) {
        int i = ctx.globalIdx;
        out.set(i, a.get(i) % b.get(i));
    }

    /** Divisors that are non-zero constants (-1 included): nothing to check, so no hidden parameters. */
    public static void constantDivisors(KernelContext ctx, IntArray a, IntArray out) {
        int i = ctx.globalIdx;
        int x = a.get(i);
        out.set(i, x / 7 + x % -3 + x / -1 + x % 2 + x / 4);
    }

    /** The quotient is never used; Java still throws when the divisor is 0. */
    public static void unusedQuotient(KernelContext ctx, IntArray b, IntArray out) {
        int i = ctx.globalIdx;
        int unused = 1000 / b.get(i);
        out.set(i, i);
    }

    /** x / divisor is loop-invariant but guarded: with divisor 0 it never runs, and must not fault. */
    public static void guardedInLoop(KernelContext ctx, IntArray a, IntArray out, int divisor, int n) {
        int i = ctx.globalIdx;
        int x = a.get(i);
        int sum = 0;
        for (int k = 0; k < n; k++) {
            if (divisor != 0) {
                sum += x / divisor;
            } else {
                sum += k;
            }
        }
        out.set(i, sum);
    }

    /** The division is in {@link #quotient}, which the compiler inlines: the report names it. */
    public static void helperDivide(KernelContext ctx, IntArray a, IntArray b, IntArray out) {
        int i = ctx.globalIdx;
        out.set(i, quotient(a.get(i), b.get(i)));
    }

    static int quotient(int x, int y) {
        return x / y;
    }

    /** A constant-trip loop the compiler unrolls: four divisions, one source position. */
    public static void unrolledDivisions(KernelContext ctx, IntArray a, IntArray b, IntArray out) {
        int i = ctx.globalIdx;
        int x = a.get(i);
        int y = b.get(i);
        int sum = 0;
        for (int k = 0; k < 4; k++) {
            sum += x / (y + k);
        }
        out.set(i, sum);
    }

    /** Parameters named like the hidden ones: the hidden ones must take other names. */
    public static void namedLikeTheFaultWord(KernelContext ctx, IntArray loris_fault_word, int loris_fault_base,
                                             IntArray out) {
        int i = ctx.globalIdx;
        out.set(i, loris_fault_word.get(i) / loris_fault_base);
    }
}
