package dev.loris.tornado.runtime;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The four one-division kernels of {@link DivisionKernels} (int and long, quotient and remainder) with what
 * the tests need around them: operands as host arrays of the kernel's type, Java's results, and the source
 * position Java's own exception names when the kernel is called directly with a zero divisor.
 */
enum Division {
    INT_DIVIDE("intDivide", false), INT_REMAINDER("intRemainder", false),
    LONG_DIVIDE("longDivide", true), LONG_REMAINDER("longRemainder", true);

    final String kernel;
    final boolean wide;

    Division(String kernel, boolean wide) {
        this.kernel = kernel;
        this.wide = wide;
    }

    /**
     * {@code n} divisors or dividends: a mix of full-range values, small ones of both signs, and the edges
     * MIN, MAX, -1 and 1; never 0 (tests put zeros where they want them).
     */
    long[] operands(Random random, int n) {
        long min = wide ? Long.MIN_VALUE : Integer.MIN_VALUE;
        long max = wide ? Long.MAX_VALUE : Integer.MAX_VALUE;
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            long v = switch (random.nextInt(6)) {
                case 0 -> wide ? random.nextLong() : random.nextInt();
                case 1 -> random.nextInt(41) - 20;
                case 2 -> min;
                case 3 -> -1;
                case 4 -> max;
                default -> 1 + random.nextInt(1000);
            };
            values[i] = v == 0 ? 7 : v;
        }
        return values;
    }

    TornadoNativeArray hostArray(long[] values) {
        if (wide) {
            return LongArray.fromArray(values);
        }
        IntArray array = new IntArray(values.length);
        for (int i = 0; i < values.length; i++) {
            array.set(i, (int) values[i]);
        }
        return array;
    }

    TornadoNativeArray hostArray(int n) {
        return wide ? new LongArray(n) : new IntArray(n);
    }

    Class<? extends TornadoNativeArray> arrayType() {
        return wide ? LongArray.class : IntArray.class;
    }

    /** Java's result for one pair (the divisor is not 0). */
    long javaResult(long a, long b) {
        boolean quotient = this == INT_DIVIDE || this == LONG_DIVIDE;
        if (wide) {
            return quotient ? a / b : a % b;
        }
        return quotient ? (int) a / (int) b : (int) a % (int) b;
    }

    /** Asserts that {@code out} holds Java's result for every pair. */
    void assertJavaResults(long[] a, long[] b, TornadoNativeArray out, String context) {
        for (int i = 0; i < a.length; i++) {
            long actual = wide ? ((LongArray) out).get(i) : ((IntArray) out).get(i);
            int index = i;
            assertEquals(javaResult(a[i], b[i]), actual,
                    () -> kernel + "(" + a[index] + ", " + b[index] + ") at " + index + ", " + context);
        }
    }

    /** Where the JVM throws when this kernel divides by zero: the kernel called directly, as plain Java. */
    StackTraceElement javaSite() {
        try {
            KernelContext single = new KernelContext();
            switch (this) {
                case INT_DIVIDE -> DivisionKernels.intDivide(single, ints(5), ints(0), new IntArray(1));
                case INT_REMAINDER -> DivisionKernels.intRemainder(single, ints(5), ints(0), new IntArray(1));
                case LONG_DIVIDE -> DivisionKernels.longDivide(single, longs(5), longs(0), new LongArray(1));
                case LONG_REMAINDER -> DivisionKernels.longRemainder(single, longs(5), longs(0), new LongArray(1));
            }
        } catch (ArithmeticException e) {
            return e.getStackTrace()[0];
        }
        return fail(kernel + " did not throw for a zero divisor when called as Java");
    }

    private static IntArray ints(int value) {
        return IntArray.fromArray(new int[] {value});
    }

    private static LongArray longs(long value) {
        return LongArray.fromArray(new long[] {value});
    }
}
