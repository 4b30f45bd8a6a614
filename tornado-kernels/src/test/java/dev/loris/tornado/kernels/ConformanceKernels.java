package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;

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

    /** Conversion results per input pair, in {@link #conversions}' output rows. */
    static final int INT_RESULTS = 8;
    static final int LONG_RESULTS = 5;

    /**
     * Every float/double to int/long conversion, Math.round, f16 and bf16 rounding of float {@code f}, and
     * the sign-bit operations abs and negation, as raw bits: NaN must give 0, NaN bits must survive as Java's.
     */
    static void conversions(KernelContext ctx, IntArray floatBits, LongArray doubleBits, IntArray ints,
                            LongArray longs, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            float f = Float.intBitsToFloat(floatBits.get(i));
            double d = Double.longBitsToDouble(doubleBits.get(i));
            for (int k = 0; k < INT_RESULTS; k++) {
                ints.set(i * INT_RESULTS + k, intConversion(k, f, d));
            }
            for (int k = 0; k < LONG_RESULTS; k++) {
                longs.set(i * LONG_RESULTS + k, longConversion(k, f, d));
            }
        }
    }

    /** Conversion {@code k} (a constant once the kernel's loop is unrolled) of f or d. */
    static int intConversion(int k, float f, double d) {
        if (k == 0) {
            return (int) f;
        } else if (k == 1) {
            return (int) d;
        } else if (k == 2) {
            return Math.round(f);
        } else if (k == 3) {
            return TornadoMath.floatToHalf(f);
        } else if (k == 4) {
            return TornadoMath.floatToBfloat16(f);
        } else if (k == 5) {
            return Float.floatToRawIntBits(TornadoMath.halfToFloat((short) Float.floatToRawIntBits(f)));
        } else if (k == 6) {
            return Float.floatToRawIntBits(Math.abs(f));
        }
        return Float.floatToRawIntBits(-f);
    }

    static long longConversion(int k, float f, double d) {
        if (k == 0) {
            return (long) f;
        } else if (k == 1) {
            return (long) d;
        } else if (k == 2) {
            return Math.round(d);
        } else if (k == 3) {
            return Double.doubleToRawLongBits(Math.abs(d));
        }
        return Double.doubleToRawLongBits(-d);
    }

    /** Math.min and Math.max of doubles (given as bits), as bits: NaN and signed zeros as Java has them. */
    static void doubleMinMax(KernelContext ctx, LongArray a, LongArray b, LongArray out, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            double x = Double.longBitsToDouble(a.get(i));
            double y = Double.longBitsToDouble(b.get(i));
            out.set(2 * i, Double.doubleToRawLongBits(Math.min(x, y)));
            out.set(2 * i + 1, Double.doubleToRawLongBits(Math.max(x, y)));
        }
    }

    /**
     * A parameter named like the array a's hidden length parameter: out[i] = a[i] + a.getSize() * 1000 +
     * a_length, for i < min(a_length, a's size). The OpenCL build and the PTX declared a_length twice.
     */
    static void lengthNameClash(KernelContext ctx, FloatArray a, int a_length, FloatArray out) {
        int i = ctx.globalIdx;
        if (i < a_length && i < a.getSize()) {
            out.set(i, a.get(i) + a.getSize() * 1000 + a_length);
        }
    }

    /** Non-ASCII names (legal Java): ptxas rejected the PTX, which used them as identifiers. */
    static void größe(KernelContext ctx, FloatArray wärme, int länge, FloatArray 出力) {
        int i = ctx.globalIdx;
        if (i < länge) {
            出力.set(i, wärme.get(i) * 2f);
        }
    }

    /** out[0] = a.getSize(): Java throws for 2^31 elements or more, so launches refuse such an a. */
    static void sizeAsInt(KernelContext ctx, ByteArray a, IntArray out) {
        if (ctx.globalIdx == 0) {
            out.set(0, a.getSize());
        }
    }

    /** out[0] = a.length(), a long: fine for any size. */
    static void sizeAsLong(KernelContext ctx, ByteArray a, LongArray out) {
        if (ctx.globalIdx == 0) {
            out.set(0, a.length());
        }
    }

    /** Nothing: for grids that must be refused before anything runs. */
    static void nothing(KernelContext ctx, IntArray out) {
        if (ctx.globalIdx < 0) {
            out.set(0, ctx.globalIdx);
        }
    }

    /**
     * One source for every floating-point element type: out[i] = round(x[i] * factor) + y[i] (rounded to out's
     * type), summed over the row of x[i]'s length; compiled once per combination of array classes.
     */
    static void generic(KernelContext ctx, FloatingPointArray x, FloatingPointArray y, FloatingPointArray out,
                        float factor) {
        int i = ctx.globalIdx;
        if (i < out.length()) {
            genericAt(x, y, out, factor, i);
        }
    }

    static void genericAt(FloatingPointArray x, FloatingPointArray y, FloatingPointArray out, float factor, int i) {
        out.setFloat(i, out.round(x.getFloat(i) * factor) + y.getFloat((long) i) + x.getSize() % 3);
    }

    /**
     * The 16-bit conversions of scalar parameters: with the parameters fixed as constants their inputs are
     * constants, which crashed the constant folder (a ClassCastException, found by the differential ring).
     */
    static void halfConversionsOfScalars(KernelContext ctx, IntArray out, int h, float f) {
        if (ctx.globalIdx == 0) {
            halfConversionsAt(out, h, f);
        }
    }

    static void halfConversionsAt(IntArray out, int h, float f) {
        out.set(0, Float.floatToRawIntBits(Float.float16ToFloat((short) h)));
        out.set(1, Float.floatToFloat16(f));
        out.set(2, Float.floatToRawIntBits(TornadoMath.bfloat16ToFloat((short) h)));
        out.set(3, TornadoMath.floatToBfloat16(f));
        out.set(4, Float.floatToRawIntBits(TornadoMath.halfToFloat((short) h)));
        out.set(5, TornadoMath.floatToHalf(f));
    }

    /**
     * floor and ceil of NaNs the device compiler can prove (NaN / x): PoCL dropped the stores of such results
     * or gave 0 (found by the differential ring). out gets raw bits: double results, then float ones.
     */
    static void floorCeilOfProvableNaN(KernelContext ctx, LongArray out, float x) {
        if (ctx.globalIdx == 0) {
            floorCeilAt(out, x);
        }
    }

    static void floorCeilAt(LongArray out, float x) {
        float nan = Float.intBitsToFloat(0x7FC00000) / x;
        double wide = Double.longBitsToDouble(0x7FF8000000000000L) / x;
        out.set(0, Double.doubleToRawLongBits(Math.floor(wide)));
        out.set(1, Double.doubleToRawLongBits(Math.ceil(wide)));
        out.set(2, Double.doubleToRawLongBits(Math.floor(nan)));
        out.set(3, Float.floatToRawIntBits((float) Math.floor(wide)));
        out.set(4, Float.floatToRawIntBits((float) Math.ceil(nan)));
        out.set(5, Float.floatToRawIntBits(Math.max(x, -(float) Math.floor(nan))));
    }
}
