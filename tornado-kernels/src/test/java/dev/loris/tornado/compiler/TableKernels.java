package dev.loris.tornado.compiler;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/**
 * Kernels reading static final primitive arrays (constant tables), for ConstantTablesTest: one table of each
 * element type with its edge values (NaN with a payload, negative zero, denormals, the extremes), tables in
 * loops and helpers, and the misuses the compiler must refuse.
 */
public final class TableKernels {
    static final float[] FLOATS = {Float.intBitsToFloat(0x7FC01234), -0f, Float.MIN_VALUE, -Float.MAX_VALUE,
            Float.NEGATIVE_INFINITY, 1f / 3, (float) Math.PI, -2.5e-20f, 6.02e23f};
    static final double[] DOUBLES = {Double.longBitsToDouble(0x7FF8000000000ABCL), -0d, Double.MIN_VALUE,
            Double.MAX_VALUE, Double.POSITIVE_INFINITY, 1d / 3, -Math.E};
    static final int[] INTS = {Integer.MIN_VALUE, -1, 0, 7, 123_456_789, Integer.MAX_VALUE};
    static final long[] LONGS = {Long.MIN_VALUE, -1, 0, 1L << 40, 0x0123456789ABCDEFL, Long.MAX_VALUE, 42};
    static final short[] SHORTS = {Short.MIN_VALUE, -1, 0, 12_345, Short.MAX_VALUE};
    static final char[] CHARS = {0, 'A', '\uFFFF', '\u8000'};
    static final byte[] BYTES = {Byte.MIN_VALUE, -1, 0, 1, Byte.MAX_VALUE, 0x55};
    static final boolean[] FLAGS = {true, false, false};
    /** Only the snapshot test reads (and changes) this one. */
    static final float[] SNAPSHOTTED = {1f};
    static final float[] UNUSED_AFTER_FOLDING = {10f, 20f, 30f, 40f};
    static float[] notFinal = {1f};
    static final byte[] TOO_LARGE = new byte[64 * 1024 + 1];

    /** Entries per work-item that {@link #readEveryType} writes. */
    static final int TYPES = 8;

    private TableKernels() {
    }

    /** Work-item i reads each table at indices[i] modulo its length, raw bits widened to long, into out[8i..8i+7]. */
    public static void readEveryType(KernelContext ctx, IntArray indices, LongArray out, int n) {
        int i = ctx.globalIdx;
        if (i < n) {
            int k = indices.get(i);
            long base = (long) TYPES * i;
            out.set(base, Float.floatToRawIntBits(FLOATS[k % FLOATS.length]));
            out.set(base + 1, Double.doubleToRawLongBits(DOUBLES[k % DOUBLES.length]));
            out.set(base + 2, INTS[k % INTS.length]);
            out.set(base + 3, LONGS[k % LONGS.length]);
            out.set(base + 4, SHORTS[k % SHORTS.length]);
            out.set(base + 5, CHARS[k % CHARS.length]);
            out.set(base + 6, BYTES[k % BYTES.length]);
            out.set(base + 7, FLAGS[k % FLAGS.length] ? 1 : 0);
        }
    }

    /** A table handed to a helper and walked in a loop whose bound is its length: out[i] = sum of FLOATS[j] * x. */
    public static void weightedSum(KernelContext ctx, FloatArray x, FloatArray out) {
        int i = ctx.globalIdx;
        out.set(i, dot(FLOATS_FINITE, x.get(i)));
    }

    static final float[] FLOATS_FINITE = {0.5f, -1.25f, 3f, 1f / 7, -0f, 2e-3f};

    private static float dot(float[] table, float x) {
        float sum = 0f;
        for (int j = 0; j < table.length; j++) {
            sum += table[j] * x;
        }
        return sum;
    }

    /** Constant indices and the length fold away: no table is left in the program. */
    public static void foldedReads(KernelContext ctx, FloatArray out) {
        out.set(ctx.globalIdx, UNUSED_AFTER_FOLDING[2] + UNUSED_AFTER_FOLDING.length);
    }

    public static void readSnapshot(KernelContext ctx, FloatArray out) {
        out.set(ctx.globalIdx, SNAPSHOTTED[0]);
    }

    public static void writesTable(KernelContext ctx, FloatArray out) {
        FLOATS[0] = out.get(0);
    }

    public static void atomicOnTable(KernelContext ctx, IntArray out) {
        out.set(0, ctx.atomicAdd(INTS, 0, 1));
    }

    public static void readsNonFinal(KernelContext ctx, FloatArray out) {
        out.set(0, notFinal[0]);
    }

    public static void readsTooLarge(KernelContext ctx, IntArray out) {
        out.set(0, TOO_LARGE[ctx.globalIdx]);
    }
}
