package dev.loris.tornado.runtime;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.examples.ExampleKernels;
import dev.loris.tornado.kernels.RowReductions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the execution-layer tests run and compare with: a kernel echoing every scalar type (to check the
 * argument ABI end to end), random inputs, and the plain-Java twins of the kernels they launch
 * ({@link ExampleKernels#axpy}, and {@link RowReductions#rowSum} for local memory and barriers).
 */
public final class ExecTestKernels {
    private ExecTestKernels() {
    }

    /** Work-item 0 writes every scalar it was given (floats as their bits) and its array's length into out. */
    public static void echoScalars(KernelContext ctx, LongArray out, int i, long l, float f, double d, byte b,
                                   short s, char c, boolean flag) {
        if (ctx.globalIdx == 0) {
            out.set(0, i);
            out.set(1, l);
            out.set(2, Float.floatToRawIntBits(f));
            out.set(3, Double.doubleToRawLongBits(d));
            out.set(4, b);
            out.set(5, s);
            out.set(6, c);
            out.set(7, flag ? 1 : 0);
            out.set(8, out.getSize()); // after the ternary's merge: out arrives as a phi, with its length
        }
    }

    /** {@code n} floats uniform in [-1, 1). */
    public static FloatArray randomFloats(Random random, int n) {
        FloatArray array = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            array.set(i, random.nextFloat() * 2 - 1);
        }
        return array;
    }

    /** {@code n} NaNs: an output nobody wrote stays NaN and fails any comparison. */
    public static FloatArray poisoned(int n) {
        FloatArray array = new FloatArray(n);
        array.init(Float.NaN);
        return array;
    }

    /** out = a * x + y, exactly as Java computes it (no contraction into fma on either side). */
    public static void assertAxpy(float a, FloatArray x, FloatArray y, FloatArray out, String context) {
        for (int i = 0; i < out.getSize(); i++) {
            assertEquals(a * x.get(i) + y.get(i), out.get(i), 0f, context + " i " + i);
        }
    }

    /**
     * sums[r] is the sum of row r of the row-major {@code matrix}: within 1e-5 of the sum of the magnitudes,
     * room for float rounding in any order of addition.
     */
    public static void assertRowSums(FloatArray matrix, FloatArray sums, int cols, String context) {
        for (int r = 0; r < sums.getSize(); r++) {
            double expected = 0;
            double magnitude = 0;
            for (int c = 0; c < cols; c++) {
                float v = matrix.get(r * cols + c);
                expected += v;
                magnitude += Math.abs(v);
            }
            assertEquals(expected, sums.get(r), 1e-5 * magnitude, context + " row " + r);
        }
    }
}
