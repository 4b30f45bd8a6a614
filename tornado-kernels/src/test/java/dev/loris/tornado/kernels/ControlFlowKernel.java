package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/**
 * A kernel whose only purpose is Java semantics on devices: loops left by break and continue (also of an
 * outer loop, by label), while and do-while loops, nested ifs, ternaries, int and long division and
 * remainder with negative operands (and MIN_VALUE / -1), shifts by negative counts and counts of 32 or more
 * (Java masks them to 5 or 6 bits), narrowing casts to byte, short and char.
 *
 * <p>Each work-item folds one row of {@code width} (a, b) pairs into an int and a long. Divisors are forced
 * odd ({@code b | 1}), so never zero: what division by zero should do on a device is an open compiler
 * question (Java throws; the emitters give 0 today) and this kernel does not ask it.
 *
 * <p>Grid: global = {G >= rows}, local = {L}, G a multiple of L; work-items past {@code rows} return.
 * Exact: the reference is the same row functions run on the JVM.
 */
public final class ControlFlowKernel {
    private ControlFlowKernel() {
    }

    public static void foldRows(KernelContext ctx, IntArray a, IntArray b, IntArray ints, LongArray longs, int rows,
                           int width) {
        int row = ctx.globalIdx;
        if (row >= rows) {
            return;
        }
        ints.set(row, intRow(a, b, row * width, width));
        longs.set(row, longRow(a, b, row * width, width));
    }

    /** The int fold of the row starting at {@code start}. */
    public static int intRow(IntArray a, IntArray b, int start, int width) {
        int acc = 0;
        for (int j = 0; j < width; j++) {
            int x = a.get(start + j);
            int y = b.get(start + j);
            if (x == 0) {
                continue;
            }
            if ((x & 0x3FF) == 0x155) {
                break;
            }
            int d = y | 1;
            int q = x / d;
            int r = x % d;
            if (x < 0) {
                if (y < 0) {
                    acc += q ^ (r << y);
                } else {
                    acc -= (x >> y) + (x >>> (y + 7));
                }
            } else if ((x & 3) == 2) {
                acc = acc * 31 + (r > 0 ? q : -q);
            } else {
                acc ^= (y > x ? x << (y & 40) : y >>> x) + (short) q + (char) r + (byte) y;
            }
            int k = 0;
            while (true) {
                k++;
                if (k > (y & 7)) {
                    break;
                }
                if ((k & 1) == 1) {
                    continue;
                }
                acc += k * q;
            }
        }
        return acc;
    }

    /** The long fold of the same row: 64-bit shifts, division and remainder, an outer loop left by label. */
    public static long longRow(IntArray a, IntArray b, int start, int width) {
        long acc = 1;
        outer:
        for (int j = 0; j < width; j++) {
            long x = a.get(start + j);
            int y = b.get(start + j);
            int tries = 0;
            do {
                tries++;
                if (x == Integer.MIN_VALUE && tries > 1) {
                    continue outer;
                }
                if (y == Integer.MAX_VALUE) {
                    break outer;
                }
                acc = acc * 1_000_003L + (x << y) + (x >> (y + 3)) + (x >>> (y ^ 13));
                acc += acc / (x | 1L) + acc % (y | 1) + (tries == 2 ? Long.MIN_VALUE / (x < 0 ? -1L : 3L) : 0L);
            } while (tries < 3 && (y & tries) != 0);
        }
        return acc;
    }

    /** Row results on the JVM: the same functions the kernel inlines. */
    public static int[] intReference(IntArray a, IntArray b, int rows, int width) {
        int[] out = new int[rows];
        for (int row = 0; row < rows; row++) {
            out[row] = intRow(a, b, row * width, width);
        }
        return out;
    }

    public static long[] longReference(IntArray a, IntArray b, int rows, int width) {
        long[] out = new long[rows];
        for (int row = 0; row < rows; row++) {
            out[row] = longRow(a, b, row * width, width);
        }
        return out;
    }
}
