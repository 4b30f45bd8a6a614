package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/** Kernels whose scalar arguments the optimisation tests fix as constants. */
final class FoldingKernels {
    static final int INT_RESULTS = 20;
    static final int LONG_RESULTS = 9;
    static final int FLOAT_RESULTS = 14;

    private FoldingKernels() {
    }

    /** Every integer and float operation on its arguments; specialised, all of it folds to constants. */
    static void arithmetic(KernelContext ctx, IntArray ints, LongArray longs, FloatArray floats,
                           int a, int b, long c, float x, float y) {
        if (ctx.globalIdx != 0) {
            return;
        }
        int nonzero = b == 0 ? 7 : b;
        ints.set(0, a + b);
        ints.set(1, a - b);
        ints.set(2, a * b);
        ints.set(3, a / nonzero);
        ints.set(4, a % nonzero);
        ints.set(5, a << b);
        ints.set(6, a >> b);
        ints.set(7, a >>> b);
        ints.set(8, a & b ^ (a | b));
        ints.set(9, Math.min(a, b) - Math.max(a, b));
        ints.set(10, (byte) a + (short) b + (char) a);
        ints.set(11, (int) x);
        ints.set(12, (int) c);
        ints.set(13, a < b ? 1 : x < y ? 2 : 3);
        ints.set(14, Float.floatToRawIntBits(x));
        ints.set(15, a * 8 + b * 1 + (a - a) + (b | 0));
        ints.set(16, x != x ? 1 : x >= y ? 2 : 0);
        ints.set(17, Math.abs(a));
        ints.set(18, -a);
        ints.set(19, (int) (c >> b) + (int) (c >>> (b + 3)));
        longs.set(0, c + a);
        longs.set(1, c * b);
        longs.set(2, c / (nonzero | 1));
        longs.set(3, c % (nonzero | 1));
        longs.set(4, c << a);
        longs.set(5, (long) x);
        longs.set(6, Double.doubleToRawLongBits(x * (double) y));
        longs.set(7, (long) a * 4);
        longs.set(8, c ^ (c >>> 7));
        floats.set(0, x + y);
        floats.set(1, x - y);
        floats.set(2, x * y);
        floats.set(3, x / y);
        floats.set(4, Math.abs(x) - -y);
        floats.set(5, Math.min(x, y));
        floats.set(6, Math.max(x, y));
        floats.set(7, (float) a);
        floats.set(8, (float) c);
        floats.set(9, Math.fma(x, y, 1.5f));
        floats.set(10, (float) Math.sqrt(Math.abs(x)));
        floats.set(11, x * 1f + -0f);
        floats.set(12, (float) Math.floor(y) + (float) Math.ceil(x));
        floats.set(13, Float.intBitsToFloat(a));
    }

    /** A loop whose bound and a branch depend on arguments the tests fix. */
    static void specialised(KernelContext ctx, FloatArray out, int mode, int count) {
        int i = ctx.globalIdx;
        float acc = 0f;
        for (int k = 0; k < count; k++) {
            acc += k * 0.5f;
        }
        if (mode == 1) {
            out.set(i, acc);
        } else {
            out.set(i, -acc);
        }
    }

    /** An index expression used three times and a product that never changes inside the loop. */
    static void invariantAndCommon(KernelContext ctx, FloatArray x, FloatArray y, int rows, int cols) {
        int row = ctx.globalIdx;
        float acc = 0f;
        for (int c = 0; c < cols; c++) {
            acc += x.get(row * cols + c) * y.get(row * cols + c);
        }
        y.set(row * cols, acc);
    }

    /**
     * FlashAttention's mask in small: a short-circuit condition kept in a boolean, then a ternary on it. The
     * ternary becomes a select; the short-circuit chain stays branches (see IfConversion).
     */
    static void maskedScores(KernelContext ctx, IntArray keys, FloatArray scores, int first, int last, float scale) {
        int i = ctx.globalIdx;
        int key = keys.get(i);
        float raw = scores.get(i);
        boolean seen = key >= first && key <= last;
        scores.set(i, seen ? scale * raw : Float.NEGATIVE_INFINITY);
    }
}
